"""Fixtures for service items: the demo departments, a bureau admin, an item factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from govbridge.core.permissions import Role
from govbridge.demo.departments import DEPARTMENTS, department
from govbridge.identity import organizations
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import OrganizationCreate
from govbridge.services import usecases
from govbridge.services.schemas import ServiceItemIn, ServiceItemOut


@pytest.fixture
def departments(rt, operator) -> dict[str, str]:
    """The demo city's departments (key → credit code)."""
    codes: dict[str, str] = {}
    with rt.context() as ctx:
        for dept in DEPARTMENTS:
            organizations.create_organization(ctx, operator, OrganizationCreate(
                code=dept.code, name=dept.name, level=dept.level,  # type: ignore[arg-type]
                division_code=dept.division_code,
                parent_code=codes[dept.parent_key] if dept.parent_key else None,
            ))
            codes[dept.key] = dept.code
    return codes


def staff(role: Role, org_id: int | None = None, name: str = "someone") -> Actor:
    return Actor.for_user(user_id=2000, username=name, roles=frozenset({role}),
                          organization_id=org_id, subject_id=None)


@pytest.fixture
def bureau() -> Actor:
    return staff(Role.BUREAU_ADMIN, name="admin.bureau")


@pytest.fixture
def make_item(rt, bureau, departments) -> Callable[..., ServiceItemOut]:
    def make(**overrides: Any) -> ServiceItemOut:
        data: dict[str, Any] = {
            "code": f"{department('amr').code}-QY-901",
            "name": "测试事项",
            "lead_org_code": departments["amr"],
            "participating_org_codes": [departments["tax"]],
            "materials": [
                {"key": "id_card", "name": "居民身份证", "kind": "certificate"},
                {"key": "form", "name": "申请表", "kind": "form"},
            ],
            "promised_days": 3,
            "legal_days": 20,
            "fee": "0",
        }
        data.update(overrides)
        with rt.context() as ctx:
            return usecases.create_service_item(ctx, bureau, ServiceItemIn(**data))

    return make


class _Clock:
    """SpiffWorkflow reads the wall clock; the test moves it."""

    offset = timedelta(0)


@pytest.fixture
def clock(monkeypatch):
    real = datetime

    class Shifted(real):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + _Clock.offset

    monkeypatch.setattr(spiff_timer, "datetime", Shifted)
    _Clock.offset = timedelta(0)
    yield _Clock
    _Clock.offset = timedelta(0)
