"""Pure figures of one service item's cases (办件统计): cases by state, average handling time
(acceptance → completion) in working days and hours against the promised limit, on-time
rate, share of materials fetched by sharing, the overdue list; and the geometry of the small
bar charts the figures page draws as inline SVG. No I/O: `govbridge.cases.reports` reads the
cases and calls these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from govbridge.agreements.workdays import WEEKENDS_ONLY, Calendar, working_days_between
from govbridge.cases import rules
from govbridge.core.timezone import LOCAL_TZ

OPEN_STATES = ("accepted", "in_progress")
# A material counts as "fetched by sharing" only when the exchange delivered it.
SHARED_SOURCE = "exchange:"


@dataclass(frozen=True)
class CaseFacts:
    """What the figures need of one case."""

    code: str
    state: str
    accepted_at: datetime | None = None
    completed_at: datetime | None = None
    promised_due: date | None = None
    # (status, source) of each material of the case.
    materials: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class Figures:
    total: int
    by_state: dict[str, int]
    completed: int  # cases completed (办结) with both timestamps: the handling-time basis
    avg_working_days: float | None
    avg_hours: float | None
    on_time_rate: float | None  # of the completed cases, finished by the end of the due day
    shared_rate: float | None  # of the materials of accepted cases, fetched by sharing
    overdue: list[str] = field(default_factory=list)


def _local_day(value: datetime) -> date:
    """The day in China Standard Time (the day the clerk and the applicant see)."""
    return value.astimezone(LOCAL_TZ).date()


def count_states(states: Iterable[str]) -> dict[str, int]:
    """Cases per state, every state of the machine present (0 when none), in its order."""
    counts = dict.fromkeys(rules.STATES, 0)
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


def handling_working_days(accepted_at: datetime, completed_at: datetime,
                          calendar: Calendar = WEEKENDS_ONLY) -> int:
    """Working days after the day of acceptance up to the day of completion (same day: 0),
    counted the way the promised limit is: `add_working_days(accepted, n) == due`."""
    return working_days_between(_local_day(accepted_at), _local_day(completed_at), calendar)


def handling_hours(accepted_at: datetime, completed_at: datetime) -> float:
    return max((completed_at - accepted_at).total_seconds(), 0.0) / 3600


def on_time(completed_at: datetime, due: date) -> bool:
    """Completed before the end of the promised day (as `rules.deadline_status` counts)."""
    return completed_at < rules.due_end(due)


def is_overdue(now: datetime, case: CaseFacts) -> bool:
    return (case.state in OPEN_STATES and case.accepted_at is not None
            and case.promised_due is not None
            and rules.deadline_status(now, case.accepted_at, case.promised_due) == "overdue")


def shared_rate(cases: Iterable[CaseFacts]) -> float | None:
    """Share of the materials of accepted cases that arrived by sharing (None: no material)."""
    total = shared = 0
    for case in cases:
        if case.accepted_at is None:
            continue  # before acceptance nothing has been requested yet
        for status, source in case.materials:
            total += 1
            if status == "fetched" and (source or "").startswith(SHARED_SOURCE):
                shared += 1
    return shared / total if total else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def compute(cases: Sequence[CaseFacts], now: datetime,
            calendar: Calendar = WEEKENDS_ONLY) -> Figures:
    """The figures of one item's cases at `now`."""
    done = [c for c in cases
            if c.state == "completed" and c.accepted_at is not None and c.completed_at is not None]
    days = [float(handling_working_days(c.accepted_at, c.completed_at, calendar))  # type: ignore[arg-type]
            for c in done]
    hours = [handling_hours(c.accepted_at, c.completed_at) for c in done]  # type: ignore[arg-type]
    timed = [c for c in done if c.promised_due is not None]
    on_time_count = sum(on_time(c.completed_at, c.promised_due)  # type: ignore[arg-type]
                        for c in timed)
    return Figures(
        total=len(cases),
        by_state=count_states(c.state for c in cases),
        completed=len(done),
        avg_working_days=_mean(days),
        avg_hours=_mean(hours),
        on_time_rate=on_time_count / len(timed) if timed else None,
        shared_rate=shared_rate(cases),
        overdue=[c.code for c in cases if is_overdue(now, c)],
    )


# ---- chart geometry ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


def bars(values: Sequence[tuple[str, float]], *, width: float = 240, bar_height: float = 14,
         gap: float = 6, left: float = 0) -> list[Bar]:
    """Horizontal bars, the longest `width` wide; a zero or negative value gets no length."""
    top = max((v for _, v in values), default=0)
    out = []
    for i, (label, value) in enumerate(values):
        length = width * value / top if top > 0 and value > 0 else 0.0
        out.append(Bar(label, value, left, i * (bar_height + gap), round(length, 2), bar_height))
    return out


def chart_height(count: int, *, bar_height: float = 14, gap: float = 6) -> float:
    return count * bar_height + max(count - 1, 0) * gap
