"""Working-day arithmetic for answer deadlines. Pure: no I/O.

A day is a working day when it is a make-up working day (调休, a weekend day worked in
exchange for a holiday), or when it is Monday to Friday and not a holiday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Calendar:
    """Public holidays and make-up working days (调休) of the jurisdiction."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, holidays: Iterable[date] = (), makeup_workdays: Iterable[date] = ()) -> Calendar:
        return cls(frozenset(holidays), frozenset(makeup_workdays))

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


WEEKENDS_ONLY = Calendar()


def add_working_days(start: date, days: int, calendar: Calendar = WEEKENDS_ONLY) -> date:
    """The date `days` working days after `start` (the start itself never counts).

    Zero days gives `start` back. A request made on a Friday with one working day to
    answer is due on Monday (or later, if Monday is a holiday).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    left = days
    while left:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            left -= 1
    return current


def working_days_between(start: date, end: date, calendar: Calendar = WEEKENDS_ONLY) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            count += 1
    return count
