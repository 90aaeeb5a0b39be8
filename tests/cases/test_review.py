"""The back office at work: claiming tasks (领办) and the shared data each approver sees,
masked per its own department's agreement and ledgered in the applicant's access log."""

from __future__ import annotations

import pytest
from case_helpers import APPLICANT_ID, staff, tiny_pdf

from govbridge.cases import review
from govbridge.cases import usecases as cases
from govbridge.cases.schemas import DecisionIn
from govbridge.core.errors import Conflict, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.exchange.transparency import my_accesses


@pytest.fixture
def in_progress(rt, world, ready) -> str:
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, ready, "articles", "章程.pdf", tiny_pdf())
    return ready


def _task(rt, world, key, code):
    with rt.context() as ctx:
        return next(t for t in cases.my_tasks(ctx, world.approver(key)) if t.case_code == code)


def test_a_claimed_task_is_decided_by_its_claimer_only(rt, world, in_progress):
    code = in_progress
    amr, colleague = world.approver("amr"), staff(Role.APPROVER, world.orgs["amr"], "amr.two")
    task = _task(rt, world, "amr", code)
    with rt.context() as ctx:
        detail = review.claim_task(ctx, amr, code, task.task_id)
    assert [s.claimed_by for s in detail.current_steps] == [amr.label]
    assert _task(rt, world, "amr", code).claimed_by == amr.label
    with rt.context() as ctx, pytest.raises(Conflict, match="claimed by"):
        review.claim_task(ctx, colleague, code, task.task_id)
    with rt.context() as ctx, pytest.raises(Conflict, match="claimed by"):
        cases.decide(ctx, colleague, code, DecisionIn(task_id=task.task_id,
                                                      decision="approve"))
    with rt.context() as ctx, pytest.raises(Conflict, match="not claimed by you"):
        review.release_task(ctx, colleague, code, task.task_id)
    with rt.context() as ctx:
        review.release_task(ctx, amr, code, task.task_id)
    with rt.context() as ctx:
        detail = cases.decide(ctx, colleague, code, DecisionIn(task_id=task.task_id,
                                                               decision="approve"))
    # The claim does not travel on to the parallel tasks that follow.
    assert len(detail.current_steps) == 3
    assert all(s.claimed_by is None for s in detail.current_steps)
    assert {"claimed", "released"} <= {e.kind for e in detail.events}


def test_another_department_cannot_claim(rt, world, in_progress):
    task = _task(rt, world, "amr", in_progress)
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        review.claim_task(ctx, world.approver("tax"), in_progress, task.task_id)


def test_each_department_sees_shared_data_through_its_own_agreement(rt, world, in_progress):
    with rt.context() as ctx:
        before = len(my_accesses(ctx, world.applicant))
    with rt.context() as ctx:
        seen = {v.key: v for v in review.shared_data(ctx, world.approver("amr"), in_progress)}
    licence = seen["shareholder_licence"]
    assert licence.status == "shown" and licence.agreement
    assert [r["credit_code"] for r in licence.rows] == [APPLICANT_ID]
    # The citizen ID is "important": masked by default even under the agreement.
    assert "legal_rep_id" in licence.masked_fields
    assert licence.titles["legal_rep_id"] == "法定代表人公民身份号码"
    raw_id = licence.rows[0]["legal_rep_id"]
    assert "*" in raw_id and len(raw_id) == 18
    assert seen["premises_title"].status == "not_shared"  # no dataset bound to it
    # The tax bureau has no agreement of its own: it sees nothing.
    with rt.context() as ctx:
        tax = {v.key: v for v in review.shared_data(ctx, world.approver("tax"), in_progress)}
    assert tax["shareholder_licence"].status == "no_agreement"
    assert tax["shareholder_licence"].rows == []
    # The approver's view is an access like any other: in the applicant's own log.
    with rt.context() as ctx:
        log = my_accesses(ctx, world.applicant)
    assert len(log) == before + 1
    newest = max(log, key=lambda e: e.leaf_index)
    assert newest.agreement == licence.agreement
    assert newest.purpose.get("code") == world.item
    assert newest.consumer_code == world.codes["amr"]


def test_outsiders_and_applicants_see_no_shared_data(rt, world, in_progress):
    # Not even that the case exists: the same answer as for a case that does not
    # (security review, D7).
    outsider = staff(Role.APPROVER, world.orgs["edu"], "approver.edu")
    for who in (outsider, world.applicant):
        for code in (in_progress, "BJ00000000NOSUCH"):
            with rt.context() as ctx, pytest.raises(NotFound):
                review.shared_data(ctx, who, code)


def test_who_may_claim_and_give_back_a_task():
    from govbridge.cases.review import can_claim, can_release
    from govbridge.identity.actor import Actor

    me, colleague = Actor.operator("me"), Actor.operator("colleague")
    assert can_claim(me, None) and can_claim(me, me.label)
    assert not can_claim(colleague, me.label)
    assert can_release(me, me.label)
    assert not can_release(colleague, me.label) and not can_release(me, None)
