"""The pure evaluator: thresholds, rates, windows, joins, hold-down, event time, bounds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from govbridge.core.errors import FieldProblem
from govbridge.emergency.evaluator import ALLOWED_LATENESS, Evaluator, Reading
from govbridge.emergency.rules import RuleIn, field_problems, kind_of, shape_problems

T0 = datetime(2026, 7, 10, 0, 0, tzinfo=UTC)
ISSUER = "11320500MB1J2839XA"[:18]


def rule(*when: dict, **kw) -> RuleIn:
    base = {"code": "r-test", "name": "测试", "issuer_code": "1" * 18, "when": list(when),
            "event": "暴雨", "headline": "暴雨预警", "instruction": "注意防范",
            "hold_down_minutes": 60}
    base.update(kw)
    return RuleIn.model_validate(base)


def rain(station: str, minutes: int, mm: float, district: str = "320508") -> Reading:
    return Reading("RAIN", station, district, T0 + timedelta(minutes=minutes),
                   {"rainfall_mm": mm})


def river(station: str, minutes: int, level: float, warn: float = 4.0,
          district: str = "320508") -> Reading:
    return Reading("RIVER", station, district, T0 + timedelta(minutes=minutes),
                   {"water_level_m": level, "warning_level_m": warn})


WINDOW = {"dataset": "RAIN", "field": "rainfall_mm", "agg": "sum", "window_minutes": 180,
          "op": ">", "value": 50}
NEAR_WARNING = {"dataset": "RIVER", "field": "water_level_m", "op": ">=",
                "ref_field": "warning_level_m", "offset": 0.5}


def feed_all(ev: Evaluator, readings: list[Reading]) -> list:
    return [f for r in readings for f in ev.feed(r)]


def test_threshold_fires_once_per_hold_down():
    ev = Evaluator("t", rule({"dataset": "RIVER", "field": "water_level_m", "op": ">=",
                              "value": 4.2}))
    fired = feed_all(ev, [river("S1", m, lvl) for m, lvl in
                          [(0, 4.0), (5, 4.3), (10, 4.4), (70, 4.5)]])
    assert [f.at for f in fired] == [T0 + timedelta(minutes=5), T0 + timedelta(minutes=70)]
    assert fired[0].key == "S1" and fired[0].values == (4.3,)


def test_rate_of_change_within_window():
    r = rule({"dataset": "RIVER", "field": "water_level_m", "agg": "rise",
              "window_minutes": 60, "op": ">=", "value": 0.25})
    assert kind_of(r) == "rate"
    slow = feed_all(Evaluator("t", r), [river("S1", m, 3.0 + m * 0.002) for m in range(0, 300, 5)])
    assert slow == []  # 0.12 m an hour
    fast = feed_all(Evaluator("t", r), [river("S1", m, 3.0 + m / 80) for m in range(0, 120, 5)])
    assert fast and fast[0].at == T0 + timedelta(minutes=20)  # 0.25 m over 20 minutes


def test_three_hour_rain_window_sums_by_event_time():
    r = rule(WINDOW, hold_down_minutes=600)
    assert kind_of(r) == "window"
    readings = [rain("G1", m, 5.0) for m in range(0, 240, 15)]  # 5 mm every 15 minutes
    fired = feed_all(Evaluator("t", r), readings)
    # 11 readings (0..150) hold 55 mm within 180 minutes: fires at minute 150
    assert [f.at for f in fired] == [T0 + timedelta(minutes=150)]
    assert fired[0].values == (55.0,)


def test_out_of_order_arrival_fires_the_same_keys_once():
    r = rule(WINDOW, hold_down_minutes=600)
    readings = [rain("G1", m, 6.0) for m in range(0, 180, 10)] + \
               [rain("G2", m, 1.0) for m in range(0, 180, 10)]
    in_order = feed_all(Evaluator("t", r), sorted(readings, key=lambda x: x.at))
    shuffled = readings[:]
    random.Random(7).shuffle(shuffled)
    out_of_order = feed_all(Evaluator("t", r), shuffled)
    # an alert sent is not taken back: in any order G1 fires once within its hold-down,
    # at the event time of the first window found over 50 mm; G2 (18 mm) never does
    assert [f.key for f in in_order] == [f.key for f in out_of_order] == ["G1"]
    assert in_order[0].values[0] > 50 and out_of_order[0].values[0] > 50


def test_a_late_reading_completes_an_earlier_window():
    ev = Evaluator("t", rule(WINDOW))
    assert feed_all(ev, [rain("G1", 0, 30.0), rain("G1", 120, 15.0)]) == []
    late = ev.feed(rain("G1", 60, 10.0))  # arrives last, belongs in the middle
    assert [f.at for f in late] == [T0 + timedelta(minutes=120)]


def test_too_late_readings_are_counted_and_ignored():
    ev = Evaluator("t", rule(WINDOW))
    ev.feed(rain("G1", 24 * 60, 0.0))
    assert ev.feed(rain("G1", 0, 100.0)) == []
    assert ev.late_dropped == 1


def test_join_of_two_streams_in_one_district_and_window():
    r = rule(WINDOW, NEAR_WARNING, join_minutes=120)
    assert kind_of(r) == "join"
    ev = Evaluator("t", r)
    rains = [rain("G1", m, 10.0) for m in range(0, 60, 10)]  # 60 mm by minute 50
    assert feed_all(ev, rains) == []  # rain alone
    other_district = feed_all(ev, [river("R9", 60, 3.8, district="320509")])
    assert other_district == []  # river near warning, but elsewhere
    fired = feed_all(ev, [river("R1", 90, 3.4), river("R1", 100, 3.6)])
    assert len(fired) == 1 and fired[0].key == "district:320508"
    assert fired[0].at == T0 + timedelta(minutes=100)
    # outside the join window: rain at minute 50, river high only at minute 400
    ev2 = Evaluator("t", r)
    assert feed_all(ev2, [*rains, river("R1", 400, 3.7)]) == []


def test_state_roundtrip_keeps_evaluating():
    r = rule(WINDOW)
    readings = [rain("G1", m, 5.0) for m in range(0, 240, 15)]
    ev = Evaluator("t", r)
    first = feed_all(ev, readings[:6])
    ev2 = Evaluator("t", r, ev.state())
    rest = feed_all(ev2, readings[6:])
    assert first + rest == feed_all(Evaluator("t", r), readings)


def test_state_stays_bounded_over_a_long_stream():
    ev = Evaluator("t", rule(WINDOW, hold_down_minutes=0))
    for m in range(0, 14 * 24 * 60, 5):  # two weeks of 5-minute readings, 4 stations
        for s in ("G1", "G2", "G3", "G4"):
            ev.feed(rain(s, m, 0.5))
    # window 180 + lateness 120 minutes of 5-minute readings per station
    per_station = (180 * 60 + ALLOWED_LATENESS) // 300 + 1
    assert ev.points() <= 4 * per_station


@pytest.mark.parametrize("when, extra, field", [
    ({"dataset": "RAIN", "field": "rainfall_mm", "agg": "sum", "op": ">", "value": 50}, {},
     "when[0].window_minutes"),
    ({**WINDOW, "window_minutes": 10 ** 7}, {}, "when[0].window_minutes"),
])
def test_unbounded_rules_are_refused(when, extra, field):
    problems = shape_problems(rule(when, **extra))
    assert [p.field for p in problems] == [field]
    assert problems[0].code == "unbounded"


def test_a_join_without_a_window_never_terminates_and_is_refused():
    problems = shape_problems(rule(WINDOW, NEAR_WARNING))
    assert [(p.field, p.code) for p in problems] == [("join_minutes", "unbounded")]
    assert "never terminates" in problems[0].reason


def test_missing_and_non_numeric_fields_are_refused():
    r = rule({**WINDOW, "field": "rain"}, {**NEAR_WARNING, "ref_field": "station_code"},
             join_minutes=60)
    published = {"RAIN": {"station_code": "string", "observed_at": "datetime",
                          "rainfall_mm": "decimal"},
                 "RIVER": {"station_code": "string", "observed_at": "datetime",
                           "water_level_m": "decimal"}}
    problems = field_problems(r, published)
    assert [(p.field, p.code, p.value) for p in problems] == [
        ("when[0].field", "missing_field", "rain"),
        ("when[1].ref_field", "not_numeric", "station_code"),
    ]
    assert all(isinstance(p, FieldProblem) for p in problems)
    assert field_problems(r, {"RAIN": None, "RIVER": None})[0].code == "not_found"
