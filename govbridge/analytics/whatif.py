"""What-if replays of recorded cases, pure: no I/O (SimPy runs in memory).

Two changes can be asked:
- `share` — "if certificate X were shared by its provider": every upload of X becomes a
  fetch (an upload removed, a trip saved), and a return for correction that concerned X
  does not happen (its trip and the days the case waited for the correction are saved);
- `answer` — "if department Y answered in N days": each of Y's steps longer than N working
  days (8 hours each) takes N days; the case ends when its last step ends, so the saving
  is what the new critical path gains (a parallel step of another department may still
  hold the case).

Each recorded case is replayed as a SimPy process, twice — as recorded and with the
change — the lead department's step first, then the others in parallel (`AllOf`), a
return's correction wait inside the step that returned it; time is working hours.
Departments are not modelled as queues of limited capacity: a recorded step's duration
already holds the time it waited in its department. The replay as recorded reproduces
each case's recorded step timings; the difference between the two replays is the case's
saving.

Confidence intervals: the per-case savings are resampled with replacement (bootstrap,
`BOOTSTRAP` rounds, seeded) and the 2.5th and 97.5th percentiles of the total taken.

Back-test (`backtest`): the first part of the history predicts the second. Taking the
sharing rate of each certificate observed in the later cases as the change ("shared at
that rate" instead of fully), the earlier cases' uploads per case are replayed and
compared with the uploads per case the later cases really had: the relative error and
whether the truth fell inside the interval are the method's error on this city's data.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import simpy

from govbridge.core.timezone import LOCAL_TZ

HOURS_PER_DAY = 8
BOOTSTRAP = 400


@dataclass(frozen=True)
class Step:
    department: str
    hours: float
    lead: bool
    correction_hours: float = 0.0  # the wait for the applicant's correction in this step
    returned_key: str | None = None  # the material the return concerned


@dataclass(frozen=True)
class ReplayCase:
    item: str
    steps: tuple[Step, ...]
    uploads: tuple[str, ...]  # node keys of the materials uploaded
    fetches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    kind: str  # share | answer
    certificate: str | None = None  # share: node key
    rate: float = 1.0  # share: the share of X's uploads that become fetches
    department: str | None = None  # answer: credit code
    days: float | None = None  # answer: working days


@dataclass(frozen=True)
class Interval:
    total: float
    low: float
    high: float
    per_case: float


@dataclass(frozen=True)
class Result:
    cases: int
    affected: int
    trips_saved: Interval
    uploads_removed: Interval
    days_saved: Interval
    replay_error_hours: float  # |replay as recorded - recorded|, mean per case


@dataclass
class _Saving:
    trips: float = 0.0
    uploads: float = 0.0
    hours: float = 0.0


def _step_hours(step: Step, change: Change | None, rng: random.Random | None) -> float:
    hours = step.hours + step.correction_hours
    if change is None:
        return hours
    shared = change.kind == "share" and step.returned_key == change.certificate
    if shared and (change.rate >= 1 or (rng is not None and rng.random() < change.rate)):
        hours = step.hours
    faster = change.kind == "answer" and step.department == change.department
    if faster and change.days is not None:
        hours = min(hours, change.days * HOURS_PER_DAY)
    return hours


def _duration(env: simpy.Environment, case: ReplayCase, change: Change | None,
              rng: random.Random | None, out: list[float]) -> simpy.events.ProcessGenerator:
    start = env.now
    leads = [s for s in case.steps if s.lead]
    others = [s for s in case.steps if not s.lead]
    for s in leads:
        yield env.timeout(_step_hours(s, change, rng))

    def step(s: Step) -> simpy.events.ProcessGenerator:
        yield env.timeout(_step_hours(s, change, rng))

    if others:
        yield env.all_of([env.process(step(s)) for s in others])
    out.append(env.now - start)


def replay(cases: Sequence[ReplayCase], change: Change | None,
           seed: int = 0) -> list[float]:
    """Each case's handling hours when replayed (with the change, or as recorded)."""
    env = simpy.Environment()
    rng = random.Random(seed)  # noqa: S311 - which returns a partial sharing avoids
    results: list[list[float]] = [[] for _ in cases]
    for case, out in zip(cases, results, strict=True):
        env.process(_duration(env, case, change, rng, out))
    env.run()
    return [r[0] for r in results]


def _bootstrap(values: Sequence[float], seed: int) -> Interval:
    n = len(values)
    total = float(sum(values))
    if n == 0:
        return Interval(0.0, 0.0, 0.0, 0.0)
    rng = random.Random(seed)  # noqa: S311 - resampling, not secrets
    sums = sorted(sum(rng.choices(values, k=n)) for _ in range(BOOTSTRAP))
    low, high = sums[int(0.025 * BOOTSTRAP)], sums[int(0.975 * BOOTSTRAP) - 1]
    return Interval(round(total, 2), round(low, 2), round(high, 2), round(total / n, 4))


def simulate(cases: Sequence[ReplayCase], change: Change, recorded_hours: Sequence[float],
             seed: int = 0) -> Result:
    """The savings of `change` over the recorded cases, with bootstrap intervals."""
    base = replay(cases, None, seed)
    changed = replay(cases, change, seed)
    rng = random.Random(seed + 1)  # noqa: S311 - partial sharing of uploads
    savings: list[_Saving] = []
    for case, b, c in zip(cases, base, changed, strict=True):
        s = _Saving(hours=max(0.0, b - c))
        if change.kind == "share":
            for key in case.uploads:
                if key == change.certificate and (change.rate >= 1 or rng.random() < change.rate):
                    s.uploads += 1
                    s.trips += 1
            s.trips += sum(1 for st in case.steps
                           if st.returned_key == change.certificate and st.correction_hours
                           and b > c)
        savings.append(s)
    error = (sum(abs(b - r) for b, r in zip(base, recorded_hours, strict=True)) / len(base)
             if base else 0.0)
    return Result(
        cases=len(cases),
        affected=sum(1 for s in savings if s.trips or s.uploads or s.hours),
        trips_saved=_bootstrap([s.trips for s in savings], seed),
        uploads_removed=_bootstrap([s.uploads for s in savings], seed + 2),
        days_saved=_bootstrap([s.hours / HOURS_PER_DAY for s in savings], seed + 3),
        replay_error_hours=round(error, 4))


@dataclass(frozen=True)
class Backtest:
    train_cases: int
    test_cases: int
    predicted_uploads_per_case: float
    low: float
    high: float
    actual_uploads_per_case: float
    relative_error: float
    inside_interval: bool
    rates: dict[str, float] = field(default_factory=dict)


def backtest(train: Sequence[ReplayCase], test: Sequence[ReplayCase], seed: int = 0
             ) -> Backtest:
    """Predict the later cases' uploads per case from the earlier ones, taking each
    certificate's later sharing rate as the change (see the module docstring)."""
    def rates(cases: Sequence[ReplayCase]) -> dict[str, float]:
        up: dict[str, int] = {}
        got: dict[str, int] = {}
        for c in cases:
            for k in c.uploads:
                up[k] = up.get(k, 0) + 1
            for k in c.fetches:
                got[k] = got.get(k, 0) + 1
        return {k: got.get(k, 0) / (got.get(k, 0) + up.get(k, 0)) for k in {*up, *got}}

    before, after = rates(train), rates(test)
    rng = random.Random(seed)  # noqa: S311 - partial sharing of uploads
    per_case: list[float] = []
    for c in train:
        left = 0.0
        for k in c.uploads:
            # The share of uploads of k that turned into fetches between the two periods.
            b, a = before.get(k, 0.0), after.get(k, 0.0)
            turned = (a - b) / (1 - b) if b < 1 and a > b else 0.0
            left += 0 if rng.random() < turned else 1
        per_case.append(left)
    interval = _bootstrap(per_case, seed)
    n = len(per_case) or 1
    predicted = interval.total / n
    actual = sum(len(c.uploads) for c in test) / (len(test) or 1)
    low, high = interval.low / n, interval.high / n
    return Backtest(len(train), len(test), round(predicted, 4), round(low, 4), round(high, 4),
                    round(actual, 4), round(abs(predicted - actual) / actual, 4) if actual else 0.0,
                    low <= actual <= high, {k: round(v, 4) for k, v in after.items()})


def working_hours_between(start: datetime, end: datetime) -> float:
    """Office hours (09:00-17:00 CST, Monday to Friday) between two instants."""
    if end <= start:
        return 0.0
    s, e = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    total = 0.0
    day = s.date()
    while day <= e.date():
        if day.weekday() < 5:
            open_ = datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ)
            close = open_ + timedelta(hours=8)
            lo, hi = max(open_, s), min(close, e)
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


def describe(change: Change, names: Mapping[str, str]) -> str:
    if change.kind == "share":
        return f"share {names.get(change.certificate or '', change.certificate)}"
    return f"{names.get(change.department or '', change.department)} answers in {change.days} days"
