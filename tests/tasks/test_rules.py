"""The pure rules of tasks: transitions, lateness, reminder stages, roll-ups."""

from __future__ import annotations

from datetime import date

import pytest

from govbridge.agreements.workdays import Calendar
from govbridge.tasks import rules
from govbridge.tasks.rules import RollupTask

CAL = Calendar.of(holidays=[date(2026, 5, 1)], makeup_workdays=[date(2026, 5, 9)])


@pytest.mark.parametrize(("state", "action", "after"), [
    (rules.NOT_STARTED, rules.START, rules.IN_PROGRESS),
    (rules.NOT_STARTED, rules.REPORT, rules.IN_PROGRESS),
    (rules.IN_PROGRESS, rules.SUBMIT, rules.SUBMITTED),
    (rules.SUBMITTED, rules.ACCEPT, rules.ACCEPTED),
    (rules.SUBMITTED, rules.RETURN, rules.RETURNED),
    (rules.RETURNED, rules.REPORT, rules.IN_PROGRESS),
    (rules.RETURNED, rules.SUBMIT, rules.SUBMITTED),
    (rules.IN_PROGRESS, rules.BLOCK, rules.BLOCKED),
    (rules.BLOCKED, rules.UNBLOCK, rules.IN_PROGRESS),
    (rules.BLOCKED, rules.CANCEL, rules.CANCELLED),
    (rules.SUBMITTED, rules.CANCEL, rules.CANCELLED),
])
def test_allowed_transitions(state, action, after):
    assert rules.next_state(state, action) == after


@pytest.mark.parametrize(("state", "action"), [
    (rules.NOT_STARTED, rules.ACCEPT), (rules.IN_PROGRESS, rules.ACCEPT),
    (rules.NOT_STARTED, rules.SUBMIT), (rules.ACCEPTED, rules.REPORT),
    (rules.ACCEPTED, rules.CANCEL), (rules.CANCELLED, rules.START),
    (rules.SUBMITTED, rules.REPORT), (rules.BLOCKED, rules.SUBMIT),
    (rules.SUBMITTED, rules.BLOCK),
])
def test_refused_transitions_name_what_is_needed(state, action):
    with pytest.raises(rules.TransitionRefused, match="must be one of"):
        rules.next_state(state, action)


def test_every_state_but_the_final_ones_can_be_cancelled_and_final_ones_do_nothing():
    for state in rules.STATES:
        assert (rules.CANCEL in rules.allowed_actions(state)) == (state not in rules.FINAL)
    assert rules.allowed_actions(rules.ACCEPTED) == frozenset()


def test_late_is_open_work_after_its_due_day():
    due = date(2026, 3, 13)
    assert rules.is_late(rules.IN_PROGRESS, due, date(2026, 3, 14))
    assert not rules.is_late(rules.IN_PROGRESS, due, due)
    assert not rules.is_late(rules.SUBMITTED, due, date(2026, 3, 20))
    assert not rules.is_late(rules.ACCEPTED, due, date(2026, 3, 20))


def test_at_risk_is_projected_from_pace():
    start, due = date(2026, 3, 2), date(2026, 3, 27)  # 20 working days
    # Day 10 (Fri 13th): 50 % is exactly on pace; 40 % needs 15 more -> 25 > 20.
    today = date(2026, 3, 13)
    assert rules.lateness(rules.IN_PROGRESS, start, due, 20, 50, today, CAL) == rules.ON_TRACK
    assert rules.lateness(rules.IN_PROGRESS, start, due, 20, 40, today, CAL) == rules.AT_RISK
    # Nothing reported: at risk only once more than a quarter (5 days) has gone.
    assert rules.lateness(rules.NOT_STARTED, start, due, 20, 0, date(2026, 3, 6),
                          CAL) == rules.ON_TRACK
    assert rules.lateness(rules.NOT_STARTED, start, due, 20, 0, date(2026, 3, 9),
                          CAL) == rules.AT_RISK
    assert rules.lateness(rules.IN_PROGRESS, start, due, 20, 10, date(2026, 3, 30),
                          CAL) == rules.LATE
    assert rules.lateness(rules.SUBMITTED, start, due, 20, 100, date(2026, 3, 30),
                          CAL) == rules.WAITING
    assert rules.lateness(rules.ACCEPTED, start, due, 20, 100, date(2026, 3, 30),
                          CAL) == rules.DONE
    # Before the start nothing is judged.
    assert rules.lateness(rules.NOT_STARTED, start, due, 20, 0, date(2026, 2, 27),
                          CAL) == rules.ON_TRACK


def test_reminder_stages_count_working_days_on_the_calendar():
    due = date(2026, 5, 6)  # Wednesday after the 1 May holiday
    assert rules.reminder_stages(rules.IN_PROGRESS, due, date(2026, 4, 29), CAL) == ()
    # Thu 30 Apr -> 6 May: working days Mon 4, Tue 5, Wed 6 = 3 -> not yet.
    assert rules.reminder_stages(rules.IN_PROGRESS, due, date(2026, 4, 30), CAL) == ()
    # Fri 1 May is a holiday: from it, Mon 4 .. Wed 6 still 3; from Mon 4, 2 -> remind.
    assert rules.reminder_stages(rules.IN_PROGRESS, due, date(2026, 5, 1), CAL) == ()
    assert rules.reminder_stages(rules.IN_PROGRESS, due, date(2026, 5, 4), CAL) == (rules.BEFORE,)
    assert rules.reminder_stages(rules.IN_PROGRESS, due, due, CAL) == (rules.DUE,)
    assert rules.reminder_stages(rules.SUBMITTED, due, date(2026, 5, 7), CAL) == (
        rules.DUE, rules.OVERDUE)
    assert rules.reminder_stages(rules.ACCEPTED, due, date(2026, 5, 7), CAL) == ()
    assert rules.reminder_stages(rules.CANCELLED, due, due, CAL) == ()


def test_rollup_by_tree_is_weighted_and_skips_cancelled():
    tasks = [
        RollupTask(1, None, 10, 2, rules.IN_PROGRESS, 0),
        RollupTask(2, 1, 10, 3, rules.ACCEPTED, 40),  # accepted counts 100
        RollupTask(3, 1, 20, 1, rules.IN_PROGRESS, 20),
        RollupTask(4, 1, 20, 5, rules.CANCELLED, 0),
        RollupTask(5, None, 20, 1, rules.IN_PROGRESS, 50),
    ]
    tree = rules.rollup_tree(tasks)
    assert tree[1] == pytest.approx((100 * 3 + 20 * 1) / 4)
    assert tree[5] == 50
    assert rules.rollup_total(tasks) == pytest.approx((80 * 2 + 50 * 1) / 3)
    by_org = rules.rollup_by_department(tasks)
    assert by_org == {10: pytest.approx(100), 20: pytest.approx((20 + 50) / 2)}


def test_rollup_of_a_deep_chain_does_not_recurse():
    chain = [RollupTask(i, i - 1 if i else None, 1, 1, rules.IN_PROGRESS, 30)
             for i in range(5000)]
    assert rules.rollup_tree(chain)[0] == pytest.approx(30)
