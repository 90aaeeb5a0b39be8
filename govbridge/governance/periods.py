"""Assessment periods, pure (no I/O): a month `YYYY-MM` or a year `YYYY`, in China
Standard Time, as the half-open UTC range [start, end) the fact queries filter on.

`2026-03` is 2026-02-28T16:00Z .. 2026-03-31T16:00Z; `2026` is 2025-12-31T16:00Z ..
2026-12-31T16:00Z. The months before a period (the dashboard's trend) come from
`months_until`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from govbridge.core.timezone import LOCAL_TZ

PATTERN = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
FIRST_YEAR, LAST_YEAR = 2000, 2099


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).astimezone(UTC)


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse(text: str) -> Period:
    """The period `text` names; ValueError saying what is wrong otherwise."""
    m = PATTERN.match(text.strip())
    if not m:
        raise ValueError("give a month as YYYY-MM or a year as YYYY")
    year = int(m.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    if m.group(2) is None:
        first, after = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError("the month must lie between 01 and 12")
        first, after = date(year, month, 1), _next_month(year, month)
    last = date.fromordinal(after.toordinal() - 1)
    return Period(text.strip(), _local_midnight(first), _local_midnight(after), first, last)


def current_year(now: datetime) -> str:
    return f"{now.astimezone(LOCAL_TZ).year:04d}"


def month_of(now: datetime) -> str:
    local = now.astimezone(LOCAL_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def months_until(label: str, count: int) -> list[str]:
    """`count` months ending with the month `label` (YYYY-MM), oldest first."""
    year, month = int(label[:4]), int(label[5:7])
    out: list[str] = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))


def local_day(value: datetime) -> date:
    """The day in China Standard Time (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ).date()
