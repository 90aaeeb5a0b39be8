"""Evaluating one rule over readings by event time, with bounded state (no I/O).

`Evaluator(rule, state).feed(reading)` returns the firings the reading causes; `state()`
is a JSON object to keep between micro-batches (the consumer stores it with the rule).

Time is the reading's event time (`observed_at`), never its arrival:
- each station's readings of a condition are kept sorted by event time, so a reading
  that arrives late or out of order is inserted where it belongs and every window it
  falls in is evaluated again (the windows ending at it and at the later readings up to
  one window after it);
- the watermark is the newest event time seen less `ALLOWED_LATENESS` (2 hours); a
  reading older than the watermark less the rule's longest window can no longer change
  any window that is kept: it is counted in `late_dropped` and ignored;
- a rule that fired for a key (a station; a district for a join) stays quiet while an
  event time lies within its hold-down time of that firing, either side: in any arrival
  order the same keys fire once per hold-down. An alert sent is not taken back, so when
  readings arrive out of order the firing carries the event time of the first window
  found true, which may be a later window than in-order arrival would have found.

State is bounded: per station and condition only readings newer than the watermark less
the window (and at most `MAX_POINTS` of them), per district only the join's recent true
times, per key one last firing time. Stations are the known ones (the consumer refuses
unknown ones), so the state's size is stations × conditions × readings per window.
Figures: a 3-hour window of 5-minute readings holds 36 points; 20 stations × 2
conditions hold under 1,500 points (≈ 40 kB of JSON).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from govbridge.emergency.rules import Condition, RuleIn, compare

ALLOWED_LATENESS = 2 * 3600  # seconds
MAX_POINTS = 5000  # readings kept per station and condition


@dataclass(frozen=True)
class Reading:
    """One observation: which dataset and station, where, when (event time), its values."""

    dataset: str
    station: str
    district: str
    at: datetime
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class Firing:
    """A rule's condition(s) held: for a station (or a district, for a join), at an event time."""

    rule: str
    key: str
    district: str
    stations: tuple[str, ...]
    at: datetime
    values: tuple[float, ...]


def _ts(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError("event times must carry their UTC offset")
    return at.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass
class _Series:
    """A station's readings of one condition: parallel sorted lists (time, value, ref)."""

    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    refs: list[float | None] = field(default_factory=list)

    def insert(self, t: float, v: float, ref: float | None) -> bool:
        i = bisect.bisect_left(self.times, t)
        if i < len(self.times) and self.times[i] == t:  # the same instant again: keep the last
            if self.values[i] == v and self.refs[i] == ref:
                return False
            self.values[i], self.refs[i] = v, ref
            return True
        self.times.insert(i, t)
        self.values.insert(i, v)
        self.refs.insert(i, ref)
        if len(self.times) > MAX_POINTS:
            del self.times[0], self.values[0], self.refs[0]
        return True

    def prune(self, before: float) -> None:
        i = bisect.bisect_left(self.times, before)
        if i:
            del self.times[:i], self.values[:i], self.refs[:i]


def aggregate(c: Condition, series: _Series, end: int) -> float:
    """The condition's value over the window ending at the reading `end` (inclusive)."""
    if c.agg == "last":
        return series.values[end]
    assert c.window_minutes is not None
    start_t = series.times[end] - c.window_minutes * 60
    start = bisect.bisect_right(series.times, start_t, 0, end + 1)
    window = series.values[start:end + 1]
    if c.agg == "sum":
        return sum(window)
    if c.agg == "max":
        return max(window)
    if c.agg == "min":
        return min(window)
    if c.agg == "avg":
        return sum(window) / len(window)
    return window[-1] - window[0]  # rise


class Evaluator:
    """One rule's evaluation; feed readings in any order, keep `state()` between batches."""

    def __init__(self, code: str, rule: RuleIn, state: Mapping[str, Any] | None = None) -> None:
        self.code, self.rule = code, rule
        self.span = max((c.window_minutes or 0) for c in rule.when) * 60
        self.join = (rule.join_minutes or 0) * 60
        self.hold = rule.hold_down_minutes * 60
        state = state or {}
        self.newest: float | None = state.get("newest")
        self.late_dropped: int = state.get("late_dropped", 0)
        self.series: dict[str, _Series] = {
            k: _Series(list(v[0]), list(v[1]), list(v[2]))
            for k, v in state.get("series", {}).items()}
        self.held: dict[str, list[float]] = {k: list(v) for k, v in state.get("held", {}).items()}
        self.fired: dict[str, float] = dict(state.get("fired", {}))
        self.districts: dict[str, str] = dict(state.get("districts", {}))

    @property
    def watermark(self) -> float | None:
        return None if self.newest is None else self.newest - ALLOWED_LATENESS

    def feed(self, reading: Reading) -> list[Firing]:
        t = _ts(reading.at)
        mark = self.watermark
        if mark is not None and t < mark - max(self.span, self.join):
            self.late_dropped += 1
            return []
        out: list[Firing] = []
        for i, c in enumerate(self.rule.when):
            if c.dataset != reading.dataset:
                continue
            value = reading.values.get(c.field)
            ref = reading.values.get(c.ref_field) if c.ref_field else None
            if value is None or (c.ref_field is not None and ref is None):
                continue
            key = f"{i}|{reading.station}"
            series = self.series.setdefault(key, _Series())
            self.districts[reading.station] = reading.district
            if not series.insert(t, float(value), None if ref is None else float(ref)):
                continue
            for at, agg in self._true_points(c, series, t):
                out.extend(self._held(i, reading, at, agg))
        if self.newest is None or t > self.newest:
            self.newest = t
            self._prune()
        return out

    def _true_points(self, c: Condition, series: _Series, t: float
                     ) -> list[tuple[float, float]]:
        """(time, aggregate) of the windows the new reading falls in where the condition holds."""
        start = bisect.bisect_left(series.times, t)
        stop = start + 1 if c.agg == "last" else bisect.bisect_left(
            series.times, t + (c.window_minutes or 0) * 60)
        out = []
        for end in range(start, max(stop, start + 1)):
            if end >= len(series.times):
                break
            bound = c.bound(series.refs[end])
            if bound is None:
                continue
            agg = aggregate(c, series, end)
            if compare(c.op, agg, bound):
                out.append((series.times[end], agg))
        return out

    def _held(self, i: int, reading: Reading, at: float, agg: float) -> list[Firing]:
        if len(self.rule.when) == 1:
            return self._fire(reading.station, reading.district, (reading.station,), at, (agg,))
        held = self.held.setdefault(f"{i}|{reading.district}", [])
        bisect.insort(held, at)
        other = self.held.get(f"{1 - i}|{reading.district}", [])
        lo = bisect.bisect_left(other, at - self.join)
        hi = bisect.bisect_right(other, at + self.join)
        if lo >= hi:
            return []
        partner = other[lo]  # the earliest time the other condition held within the join
        return self._fire(f"district:{reading.district}", reading.district, (reading.station,),
                          max(at, partner), (agg,))

    def _fire(self, key: str, district: str, stations: tuple[str, ...], at: float,
              values: tuple[float, ...]) -> list[Firing]:
        last = self.fired.get(key)
        if last is not None and abs(at - last) < self.hold:
            return []
        if last is None or at > last:
            self.fired[key] = at
        return [Firing(self.code, key, district, stations, _dt(at), values)]

    def _prune(self) -> None:
        mark = self.watermark
        if mark is None:
            return
        keep_from = mark - max(self.span, self.join)
        for series in self.series.values():
            series.prune(keep_from)
        for key in list(self.held):
            held = self.held[key]
            del held[:bisect.bisect_left(held, keep_from)]
            if not held:
                del self.held[key]
        horizon = mark - self.hold - max(self.span, self.join)
        for key in [k for k, v in self.fired.items() if v < horizon]:
            del self.fired[key]

    def state(self) -> dict[str, Any]:
        return {
            "newest": self.newest,
            "late_dropped": self.late_dropped,
            "series": {k: [s.times, s.values, s.refs] for k, s in self.series.items() if s.times},
            "held": self.held,
            "fired": self.fired,
            "districts": self.districts,
        }

    def points(self) -> int:
        """Readings held in state (for the bound)."""
        return sum(len(s.times) for s in self.series.values()) + sum(
            len(v) for v in self.held.values())
