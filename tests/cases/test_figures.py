"""Pure figures of a service item's cases (cases.figures): counts, handling time in working
days and hours, on-time rate, the share fetched by sharing, the overdue list, chart bars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from govbridge.agreements.workdays import Calendar
from govbridge.cases import figures
from govbridge.cases.figures import CaseFacts
from govbridge.cases.rules import STATES

MON = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 09:00 in China Standard Time


def _done(code: str, days: float, due: date, **kw) -> CaseFacts:
    return CaseFacts(code=code, state="completed", accepted_at=MON,
                     completed_at=MON + timedelta(days=days), promised_due=due, **kw)


def test_no_cases_gives_zeros_and_nones():
    f = figures.compute([], MON)
    assert f.total == 0 and f.completed == 0
    assert f.by_state == dict.fromkeys(STATES, 0)
    assert (f.avg_working_days, f.avg_hours, f.on_time_rate, f.shared_rate) == (
        None, None, None, None)
    assert f.overdue == []


def test_counts_every_state_in_the_machines_order():
    cases = [CaseFacts(code=str(i), state=s) for i, s in
             enumerate(["submitted", "completed", "completed", "refused"])]
    counts = figures.count_states(c.state for c in cases)
    assert list(counts) == list(STATES)
    assert counts["completed"] == 2 and counts["submitted"] == 1 and counts["accepted"] == 0


def test_handling_time_skips_weekends_and_holidays():
    # Monday → Wednesday: 2 working days, 48 hours.
    assert figures.handling_working_days(MON, MON + timedelta(days=2)) == 2
    assert figures.handling_hours(MON, MON + timedelta(days=2)) == pytest.approx(48)
    # Friday → next Monday: 1 working day (Saturday and Sunday do not count).
    fri = MON + timedelta(days=4)
    assert figures.handling_working_days(fri, fri + timedelta(days=3)) == 1
    # A holiday on Tuesday: Monday → Wednesday is 1 working day.
    cal = Calendar.of(holidays=[date(2026, 12, 8)])
    assert figures.handling_working_days(MON, MON + timedelta(days=2), cal) == 1
    # The same day: 0 working days.
    assert figures.handling_working_days(MON, MON + timedelta(hours=3)) == 0


def test_days_are_counted_in_china_standard_time():
    # 23:00 UTC on Monday is already Tuesday 07:00 in Beijing: one working day later.
    late = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    assert figures.handling_working_days(MON, late) == 1


def test_average_and_on_time_rate():
    due = date(2026, 12, 9)  # Wednesday
    cases = [_done("a", 1, due), _done("b", 2, due), _done("c", 3, due),  # c ends Thursday
             CaseFacts(code="d", state="in_progress", accepted_at=MON, promised_due=due)]
    f = figures.compute(cases, MON + timedelta(days=1))
    assert f.completed == 3
    assert f.avg_working_days == pytest.approx(2.0)
    assert f.avg_hours == pytest.approx(48.0)
    assert f.on_time_rate == pytest.approx(2 / 3)


def test_on_time_means_before_the_end_of_the_due_day():
    due = date(2026, 12, 9)
    assert figures.on_time(datetime(2026, 12, 9, 23, 59, tzinfo=UTC), due)
    assert not figures.on_time(datetime(2026, 12, 10, 0, 0, tzinfo=UTC), due)


def test_shared_rate_counts_only_materials_the_exchange_delivered():
    accepted = CaseFacts(code="a", state="in_progress", accepted_at=MON, materials=(
        ("fetched", "exchange:q1"), ("uploaded", "upload:abc"), ("uploaded", "form"),
        ("fetched", None)))
    waiting = CaseFacts(code="b", state="submitted", materials=(("missing", None),) * 5)
    assert figures.shared_rate([accepted, waiting]) == pytest.approx(1 / 4)
    assert figures.shared_rate([waiting]) is None


def test_overdue_only_for_open_cases_past_the_due_day():
    due = date(2026, 12, 8)
    after = datetime(2026, 12, 9, 0, 0, tzinfo=UTC)
    open_case = CaseFacts(code="late", state="in_progress", accepted_at=MON, promised_due=due)
    waiting = CaseFacts(code="wait", state="accepted", accepted_at=MON, promised_due=due)
    done = _done("done", 5, due)
    fresh = CaseFacts(code="new", state="submitted")
    f = figures.compute([open_case, waiting, done, fresh], after)
    assert f.overdue == ["late", "wait"]
    assert figures.compute([open_case], after - timedelta(minutes=1)).overdue == []


def test_bars_scale_to_the_longest():
    bars = figures.bars([("a", 2), ("b", 4), ("c", 0)], width=100, bar_height=10, gap=5,
                        left=20)
    assert [b.width for b in bars] == [50, 100, 0]
    assert [b.y for b in bars] == [0, 15, 30]
    assert all(b.x == 20 for b in bars)
    assert figures.chart_height(3, bar_height=10, gap=5) == 40
    assert [b.width for b in figures.bars([("a", 0), ("b", 0)])] == [0, 0]
    assert figures.bars([]) == []
