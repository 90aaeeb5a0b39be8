"""Use cases for organizations (部门): register, list, show."""

from __future__ import annotations

from sqlalchemy import select

from govbridge.audit.record import record
from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.identifiers import validate_credit_code, validate_division_code
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.schemas import OrganizationCreate, OrganizationOut
from govbridge.runtime import Ctx

_LEVEL_RANK = {"province": 3, "city": 2, "district": 1}


def to_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(
        code=org.code,
        name=org.name,
        name_en=org.name_en,
        level=org.level,  # type: ignore[arg-type]
        vertically_managed=org.vertically_managed,
        division_code=org.division_code,
        parent_code=org.parent.code if org.parent else None,
        active=org.active,
        created_at=org.created_at,
    )


def org_by_code(ctx: Ctx, code: str) -> Organization | None:
    return ctx.db.scalar(select(Organization).where(Organization.code == code.strip().upper()))


def referenced_organization(ctx: Ctx, code: str, field: str) -> Organization:
    """The organization an input field refers to; an unknown code is that field's fault."""
    org = org_by_code(ctx, code)
    if org is None:
        raise InvalidInput.one(field, "no organization has this code", code, "unknown")
    return org


def create_organization(ctx: Ctx, actor: Actor, data: OrganizationCreate) -> OrganizationOut:
    require(actor, Permission.ORG_MANAGE)
    data = checked(OrganizationCreate, data)
    code = validate_credit_code(data.code, field="code")
    division = (
        validate_division_code(data.division_code, field="division_code")
        if data.division_code
        else None
    )
    if ctx.db.scalar(select(Organization.id).where(Organization.code == code)) is not None:
        raise Conflict(f"an organization with code {code} already exists", "code", code)
    parent = None
    if data.parent_code:
        parent = referenced_organization(ctx, data.parent_code, "parent_code")
        if _LEVEL_RANK[parent.level] < _LEVEL_RANK[data.level]:
            raise InvalidInput.one(
                "parent_code",
                f"a {parent.level}-level organization cannot be the parent of a "
                f"{data.level}-level one",
                data.parent_code,
                "level",
            )
    org = Organization(
        code=code,
        name=data.name.strip(),
        name_en=data.name_en,
        level=data.level,
        vertically_managed=data.vertically_managed,
        division_code=division,
        parent=parent,
        created_at=ctx.now(),
    )
    ctx.db.add(org)
    ctx.db.flush()
    record(ctx, actor, "organization.create", "organization", code, {"name": org.name})
    ctx.emit("identity.organization.created", {"code": code})
    return to_out(org)


def list_organizations(ctx: Ctx, actor: Actor) -> list[OrganizationOut]:
    require(actor, Permission.ORG_READ)
    orgs = ctx.db.scalars(select(Organization).order_by(Organization.level, Organization.code))
    return [to_out(o) for o in orgs]


def get_organization(ctx: Ctx, actor: Actor, code: str) -> OrganizationOut:
    require(actor, Permission.ORG_READ)
    org = org_by_code(ctx, code)
    if org is None:
        raise NotFound("organization", code)
    return to_out(org)
