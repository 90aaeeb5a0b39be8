"""Cases tell people through the notification outbox, in the case's own transaction: the
applicant hears accepted / returned / not accepted / refused / completed with the reason;
the acting departments hear the 80 % reminder and the overdue escalation (urgent) — and a
staff notice never names the applicant or their ID (it may leave through a webhook)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from case_helpers import APPLICANT_ID, FIXED, tiny_pdf
from sqlalchemy import select

from govbridge.cases import rules
from govbridge.cases import usecases as cases
from govbridge.cases.schemas import DecisionIn
from govbridge.core.permissions import Role
from govbridge.notifications import usecases as inbox
from govbridge.notifications.models import Notification
from tests.notifications.conftest import actor_of

APPLICANT_NAME = "苏州测试1有限公司"


@pytest.fixture
def people(rt, world, make_user):
    make_user("qiye", [Role.APPLICANT], subject_id=APPLICANT_ID)
    make_user("someone-else", [Role.APPLICANT], subject_id="11010519491231002X")
    make_user("amr.approver", [Role.APPROVER], org=world.codes["amr"])
    make_user("tax.approver", [Role.APPROVER], org=world.codes["tax"])
    make_user("amr.clerk", [Role.CLERK], org=world.codes["amr"])
    return {n: actor_of(rt, n) for n in ("qiye", "someone-else", "amr.approver",
                                         "tax.approver", "amr.clerk")}


def _inbox(rt, actor):
    with rt.context() as ctx:
        return inbox.inbox(ctx, actor)


def _decide(rt, world, key, code, decision="approve", opinion="", materials=()):
    with rt.context() as ctx:
        task = next(t for t in cases.my_tasks(ctx, world.approver(key)) if t.case_code == code)
        return cases.decide(ctx, world.approver(key), code, DecisionIn(
            task_id=task.task_id, decision=decision, opinion=opinion,
            materials=list(materials)))


def test_the_applicant_hears_each_step_of_their_own_case_only(rt, world, ready, people):
    code = ready
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, code, APPLICANT_ID)
    [accepted] = _inbox(rt, people["qiye"])
    assert accepted.kind == "case.accepted" and code in accepted.subject
    assert accepted.link == f"/my/cases/{code}" and "企业开办" in accepted.body
    with rt.context() as ctx:
        cases.upload_material(ctx, world.applicant, code, "articles", "a.pdf", tiny_pdf())
    _decide(rt, world, "amr", code, "return", "章程缺少股东签字", ["articles"])
    returned = _inbox(rt, people["qiye"])[0]
    assert returned.kind == "case.returned" and "章程缺少股东签字" in returned.body
    with rt.context() as ctx:
        cases.upload_material(ctx, world.applicant, code, "articles", "b.pdf", tiny_pdf())
    _decide(rt, world, "amr", code)
    for key in ("psb", "hrss", "tax"):
        _decide(rt, world, key, code)
    kinds = [n.kind for n in _inbox(rt, people["qiye"])]
    assert kinds == ["case.completed", "case.returned", "case.accepted"]  # newest first
    assert _inbox(rt, people["someone-else"]) == []  # another applicant hears nothing


def test_not_accepted_and_refused_carry_the_reason(rt, world, ready, submit, people):
    with rt.context() as ctx:
        cases.not_accept(ctx, world.clerk, ready, "营业执照已吊销")
    [notice] = _inbox(rt, people["qiye"])
    assert notice.kind == "case.not_accepted" and "营业执照已吊销" in notice.body
    second = submit()
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, second, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, second, "articles", "a.pdf", tiny_pdf())
    _decide(rt, world, "amr", second, "refuse", "经营范围涉及禁止类项目")
    refused = _inbox(rt, people["qiye"])[0]
    assert refused.kind == "case.refused" and "经营范围涉及禁止类项目" in refused.body


def test_reminder_and_urgent_escalation_reach_the_acting_department_without_the_applicant(
        rt, world, ready, people):
    with rt.context() as ctx:
        detail = cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, ready, "articles", "a.pdf", tiny_pdf())
    due = detail.promised_due
    assert due is not None
    rt.clock = lambda: rules.reminder_point(FIXED, due)
    with rt.context() as ctx:
        assert cases.tick(ctx).reminded == [ready]
    [reminder] = _inbox(rt, people["amr.approver"])  # the review is the amr's task
    assert reminder.kind == "case.reminder" and not reminder.urgent
    assert reminder.link == f"/tasks/{ready}"
    assert _inbox(rt, people["tax.approver"]) == []  # no task of theirs is ready

    rt.clock = lambda: rules.due_end(due) + timedelta(hours=1)
    with rt.context() as ctx:
        assert cases.tick(ctx).escalated == [ready]
        assert cases.tick(ctx).escalated == []  # once
    overdue = _inbox(rt, people["amr.approver"])[0]
    assert overdue.kind == "case.overdue" and overdue.urgent
    assert len(_inbox(rt, people["amr.approver"])) == 2
    with rt.context() as ctx:
        staff = ctx.db.scalars(select(Notification).where(
            Notification.kind.in_(["case.reminder", "case.overdue"]))).all()
    assert len(staff) == 2
    for note in staff:  # what may leave through a department's webhook
        text = note.subject + note.body
        assert APPLICANT_ID not in text and APPLICANT_NAME not in text
