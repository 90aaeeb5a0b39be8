"""Working-day dates, cycles and the critical path (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from govbridge.agreements.workdays import Calendar
from govbridge.tasks import plan
from govbridge.tasks.plan import PlanTask

CAL = Calendar.of(holidays=[date(2026, 10, d) for d in range(1, 8)],
                  makeup_workdays=[date(2026, 9, 27), date(2026, 10, 10)])


def test_dates_on_the_bureau_calendar():
    # Mon 28 Sep 2026: 3 working days: 28, 29, 30 -> due Wed 30.
    assert plan.due_of(date(2026, 9, 28), 3, CAL) == date(2026, 9, 30)
    # Four days cross the National Day holiday: 28, 29, 30, then Thu 8 Oct.
    assert plan.due_of(date(2026, 9, 28), 4, CAL) == date(2026, 10, 8)
    # A start on a day off moves to the next working day (Sat 10 Oct is a make-up day).
    assert plan.first_working_day(date(2026, 10, 3), CAL) == date(2026, 10, 8)
    assert plan.due_of(date(2026, 10, 10), 1, CAL) == date(2026, 10, 10)
    # After a task due Wed 30 Sep with a lag of 1: skip Thu 8, start Fri 9.
    assert plan.earliest_start_after(date(2026, 9, 30), 1, CAL) == date(2026, 10, 9)
    with pytest.raises(ValueError, match="at least one"):
        plan.due_of(date(2026, 9, 28), 0, CAL)


def test_a_cycle_is_found_and_named_in_order():
    assert plan.find_cycle([(1, 2), (2, 3), (1, 3)]) is None
    cycle = plan.find_cycle([(1, 2), (2, 3), (3, 4), (4, 2)])
    assert cycle == [2, 3, 4, 2]
    assert plan.find_cycle([(5, 5)]) == [5, 5]
    long_chain = [(i, i + 1) for i in range(20000)]
    assert plan.find_cycle(long_chain) is None
    assert plan.find_cycle([*long_chain, (20000, 0)]) is not None


def test_critical_path_with_lags_and_float():
    # 1 (3d) -> 2 (5d) -> 4 (2d); 1 -> 3 (2d) -> 4 ; lag 2 on 1->2.
    tasks = [PlanTask(1, 0, 3), PlanTask(2, 0, 5), PlanTask(3, 0, 2), PlanTask(4, 0, 2)]
    edges = [(1, 2, 2), (2, 4, 0), (1, 3, 0), (3, 4, 0)]
    cpm = plan.critical_path(tasks, edges)
    # 1: 0-2; 2: 5-9; 3: 3-4; 4: 10-11.
    assert cpm.early_start == {1: 0, 2: 5, 3: 3, 4: 10}
    assert cpm.finish == 11
    assert cpm.tasks == {1, 2, 4}
    assert cpm.total_float[3] == 5
    assert cpm.edges == {(1, 2), (2, 4)}


def test_a_later_planned_start_is_respected():
    cpm = plan.critical_path([PlanTask(1, 0, 2), PlanTask(2, 10, 2)], [(1, 2, 0)])
    assert cpm.early_start[2] == 10 and cpm.finish == 11
    assert cpm.tasks == {2} and cpm.total_float[1] == 8


def test_critical_path_refuses_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        plan.critical_path([PlanTask(1, 0, 1), PlanTask(2, 0, 1)], [(1, 2, 0), (2, 1, 0)])


def test_workday_ordinals_round_trip():
    o = plan.WorkdayOrdinals(date(2026, 9, 28), date(2026, 10, 12), CAL)
    assert o.of(date(2026, 9, 28)) == 0
    assert o.of(date(2026, 10, 8)) == 3
    assert o.day(3) == date(2026, 10, 8)
    assert o.of(date(2026, 10, 3)) == 3  # a day off counts as the next working day
