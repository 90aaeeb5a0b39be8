"""The scheduler's tick: a reminder at 80 % of the promised limit and an escalation when
overdue, each once; the bureau sees overdue cases."""

from __future__ import annotations

from datetime import datetime, timedelta

from case_helpers import APPLICANT_ID, FIXED, tiny_pdf
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from bpmn_helpers import with_timer
from govbridge.cases import rules
from govbridge.cases import usecases as cases
from govbridge.services import usecases as services


def test_reminder_then_escalation_once_each(rt, world, ready):
    with rt.context() as ctx:
        detail = cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, ready, "articles", "a.pdf", tiny_pdf())
    due = detail.promised_due
    assert due == FIXED.date() + timedelta(days=3)  # three working days from a Monday
    remind_at = rules.reminder_point(FIXED, due)

    rt.clock = lambda: remind_at - timedelta(minutes=1)
    with rt.context() as ctx:
        assert cases.tick(ctx).reminded == []
    rt.clock = lambda: remind_at
    with rt.context() as ctx:
        report = cases.tick(ctx)
    assert report.reminded == [ready] and report.escalated == []
    with rt.context() as ctx:
        assert cases.tick(ctx).reminded == []  # once
        assert cases.overdue_cases(ctx, world.bureau) == []

    rt.clock = lambda: rules.due_end(due) + timedelta(hours=1)
    with rt.context() as ctx:
        report = cases.tick(ctx)
    assert report.escalated == [ready] and report.reminded == []
    with rt.context() as ctx:
        assert cases.tick(ctx).escalated == []  # once
        overdue = cases.overdue_cases(ctx, world.bureau)
        kinds = [e.kind for e in cases.timeline(ctx, world.applicant, ready).events]
    assert [c.code for c in overdue] == [ready] and overdue[0].overdue
    assert kinds.count("reminded") == 1 and kinds.count("escalated") == 1


def test_completed_cases_are_never_overdue(rt, world, ready):
    with rt.context() as ctx:
        cases.not_accept(ctx, world.clerk, ready, "材料不齐")
    rt.clock = lambda: FIXED + timedelta(days=30)
    with rt.context() as ctx:
        report = cases.tick(ctx)
        assert report.reminded == [] and report.escalated == []
        assert cases.overdue_cases(ctx, world.bureau) == []


def test_tick_fires_bpmn_timers(rt, world, admin, submit, monkeypatch):
    """A timer on the review (one hour; SpiffWorkflow reads the wall clock, shifted here)
    ends the run on its escalation path."""
    with rt.context() as ctx:
        services.import_bpmn(ctx, admin, world.item, with_timer("PT1H"))
    code = submit()
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, code, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, code, "articles", "a.pdf", tiny_pdf())
        cases.upload_material(ctx, world.applicant, code, "shareholder_licence", "l.pdf",
                              tiny_pdf())
    with rt.context() as ctx:
        assert cases.tick(ctx).timers_fired == 0

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.now(tz) + timedelta(hours=2)

    monkeypatch.setattr(spiff_timer, "datetime", Later)
    with rt.context() as ctx:
        report = cases.tick(ctx)
    assert report.timers_fired == 1 and report.completed == [code]
    with rt.context() as ctx:
        detail = cases.timeline(ctx, world.applicant, code)
    assert detail.state == "completed" and detail.item_version == 2
    assert [e.kind for e in detail.events][-2:] == ["timer", "completed"]


def test_the_servers_scheduler_escalates_overdue_cases(rt, world, ready, caplog):
    from govbridge.cases.schedule import CaseScheduler

    with rt.context() as ctx:
        detail = cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, ready, "articles", "a.pdf", tiny_pdf())
    assert detail.promised_due is not None
    rt.clock = lambda: rules.due_end(detail.promised_due) + timedelta(hours=1)
    scheduler = CaseScheduler(rt, 0).start()  # interval 0: no thread, rounds by hand only
    assert not scheduler._thread.is_alive()
    with caplog.at_level("INFO", logger="govbridge.cases.schedule"):
        scheduler.run_once()
    assert "1 escalated" in caplog.text
    with rt.context() as ctx:
        assert [c.code for c in cases.overdue_cases(ctx, world.bureau)] == [ready]
        kinds = [e.kind for e in cases.timeline(ctx, world.bureau, ready).events]
    assert kinds.count("escalated") == 1
