"""Rules that flag unusual access for auditors — pure, no I/O.

- volume: a consumer reads far more rows today than on its usual day (its own
  median over the previous days it was active), and more than a floor, so a quiet
  consumer's first busy day is not a scandal;
- off_hours_bulk: one call about many subjects (or returning many rows) outside
  working hours in China Standard Time (weekdays 08:00–20:00).

(A service-item call about someone without a case of that item is no longer flagged after
the fact: it is refused before anything is read, `exchange.case_binding`. The gateway's
`subject_misses` flag is raised by the gateway itself, which counts the misses.)
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from govbridge.core.timezone import LOCAL_TZ

WORK_START = time(8, 0)
WORK_END = time(20, 0)


@dataclass(frozen=True)
class Thresholds:
    volume_factor: float = 5.0
    volume_floor: int = 200
    bulk_subjects: int = 20


@dataclass(frozen=True)
class Flag:
    rule: str
    detail: str


def working_hours(at: datetime) -> bool:
    local = at.astimezone(LOCAL_TZ)
    return local.weekday() < 5 and WORK_START <= local.time() < WORK_END


def volume_flag(today_rows: int, previous_days: Sequence[int],
                limits: Thresholds = Thresholds()) -> Flag | None:
    """Flag when today's rows exceed factor × the usual day and the floor."""
    active = [d for d in previous_days if d > 0]
    usual = statistics.median(active) if active else 0
    bar = max(limits.volume_factor * usual, limits.volume_floor)
    if today_rows > bar:
        basis = f"usual day {usual:g} rows" if active else "no earlier activity"
        return Flag("volume", f"{today_rows} rows today against {basis} (bar {bar:g})")
    return None


def off_hours_flag(at: datetime, subjects: int, rows: int,
                   limits: Thresholds = Thresholds()) -> Flag | None:
    """Flag a bulk call made outside working hours."""
    size = max(subjects, rows)
    if size >= limits.bulk_subjects and not working_hours(at):
        local = at.astimezone(LOCAL_TZ)
        return Flag("off_hours_bulk", f"{size} subjects/rows at {local:%a %H:%M} CST, "
                    "outside working hours")
    return None
