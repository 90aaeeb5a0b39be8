"""Organizations: checksum-validated codes, hierarchy, duplicates, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from govbridge.audit.models import AuditEvent
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity import organizations
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.schemas import OrganizationCreate
from support import ORG_CODES


def _create(rt, actor, **kw):
    data = {"code": ORG_CODES[0], "name": "苏州市市场监督管理局", "level": "city", **kw}
    with rt.context() as ctx:
        return organizations.create_organization(ctx, actor, OrganizationCreate(**data))


def _count(rt) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(Organization))


def test_create_and_list(rt, operator):
    out = _create(rt, operator, division_code="320500", name_en="Suzhou AMR")
    assert out.code == ORG_CODES[0] and out.division_code == "320500"
    with rt.context() as ctx:
        listed = organizations.list_organizations(ctx, operator)
        events = ctx.db.scalars(select(AuditEvent.action)).all()
    assert [o.code for o in listed] == [ORG_CODES[0]]
    assert events == ["organization.create"]


def test_lower_case_code_is_normalised(rt, operator):
    code = ORG_CODES[1]
    out = _create(rt, operator, code=code.lower())
    assert out.code == code


def test_wrong_check_character_is_rejected_and_nothing_stored(rt, operator):
    good = ORG_CODES[0]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, code=bad)
    problem = exc.value.problems[0]
    assert (problem.field, problem.value, problem.code) == ("code", bad, "checksum")
    assert _count(rt) == 0


def test_unknown_division_code_is_rejected(rt, operator):
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, division_code="329999")
    assert exc.value.problems[0].field == "division_code"
    assert _count(rt) == 0


def test_duplicate_code_is_a_conflict_naming_the_code(rt, operator):
    _create(rt, operator)
    with pytest.raises(Conflict) as exc:
        _create(rt, operator, name="另一个名字")
    assert exc.value.field == "code" and exc.value.value == ORG_CODES[0]
    assert _count(rt) == 1


def test_parent_must_exist_and_not_be_lower_level(rt, operator):
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, parent_code=ORG_CODES[5])
    assert exc.value.problems[0].field == "parent_code"
    _create(rt, operator, code=ORG_CODES[2], name="姑苏区行政审批局", level="district")
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, parent_code=ORG_CODES[2])
    assert exc.value.problems[0].code == "level"
    child = _create(rt, operator, code=ORG_CODES[3], name="姑苏区分局", level="district",
                    parent_code=ORG_CODES[2])
    assert child.parent_code == ORG_CODES[2]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.BUREAU_ADMIN])
def test_only_bureau_admin_creates_organizations(rt, role):
    actor = Actor.for_user(user_id=1, username="x", roles=frozenset({role}),
                           organization_id=None, subject_id=None)
    with pytest.raises(PermissionDenied) as exc:
        _create(rt, actor)
    assert exc.value.permission == "org.manage"
    assert _count(rt) == 0


def test_get_unknown_is_not_found(rt, operator):
    with rt.context() as ctx, pytest.raises(NotFound):
        organizations.get_organization(ctx, operator, ORG_CODES[9])
