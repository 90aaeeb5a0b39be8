"""A small city for campaign tests: the city office (lead), two departments, their
officers, a bureau admin and an applicant, and actors for each as the API would build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from govbridge.core.permissions import Role
from govbridge.identity import passwords
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization, User
from govbridge.runtime import Runtime
from govbridge.tasks import usecases
from govbridge.tasks.schemas import CampaignIn, TaskIn

# Monday 2026-03-02, 10:00 in Suzhou.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CITIZEN = "11010519491231002X"


@dataclass
class City:
    rt: Runtime
    office: str
    dept_a: str
    dept_b: str
    leader: Actor
    officer_a: Actor
    officer_b: Actor
    admin: Actor
    applicant: Actor
    operator: Actor

    def task(self, campaign: str, org: str, title: str, days: int = 5, **kw: object) -> int:
        with self.rt.context() as ctx:
            return usecases.create_task(ctx, self.leader, TaskIn(
                campaign=campaign, title=title, organization_code=org, working_days=days,
                **kw)).id  # type: ignore[arg-type]

    def campaign(self, code: str = "WMCS-2026", deadline: date = date(2026, 12, 31)) -> str:
        with self.rt.context() as ctx:
            return usecases.create_campaign(ctx, self.leader, CampaignIn(
                code=code, title="创建全国文明城市", deadline=deadline)).code


def actor_of(rt: Runtime, username: str) -> Actor:
    with rt.context() as ctx:
        u = ctx.db.scalar(select(User).where(User.username == username))
        assert u is not None
        return Actor.for_user(user_id=u.id, username=u.username,
                              roles=frozenset(Role(r) for r in u.roles),
                              organization_id=u.organization_id, subject_id=u.subject_id)


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    """Cheap password hashes: these tests are about tasks, not about argon2's cost."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def city(rt: Runtime, make_org, make_user, operator) -> City:
    rt.clock = lambda: NOW
    office = make_org("苏州市人民政府办公室")
    dept_a = make_org("苏州市住房和城乡建设局")
    dept_b = make_org("苏州市生态环境局")
    make_user("leader", [Role.DATA_OFFICER], org=office)
    make_user("officer-a", [Role.DATA_OFFICER], org=dept_a)
    make_user("officer-b", [Role.DATA_OFFICER], org=dept_b)
    make_user("admin", [Role.BUREAU_ADMIN], org=office)
    make_user("citizen", [Role.APPLICANT], subject_id=CITIZEN)
    with rt.context() as ctx:
        assert ctx.db.scalar(select(Organization.id).where(Organization.code == dept_a))
    return City(rt, office, dept_a, dept_b, actor_of(rt, "leader"), actor_of(rt, "officer-a"),
                actor_of(rt, "officer-b"), actor_of(rt, "admin"), actor_of(rt, "citizen"),
                operator)
