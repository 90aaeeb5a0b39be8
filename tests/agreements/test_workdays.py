"""Working days: weekends, holidays and make-up working days (调休)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govbridge.agreements.workdays import (
    WEEKENDS_ONLY,
    Calendar,
    add_working_days,
    working_days_between,
)

# National Day 2026: Oct 1-7 off, Sunday Sep 27 and Saturday Oct 10 worked instead.
NATIONAL_DAY = Calendar.of(
    holidays=[date(2026, 10, d) for d in range(1, 8)],
    makeup_workdays=[date(2026, 9, 27), date(2026, 10, 10)],
)


def test_plain_week():
    monday = date(2026, 11, 30)
    assert add_working_days(monday, 0) == monday
    assert add_working_days(monday, 1) == date(2026, 12, 1)
    assert add_working_days(monday, 4) == date(2026, 12, 4)  # Friday
    assert add_working_days(monday, 5) == date(2026, 12, 7)  # next Monday
    assert add_working_days(monday, 10) == date(2026, 12, 14)


def test_from_a_weekend():
    saturday = date(2026, 12, 5)
    assert add_working_days(saturday, 1) == date(2026, 12, 7)
    friday = date(2026, 12, 4)
    assert add_working_days(friday, 1) == date(2026, 12, 7)


def test_holidays_are_skipped_and_makeup_days_count():
    # Friday Sep 25: Sat 26 off, Sun 27 worked (调休), Mon 28, Tue 29, Wed 30, then the holiday.
    assert add_working_days(date(2026, 9, 25), 1, NATIONAL_DAY) == date(2026, 9, 27)
    assert add_working_days(date(2026, 9, 25), 4, NATIONAL_DAY) == date(2026, 9, 30)
    assert add_working_days(date(2026, 9, 25), 5, NATIONAL_DAY) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 3, NATIONAL_DAY) == date(2026, 10, 10)  # Saturday
    assert add_working_days(date(2026, 9, 30), 10, NATIONAL_DAY) == date(2026, 10, 20)


def test_is_working_day():
    assert NATIONAL_DAY.is_working_day(date(2026, 9, 27))  # Sunday, 调休
    assert not NATIONAL_DAY.is_working_day(date(2026, 10, 1))  # Thursday, holiday
    assert not WEEKENDS_ONLY.is_working_day(date(2026, 9, 27))
    assert WEEKENDS_ONLY.is_working_day(date(2026, 10, 1))


def test_negative_days_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 1, 1), -1)


def test_working_days_between():
    assert working_days_between(date(2026, 11, 30), date(2026, 12, 14)) == 10
    assert working_days_between(date(2026, 12, 14), date(2026, 11, 30)) == 0
    assert working_days_between(date(2026, 9, 25), date(2026, 10, 8), NATIONAL_DAY) == 5


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)),
    days=st.integers(0, 60),
    holidays=st.sets(st.integers(0, 120), max_size=20),
)
def test_add_then_count_round_trips(start, days, holidays):
    cal = Calendar.of(holidays=[start + timedelta(days=h) for h in holidays])
    due = add_working_days(start, days, cal)
    assert working_days_between(start, due, cal) == days
    assert days == 0 or cal.is_working_day(due)
    assert due >= start
