"""企业开办 end to end in use cases: submit → accept (materials by sharing) → upload what
is missing → review → parallel departments in any order → completed; return and refuse."""

from __future__ import annotations

import threading
import time

import pytest
from case_helpers import APPLICANT_ID, tiny_pdf

from govbridge.cases import usecases as cases
from govbridge.cases.schemas import DecisionIn
from govbridge.core.errors import Conflict
from govbridge.exchange.transparency import my_accesses
from govbridge.runtime import Runtime


def _accept(rt, world, code):
    with rt.context() as ctx:
        return cases.accept(ctx, world.clerk, code, APPLICANT_ID)


def _tasks(rt, world, key):
    with rt.context() as ctx:
        return cases.my_tasks(ctx, world.approver(key))


def _decide(rt, world, key, code, decision="approve", opinion="", materials=()):
    task = next(t for t in _tasks(rt, world, key) if t.case_code == code)
    with rt.context() as ctx:
        return cases.decide(ctx, world.approver(key), code, DecisionIn(
            task_id=task.task_id, decision=decision, opinion=opinion,
            materials=list(materials)))


def _upload(rt, world, code, key="articles"):
    with rt.context() as ctx:
        return cases.upload_material(ctx, world.applicant, code, key, "章程.pdf", tiny_pdf())


def test_the_whole_journey(rt, world, ready):
    code = ready
    detail = _accept(rt, world, code)
    assert detail.state == "accepted"
    assert detail.item_version == 1 and detail.promised_due is not None
    by_key = {m.key: m for m in detail.materials}
    assert by_key["shareholder_licence"].status == "fetched"
    assert by_key["shareholder_licence"].source.startswith("exchange:")
    assert by_key["application"].status == "uploaded"  # the form itself
    assert by_key["premises_title"].status == "missing"  # optional, not shared
    assert detail.missing == ["articles"]
    assert _tasks(rt, world, "amr") == []  # nothing to decide while a material is missing

    # The request to view shows in the applicant's own access log, with the case's purpose.
    with rt.context() as ctx:
        accesses = my_accesses(ctx, world.applicant)
    assert [(a.purpose or {}).get("code") for a in accesses] == [world.item]

    detail = _upload(rt, world, code)
    assert detail.state == "in_progress" and detail.missing == []
    assert [s.department for s in detail.current_steps] == [world.codes["amr"]]
    assert _tasks(rt, world, "tax") == []

    _decide(rt, world, "amr", code)
    # The state survives a restart: a new runtime reads the saved process run.
    rt2 = Runtime(rt.settings, engine=rt.engine)
    with rt2.context() as ctx:
        steps = cases.timeline(ctx, world.applicant, code).current_steps
    assert sorted(s.department for s in steps) == sorted(
        world.codes[k] for k in ("tax", "psb", "hrss"))

    for key in ("psb", "hrss", "tax"):  # any order
        detail = _decide(rt2, world, key, code)
    assert detail.state == "completed" and detail.completed_at is not None
    assert detail.current_steps == []
    kinds = [e.kind for e in detail.events]
    assert kinds[:4] == ["submitted", "accepted", "uploaded", "in_progress"]
    assert kinds.count("decided") == 4 and kinds[-1] == "completed"
    assert all(e.at is not None for e in detail.events)


def test_return_for_correction_and_resubmit(rt, world, ready):
    code = ready
    _accept(rt, world, code)
    _upload(rt, world, code)
    detail = _decide(rt, world, "amr", code, "return", "章程缺少股东签字", ["articles"])
    assert detail.state == "accepted"  # with the applicant for correction (补正)
    assert detail.missing == ["articles"] and detail.reason == "章程缺少股东签字"
    assert [e.kind for e in detail.events][-2:] == ["returned", "accepted"]
    assert _tasks(rt, world, "amr") == []
    # The applicant re-uploads; the BPMN routed the return back to the review.
    detail = _upload(rt, world, code)
    assert detail.missing == [] and detail.state == "in_progress"
    assert [t.name for t in _tasks(rt, world, "amr")] == ["设立登记审核"]
    _decide(rt, world, "amr", code)
    assert len(_tasks(rt, world, "tax")) == 1


def test_return_without_materials_keeps_the_case_in_the_back_office(rt, world, ready):
    _accept(rt, world, ready)
    _upload(rt, world, ready)
    detail = _decide(rt, world, "amr", ready, "return", "请补充说明经营范围")
    assert detail.state == "in_progress" and detail.reason == "请补充说明经营范围"
    assert [t.name for t in _tasks(rt, world, "amr")] == ["设立登记审核"]


def test_refusal_ends_the_case(rt, world, ready):
    code = ready
    _accept(rt, world, code)
    _upload(rt, world, code)
    detail = _decide(rt, world, "amr", code, "refuse", "经营范围属于禁止类")
    assert detail.state == "refused" and detail.reason == "经营范围属于禁止类"
    assert _tasks(rt, world, "amr") == [] and _tasks(rt, world, "tax") == []
    with rt.context() as ctx, pytest.raises(Conflict):
        cases.upload_material(ctx, world.applicant, code, "premises_title", "a.pdf", tiny_pdf())


def test_not_accepted_with_a_reason(rt, world, ready):
    with rt.context() as ctx:
        detail = cases.not_accept(ctx, world.clerk, ready, "申请人不具备主体资格")
    assert detail.state == "not_accepted" and detail.reason == "申请人不具备主体资格"
    with rt.context() as ctx, pytest.raises(Conflict):
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)


def test_parallel_decisions_at_the_same_moment_keep_both(rt, world, ready):
    """Two departments decide parallel tasks in overlapping transactions: the second waits
    for the first's lock and builds on its saved run, so neither decision is lost."""
    _accept(rt, world, ready)
    _upload(rt, world, ready)
    _decide(rt, world, "amr", ready)
    [tax] = _tasks(rt, world, "tax")
    [psb] = _tasks(rt, world, "psb")
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with rt.context() as ctx:
                cases.decide(ctx, world.approver("psb"), ready,
                             DecisionIn(task_id=psb.task_id, decision="approve"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with rt.context() as ctx:
        cases.decide(ctx, world.approver("tax"), ready,
                     DecisionIn(task_id=tax.task_id, decision="approve"))
        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.3)  # the second decision is now waiting for the case's lock
    worker.join(timeout=20)
    assert errors == []
    with rt.context() as ctx:
        steps = cases.timeline(ctx, world.applicant, ready).current_steps
    assert [s.department for s in steps] == [world.codes["hrss"]]


def test_the_ledger_names_the_applicant_by_commitment_only(rt, world, ready):
    """Witnesses read every entry: the applicant's own steps say "applicant", never their
    account name (here "app.<credit code>", as a portal account may well be named)."""
    import json

    from sqlalchemy import select

    from govbridge.ledger.models import LedgerEntry

    _accept(rt, world, ready)
    _upload(rt, world, ready)
    with rt.context() as ctx:
        entries = [json.loads(e) for e in ctx.db.scalars(
            select(LedgerEntry.entry).where(LedgerEntry.kind == "case.state"))]
    mine = [e for e in entries if e["case"] == ready]
    by = {e["to"]: e["by"] for e in mine}
    assert by["submitted"] == "applicant" and by["in_progress"] == "applicant"
    assert by["accepted"] == world.clerk.label  # staff stay named
    text = json.dumps(mine, ensure_ascii=False)
    assert APPLICANT_ID not in text and world.applicant.label not in text
