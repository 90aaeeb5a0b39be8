"""Use cases of the data element registry, each `fn(ctx, actor, ...)` checking its
permission first: list, read, register, revise (a new version), deprecate, read a code
table. A registered or revised element is checked against `ElementIn` (its limits) and
then its own rules, whoever calls.

Also here, without an actor: `spec_of` (an element's rules, read by the catalog, ingest,
the exchange and nodes after their own checks), `seed_builtin_elements` (at `govbridge
init`) and `count_elements`. (They stay in this module while ingest, the demo and the
benches import them from here.)
"""

from __future__ import annotations

from dataclasses import asdict, fields

from sqlalchemy import func, or_, select

from govbridge.audit.record import record
from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.code_tables import code_table
from govbridge.standards.models import DataElement
from govbridge.standards.schemas import CodeTableOut, ElementIn, ElementOut
from govbridge.standards.spec import ElementSpec

_SPEC_FIELDS = [f.name for f in fields(ElementSpec)]


def to_spec(row: DataElement) -> ElementSpec:
    return ElementSpec(**{name: getattr(row, name) for name in _SPEC_FIELDS})


def to_out(row: DataElement) -> ElementOut:
    return ElementOut.model_validate(row, from_attributes=True)


def seed_builtin_elements(ctx: Ctx) -> int:
    """Add the builtin elements that are missing; returns how many were added."""
    present = {(c, v) for c, v in ctx.db.execute(select(DataElement.code, DataElement.version))}
    added = 0
    for spec in BUILTIN_ELEMENTS:
        if (spec.code, spec.version) not in present:
            ctx.db.add(DataElement(**asdict(spec), created_by="builtin", created_at=ctx.now()))
            added += 1
    ctx.db.flush()
    return added


def _latest(ctx: Ctx, code: str) -> DataElement | None:
    return ctx.db.scalar(
        select(DataElement)
        .where(DataElement.code == code)
        .order_by(DataElement.version.desc())
        .limit(1)
    )


def spec_of(ctx: Ctx, code: str, version: int | None = None) -> ElementSpec:
    """The element a field binds to (latest version when none given); internal, no actor."""
    stmt = select(DataElement).where(DataElement.code == code.strip().upper())
    row = (
        ctx.db.scalar(stmt.where(DataElement.version == version))
        if version is not None
        else _latest(ctx, code.strip().upper())
    )
    if row is None:
        shown = code if version is None else f"{code} v{version}"
        raise InvalidInput.one("element", f"unknown data element {shown}", shown, "unknown")
    return to_spec(row)


def list_elements(
    ctx: Ctx,
    actor: Actor,
    query: str | None = None,
    category: str | None = None,
    latest_only: bool = True,
) -> list[ElementOut]:
    require(actor, Permission.STANDARDS_READ)
    stmt = select(DataElement).order_by(DataElement.code, DataElement.version)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(
            or_(
                DataElement.code.ilike(like),
                DataElement.name_zh.like(like),
                DataElement.name_en.ilike(like),
            )
        )
    if category:
        stmt = stmt.where(DataElement.category == category)
    rows = list(ctx.db.scalars(stmt))
    if latest_only:
        latest: dict[str, DataElement] = {}
        for row in rows:
            latest[row.code] = row
        rows = list(latest.values())
    return [to_out(r) for r in rows]


def get_element(ctx: Ctx, actor: Actor, code: str, version: int | None = None) -> ElementOut:
    require(actor, Permission.STANDARDS_READ)
    try:
        spec = spec_of(ctx, code, version)
    except InvalidInput:
        raise NotFound("data element", code if version is None else f"{code} v{version}") from None
    row = ctx.db.scalar(
        select(DataElement).where(
            DataElement.code == spec.code, DataElement.version == spec.version
        )
    )
    assert row is not None
    return to_out(row)


def _checked(data: ElementIn) -> ElementIn:
    """The element checked against its schema (limits) and then its own rules."""
    data = checked(ElementIn, data)
    problems = data.problems()
    if problems:
        raise InvalidInput(problems)
    return data


def register_element(ctx: Ctx, actor: Actor, data: ElementIn) -> ElementOut:
    require(actor, Permission.STANDARDS_MANAGE)
    data = _checked(data)
    if _latest(ctx, data.code) is not None:
        raise Conflict(f"data element {data.code} exists; revise it instead", "code", data.code)
    row = DataElement(**data.model_dump(), version=1, created_by=actor.label, created_at=ctx.now())
    ctx.db.add(row)
    ctx.db.flush()
    record(ctx, actor, "element.register", "data_element", data.code)
    return to_out(row)


def revise_element(ctx: Ctx, actor: Actor, code: str, data: ElementIn) -> ElementOut:
    """A new version; fields bound to earlier versions keep them."""
    require(actor, Permission.STANDARDS_MANAGE)
    data = _checked(data)
    latest = _latest(ctx, code)
    if latest is None:
        raise NotFound("data element", code)
    if data.code != latest.code:
        raise InvalidInput.one("code", "a revision keeps the element's code", data.code)
    row = DataElement(
        **data.model_dump(),
        version=latest.version + 1,
        created_by=actor.label,
        created_at=ctx.now(),
    )
    ctx.db.add(row)
    ctx.db.flush()
    record(ctx, actor, "element.revise", "data_element", code, {"version": row.version})
    return to_out(row)


def deprecate_element(ctx: Ctx, actor: Actor, code: str) -> ElementOut:
    require(actor, Permission.STANDARDS_MANAGE)
    latest = _latest(ctx, code)
    if latest is None:
        raise NotFound("data element", code)
    latest.status = "deprecated"
    record(ctx, actor, "element.deprecate", "data_element", code)
    return to_out(latest)


def count_elements(ctx: Ctx) -> int:
    return ctx.db.scalar(select(func.count(func.distinct(DataElement.code)))) or 0


def list_code_table(ctx: Ctx, actor: Actor, name: str) -> CodeTableOut:
    require(actor, Permission.STANDARDS_READ)
    table = code_table(name)
    if table is None:
        raise NotFound("code table", name)
    return CodeTableOut(
        name=table.name,
        title_zh=table.title_zh,
        title_en=table.title_en,
        standard=table.standard,
        entries=table.entries,
    )
