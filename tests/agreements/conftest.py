"""Agreement fixtures: a consumer department, published datasets of each sharing type,
and a clock the tests move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code

# Monday 30 November 2026, 10:00 China Standard Time.
START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)

    @property
    def today(self) -> date:
        return (self.now + timedelta(hours=8)).date()


@pytest.fixture
def clock(rt) -> Clock:
    c = Clock(START)
    rt.clock = c
    return c


@pytest.fixture
def consumer(rt, make_org) -> dict[str, Any]:
    code = make_org(name="苏州市人力资源和社会保障局")
    with rt.context() as ctx:
        org_id = org_by_code(ctx, code).id
    officer = Actor.for_user(user_id=2000, username="officer.hrss",
                             roles=frozenset({Role.DATA_OFFICER}), organization_id=org_id,
                             subject_id=None)
    return {"code": code, "id": org_id, "officer": officer}


@pytest.fixture
def outsider(rt, make_org) -> Actor:
    code = make_org(name="苏州市教育局")
    with rt.context() as ctx:
        org_id = org_by_code(ctx, code).id
    return Actor.for_user(user_id=3000, username="officer.edu",
                          roles=frozenset({Role.DATA_OFFICER}), organization_id=org_id,
                          subject_id=None)


@pytest.fixture
def auditor() -> Actor:
    return Actor.for_user(user_id=1002, username="auditor", roles=frozenset({Role.AUDITOR}),
                          organization_id=None, subject_id=None)


@pytest.fixture
def datasets(clock, entry, publish) -> dict[str, str]:
    """Resource codes of one published dataset per sharing type."""
    unconditional = publish(entry(name="企业营业执照信息"))
    conditional = publish(entry(name="企业法定代表人信息", share_type="conditional",
                                share_condition="仅用于政务服务事项办理"))
    none = publish(entry(name="企业内部核查信息", share_type="none",
                         legal_basis="《某某条例》第十条"))
    return {"unconditional": unconditional.resource_code,
            "conditional": conditional.resource_code, "none": none.resource_code}


@pytest.fixture
def request_in(datasets) -> Callable[..., AgreementRequestIn]:
    def make(kind: str = "conditional", **overrides: Any) -> AgreementRequestIn:
        base: dict[str, Any] = {
            "resource_code": datasets[kind],
            "fields": ["credit_code", "legal_rep", "legal_rep_id"],
            "purpose_kind": "service_item",
            "purpose_code": "320500-SI-0001",
            "purpose_text": "企业职工参保登记",
            "valid_until": date(2027, 12, 31),
            "rate_per_minute": 30,
            "daily_volume": 5000,
        }
        base.update(overrides)
        return AgreementRequestIn(**base)

    return make


@pytest.fixture
def client(rt):
    from fastapi.testclient import TestClient

    from govbridge.api.app import create_app

    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c
