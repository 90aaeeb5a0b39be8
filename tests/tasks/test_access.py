"""Attackers first: each demo role tries what it must not do with campaign tasks."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.tasks import usecases
from govbridge.tasks.models import TaskEvent
from govbridge.tasks.schemas import CampaignIn, ReasonIn, ReportIn, TaskIn


@pytest.fixture
def world(city):
    code = city.campaign()
    a = city.task(code, city.dept_a, "背街小巷整治")
    b = city.task(code, city.dept_b, "河道保洁")
    return city, code, a, b


def test_an_officer_sees_only_their_departments_tasks(world):
    city, code, a, b = world
    with city.rt.context() as ctx:
        mine = usecases.list_tasks(ctx, city.officer_a)
        assert [t.id for t in mine] == [a]
        assert [t.id for t in usecases.list_tasks(ctx, city.officer_a, campaign=code)] == [a]
        with pytest.raises(NotFound):
            usecases.show_task(ctx, city.officer_a, b)
        detail = usecases.show_campaign(ctx, city.officer_a, code)
        assert [t.id for t in detail.task_list] == [a]
        assert detail.tasks == 1 and set(detail.rollup) == {a}
        # The leader and the bureau see both.
        assert {t.id for t in usecases.list_tasks(ctx, city.leader)} == {a, b}
        assert {t.id for t in usecases.list_tasks(ctx, city.admin)} == {a, b}


def test_an_officer_cannot_report_on_or_move_another_departments_task(world):
    city, _code, _a, b = world
    for action in ("start", "report", "submit", "block"):
        with city.rt.context() as ctx, pytest.raises(NotFound):
            usecases.act(ctx, city.officer_a, b, action, ReasonIn(reason="x"),
                         report=ReportIn(percent=50))
    with city.rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(TaskEvent).where(
            TaskEvent.task_id == b, TaskEvent.kind != "created")) == 0


def test_nobody_accepts_their_own_task(world):
    city, code, _a, _b = world
    # The leader's own department owns a task, and the leader is its officer.
    own = city.task(code, city.office, "牵头协调", officer="leader")
    with city.rt.context() as ctx:
        usecases.report_progress(ctx, city.leader, own, ReportIn(percent=100, submit=True))
    with city.rt.context() as ctx, pytest.raises(PermissionDenied, match="submitted"):
        usecases.act(ctx, city.leader, own, "accept")


def test_an_officer_cannot_accept_even_a_submitted_task_of_their_department(world):
    city, _code, a, _b = world
    with city.rt.context() as ctx:
        usecases.report_progress(ctx, city.officer_a, a, ReportIn(percent=100, submit=True))
    with city.rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.act(ctx, city.officer_a, a, "accept")
    with city.rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.act(ctx, city.officer_a, a, "return", ReasonIn(reason="自己退回"))
    with city.rt.context() as ctx:
        assert usecases.show_task(ctx, city.officer_a, a).state == "submitted"


def test_an_applicant_sees_nothing(world):
    city, code, a, _b = world
    with city.rt.context() as ctx:
        with pytest.raises(PermissionDenied):
            usecases.list_tasks(ctx, city.applicant)
        with pytest.raises(PermissionDenied):
            usecases.list_campaigns(ctx, city.applicant)
        with pytest.raises(PermissionDenied):
            usecases.show_campaign(ctx, city.applicant, code)
        with pytest.raises(PermissionDenied):
            usecases.show_task(ctx, city.applicant, a)


def test_an_unknown_and_an_invisible_campaign_look_the_same(world):
    city, code, _a, _b = world
    other = city.campaign("FXZB-2026")
    city.task(other, city.dept_b, "防汛物资")
    with city.rt.context() as ctx:
        with pytest.raises(NotFound) as hidden:
            usecases.show_campaign(ctx, city.officer_a, other)
        with pytest.raises(NotFound) as missing:
            usecases.show_campaign(ctx, city.officer_a, "NOPE-2026")
    assert str(hidden.value).replace(other, "X") == str(missing.value).replace("NOPE-2026", "X")
    with city.rt.context() as ctx:
        assert [c.code for c in usecases.list_campaigns(ctx, city.officer_a)] == [code]


def test_an_officer_creates_campaigns_only_for_their_department(world):
    city, _code, _a, _b = world
    with city.rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.create_campaign(ctx, city.officer_a, CampaignIn(
            title="x", deadline=date(2026, 12, 1), lead_organization_code=city.office))
    with city.rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.create_campaign(ctx, city.applicant, CampaignIn(
            title="x", deadline=date(2026, 12, 1)))
    with city.rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.create_task(ctx, city.officer_a, TaskIn(
            campaign=_code, title="x", organization_code=city.dept_a, working_days=1))


@pytest.mark.parametrize("url", [
    "https://bot:pw@cloud.suzhou.gov.cn/s/x",
    "https://meet.suzhou.gov.cn/r?jwt=SECRETJWT",
    "http://meet.suzhou.gov.cn/r",
    "javascript:alert(1)",
])
def test_hostile_links_are_refused_and_not_echoed(city, url):
    with city.rt.context() as ctx, pytest.raises(InvalidInput) as err:
        usecases.create_campaign(ctx, city.leader, CampaignIn(
            title="x", deadline=date(2026, 12, 1), docs_url=url))
    assert "SECRETJWT" not in str(err.value) and "pw@" not in str(err.value)
    assert err.value.problems[0].field == "docs_url" and err.value.problems[0].value is None


def test_a_cycle_is_refused_naming_it(world):
    city, code, a, b = world
    c = city.task(code, city.dept_a, "复查", depends_on=[{"task": b}])
    with city.rt.context() as ctx:
        usecases.add_dependency(ctx, city.leader, b, a)
    with city.rt.context() as ctx, pytest.raises(Conflict) as err:
        usecases.add_dependency(ctx, city.leader, a, c)
    assert f"task {a} → task {b} → task {c} → task {a}" in str(err.value)


def test_files_and_chart_stay_within_what_the_officer_may_see(world):
    from case_helpers import tiny_png

    from govbridge.tasks.usecases import Upload

    city, code, a, b = world
    with city.rt.context() as ctx:
        detail = usecases.report_progress(ctx, city.officer_a, a, ReportIn(percent=10),
                                          [Upload("台账.png", tiny_png())])
    file_id = detail.timeline[-1].attachments[0].id
    with city.rt.context() as ctx:
        assert usecases.attachment(ctx, city.officer_a, a, file_id).content == tiny_png()
        with pytest.raises(NotFound):
            usecases.attachment(ctx, city.officer_b, a, file_id)
        with pytest.raises(NotFound):  # a visible task, another task's file
            usecases.attachment(ctx, city.officer_b, b, file_id)
        chart = usecases.gantt_svg(ctx, city.officer_a, code)
    assert f'data-task="{a}"' in chart and f'data-task="{b}"' not in chart
