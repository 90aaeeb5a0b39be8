"""The element registry in the database: seeding, versions, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.standards import usecases
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.models import DataElement
from govbridge.standards.schemas import ElementIn

NEW = {
    "code": "DE9001",
    "name_zh": "船舶登记号",
    "name_en": "Ship registration number",
    "data_type": "string",
    "category": "certificate",
    "max_length": 20,
}
OFFICER = Actor.for_user(
    user_id=1,
    username="o",
    roles=frozenset({Role.DATA_OFFICER}),
    organization_id=None,
    subject_id=None,
)


def test_seeding_is_idempotent(rt):
    with rt.context() as ctx:
        assert usecases.seed_builtin_elements(ctx) == len(BUILTIN_ELEMENTS)
    with rt.context() as ctx:
        assert usecases.seed_builtin_elements(ctx) == 0
        assert ctx.db.scalar(select(func.count()).select_from(DataElement)) == len(BUILTIN_ELEMENTS)


def test_register_revise_and_bind_by_version(rt, operator):
    with rt.context() as ctx:
        v1 = usecases.register_element(ctx, operator, ElementIn(**NEW))
        v2 = usecases.revise_element(
            ctx, operator, "DE9001", ElementIn(**{**NEW, "max_length": 30})
        )
    assert (v1.version, v2.version) == (1, 2)
    with rt.context() as ctx:
        assert usecases.spec_of(ctx, "DE9001").max_length == 30
        assert usecases.spec_of(ctx, "DE9001", 1).max_length == 20
        with pytest.raises(Conflict):
            usecases.register_element(ctx, operator, ElementIn(**NEW))
        with pytest.raises(InvalidInput) as exc:
            usecases.spec_of(ctx, "DE9001", 7)
        assert exc.value.problems[0].value == "DE9001 v7"


def test_invalid_element_is_refused_naming_the_field(rt, operator):
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        usecases.register_element(ctx, operator, ElementIn(**{**NEW, "code_table": "colours"}))
    assert exc.value.problems[0].field == "code_table"
    assert exc.value.problems[0].value == "colours"


def test_officers_read_but_do_not_manage(rt, operator):
    with rt.context() as ctx:
        usecases.seed_builtin_elements(ctx)
        found = usecases.list_elements(ctx, OFFICER, query="身份")
        assert {e.name_zh for e in found} >= {"公民身份号码"}
        with pytest.raises(PermissionDenied) as exc:
            usecases.register_element(ctx, OFFICER, ElementIn(**NEW))
        assert exc.value.permission == "standards.manage"
        with pytest.raises(NotFound):
            usecases.get_element(ctx, OFFICER, "DE9999")
        assert usecases.list_code_table(ctx, OFFICER, "sex").entries["2"] == "女性"
