"""The demo's campaigns: 创建全国文明城市 with ≥30 tasks over ≥8 departments, some done,
some late and escalated, dependencies; 防汛准备; loading twice adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from govbridge.core.permissions import Role
from govbridge.demo.accounts import demo_accounts
from govbridge.demo.departments import DEPARTMENTS
from govbridge.demo.load import create_account
from govbridge.demo.tasks import load_demo_tasks
from govbridge.identity import organizations
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import OrganizationCreate
from govbridge.tasks import usecases
from govbridge.tasks.models import CampaignTask, TaskEscalation


@pytest.fixture
def demo_departments(rt):
    operator = Actor.operator("test")
    with rt.context() as ctx:
        for dept in DEPARTMENTS:
            if dept.parent_key is None:
                organizations.create_organization(ctx, operator, OrganizationCreate(
                    code=dept.code, name=dept.name, level=dept.level,  # type: ignore[arg-type]
                    division_code=dept.division_code))
        for acc in demo_accounts(1):
            if acc.username.startswith("officer.") and acc.department_key and \
                    not next(d for d in DEPARTMENTS if d.key == acc.department_key).parent_key:
                create_account(ctx, operator, acc)


def test_demo_campaigns(rt, demo_departments):
    loaded = load_demo_tasks(rt, 1)
    assert loaded["tasks"] >= 38 + 8 and loaded["escalated"] > 0
    operator = Actor.operator("test")
    with rt.context() as ctx:
        wmcs = usecases.show_campaign(ctx, operator, "WMCS-2026")
        fxzb = usecases.show_campaign(ctx, operator, "FXZB-2026")
        escalations = ctx.db.scalar(select(func.count()).select_from(TaskEscalation))
    assert wmcs.title == "创建全国文明城市"
    assert wmcs.lead_organization_name == "苏州市人民政府办公室"
    assert len(wmcs.task_list) >= 30 and len(wmcs.departments) >= 8
    states = [t.state for t in wmcs.task_list]
    assert states.count("accepted") >= 5 and {"submitted", "returned", "blocked"} <= set(states)
    assert sum(t.late for t in wmcs.task_list) >= 3 and wmcs.at_risk >= 2
    assert sum(len(t.depends_on) for t in wmcs.task_list) >= 10
    assert len(wmcs.critical_path) >= 3 and 0 < wmcs.progress < 100
    assert len(fxzb.task_list) == 8 and escalations > 0
    with rt.context() as ctx:
        timeline = usecases.show_task(ctx, operator, wmcs.task_list[1].id).timeline
        count = ctx.db.scalar(select(func.count()).select_from(CampaignTask))
    assert timeline is not None
    assert load_demo_tasks(rt, 1) == {}
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(CampaignTask)) == count
    _ = Role
