"""Demand and outcomes of the one-stop services, pure: no I/O. Facts of the cases in,
aggregates out; `analytics.reports` reads the facts and calls these.

- demand per item and month, and the peaks by weekday and by month (China Standard Time);
- steps: per department, how long its decisions took (working hours: `hours` the record
  carries, else the time since the step became ready: the case's acceptance or resumption,
  or the latest decision of another department before it), against the case's promised
  limit (promised working days x 8 hours);
- return-for-correction causes, counted per text;
- journeys: which item an applicant applies for next, counted over applicants;
- outcomes per item and overall: handling working days against promised, the sharing rate
  (materials fetched by sharing / materials obtained), trips per case (the application,
  each upload and each return for correction: every time the applicant had to act), the
  on-time rate; and their monthly trend.

Privacy by construction: nothing leaves here per applicant. A journey transition or a
return cause is shown only when at least `MIN_GROUP` distinct applicants (cases, for
causes) share it; smaller groups are summed into one "other" figure, so no count confirms
a guess about one person, and a cause typed once with a name in it never shows. Likewise
a month of an item with fewer than `MIN_GROUP` cases is left out of the demand series, an
item's or month's outcome rates below `MIN_GROUP` cases are None, and a department's step
timings below `MIN_GROUP` steps are not listed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import pairwise

from govbridge.agreements.workdays import WEEKENDS_ONLY, Calendar, working_days_between
from govbridge.core.timezone import LOCAL_TZ

MIN_GROUP = 5
HOURS_PER_DAY = 8


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


@dataclass(frozen=True)
class CaseRow:
    item: str
    applicant: str  # used for grouping only; never returned
    state: str
    submitted_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    promised_due: date | None
    promised_days: int
    fetched: int = 0  # materials fetched by sharing
    uploaded: int = 0
    returns: int = 0


@dataclass(frozen=True)
class StepRow:
    item: str
    department: str
    hours: float
    promised_days: int


@dataclass
class Outcome:
    """Counts of a group of cases; the rates are None below `MIN_GROUP` cases."""

    cases: int = 0
    completed: int = 0
    on_time: int = 0
    handling_days_sum: int = 0
    promised_days_sum: int = 0
    fetched: int = 0
    obtained: int = 0
    trips: int = 0

    @property
    def shown(self) -> bool:
        return self.cases >= MIN_GROUP

    @property
    def avg_handling_days(self) -> float | None:
        if not self.shown:
            return None
        return round(self.handling_days_sum / self.completed, 2) if self.completed else None

    @property
    def avg_promised_days(self) -> float | None:
        if not self.shown:
            return None
        return round(self.promised_days_sum / self.completed, 2) if self.completed else None

    @property
    def sharing_rate(self) -> float | None:
        if not self.shown:
            return None
        return round(self.fetched / self.obtained, 4) if self.obtained else None

    @property
    def trips_per_case(self) -> float | None:
        if not self.shown:
            return None
        return round(self.trips / self.cases, 2) if self.cases else None

    @property
    def on_time_rate(self) -> float | None:
        if not self.shown:
            return None
        return round(self.on_time / self.completed, 4) if self.completed else None


@dataclass
class Demand:
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)  # item -> month -> n
    totals: dict[str, int] = field(default_factory=dict)  # item -> cases
    weekday: list[int] = field(default_factory=lambda: [0] * 7)  # Monday first
    month_of_year: list[int] = field(default_factory=lambda: [0] * 12)


def month(value: datetime) -> str:
    local = _local(value)
    return f"{local.year:04d}-{local.month:02d}"


def trips(case: CaseRow) -> int:
    """The application, each upload and each return for correction."""
    return 1 + case.uploaded + case.returns


def demand(cases: Iterable[CaseRow]) -> Demand:
    d = Demand()
    by_month: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        local = _local(c.submitted_at)
        by_month[c.item][f"{local.year:04d}-{local.month:02d}"] += 1
        d.weekday[local.weekday()] += 1
        d.month_of_year[local.month - 1] += 1
    # A month with fewer than MIN_GROUP cases of an item is left out (a small cell could
    # confirm a guess about one applicant); the item's total still counts it.
    d.by_month = {item: {m: n for m, n in sorted(months.items()) if n >= MIN_GROUP}
                  for item, months in sorted(by_month.items())}
    d.totals = {item: sum(months.values()) for item, months in by_month.items()}
    return d


def outcomes(cases: Iterable[CaseRow], calendar: Calendar = WEEKENDS_ONLY
             ) -> tuple[dict[str, Outcome], Outcome, dict[str, Outcome]]:
    """Per item, overall, and per month of acceptance (the trend)."""
    per_item: dict[str, Outcome] = defaultdict(Outcome)
    per_month: dict[str, Outcome] = defaultdict(Outcome)
    total = Outcome()
    for c in cases:
        if c.accepted_at is None:
            continue
        buckets = (per_item[c.item], total, per_month[month(c.accepted_at)])
        done = c.state == "completed" and c.completed_at is not None
        days = (working_days_between(_local(c.accepted_at).date(),
                                     _local(c.completed_at).date(), calendar)  # type: ignore[arg-type]
                if done else 0)
        on_time = done and c.promised_due is not None and \
            _local(c.completed_at).date() <= c.promised_due  # type: ignore[arg-type]
        for o in buckets:
            o.cases += 1
            o.fetched += c.fetched
            o.obtained += c.fetched + c.uploaded
            o.trips += trips(c)
            if done:
                o.completed += 1
                o.handling_days_sum += days
                o.promised_days_sum += c.promised_days
                o.on_time += on_time
    return dict(sorted(per_item.items())), total, dict(sorted(per_month.items()))


@dataclass(frozen=True)
class StepStat:
    item: str
    department: str
    steps: int
    avg_hours: float
    promised_hours: int
    share_of_promised: float


def steps(rows: Iterable[StepRow]) -> list[StepStat]:
    """Mean hours per (item, department), slowest share of the promised time first."""
    acc: dict[tuple[str, str], list[float]] = defaultdict(list)
    promised: dict[tuple[str, str], int] = {}
    for r in rows:
        acc[(r.item, r.department)].append(r.hours)
        promised[(r.item, r.department)] = r.promised_days * HOURS_PER_DAY
    out = []
    for (item, dept), hours in acc.items():
        if len(hours) < MIN_GROUP:
            continue  # one case's step timings are not shown
        avg = sum(hours) / len(hours)
        limit = promised[(item, dept)]
        out.append(StepStat(item, dept, len(hours), round(avg, 2), limit,
                            round(avg / limit, 4) if limit else 0.0))
    out.sort(key=lambda s: (-s.share_of_promised, s.item, s.department))
    return out


@dataclass(frozen=True)
class Counted:
    key: str
    count: int


def causes(texts: Iterable[tuple[str, str]]) -> tuple[list[Counted], int]:
    """(item, cause text) pairs counted per text; texts seen fewer than `MIN_GROUP` times
    are summed into the second value, never shown."""
    counts = Counter(text.strip() for _item, text in texts if text and text.strip())
    shown = [Counted(t, n) for t, n in counts.most_common() if n >= MIN_GROUP]
    other = sum(n for n in counts.values() if n < MIN_GROUP)
    return shown, other


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    applicants: int


def journeys(cases: Sequence[CaseRow]) -> tuple[list[Transition], int]:
    """Item -> next item of the same applicant, counted in distinct applicants; transitions
    shared by fewer than `MIN_GROUP` applicants are summed into the second value."""
    by_applicant: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for c in cases:
        by_applicant[c.applicant].append((c.submitted_at, c.item))
    who: dict[tuple[str, str], set[int]] = defaultdict(set)
    for n, seq in enumerate(by_applicant.values()):
        seq.sort()
        for (_, a), (_, b) in pairwise(seq):
            if a != b:
                who[(a, b)].add(n)
    shown = [Transition(a, b, len(s)) for (a, b), s in who.items() if len(s) >= MIN_GROUP]
    shown.sort(key=lambda t: (-t.applicants, t.source, t.target))
    other = sum(len(s) for s in who.values() if len(s) < MIN_GROUP)
    return shown, other
