"""The pure quality rules over hand-made inputs, and their invariants (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govbridge.quality import metrics as m
from govbridge.quality.metrics import FieldRule

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIELDS = [FieldRule("id", required=True), FieldRule("name", required=True), FieldRule("phone")]


# --- cells and completeness ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "filled"),
    [
        (None, False),
        ("", False),
        ("   ", False),
        ("\u3000", False),
        ([], False),
        ({}, False),
        ("x", True),
        (0, True),
        (0.0, True),
        (False, True),
        ([1], True),
    ],
)
def test_is_filled(value, filled):
    assert m.is_filled(value) is filled


def test_missing_fields_in_schema_order():
    assert m.missing_fields({"phone": "1", "name": " "}, FIELDS) == ["id", "name"]
    assert m.missing_fields({"id": "a", "name": "b", "phone": "c", "extra": None}, FIELDS) == []


def test_completeness_weighs_required_fields_double():
    # Per record: id 2 + name 2 + phone 1 = 5 expected.
    tally = m.Completeness(FIELDS)
    assert tally.add({"id": "1", "name": "张三", "phone": "138"}) == []
    assert tally.add({"id": "2", "name": "李四"}) == ["phone"]  # 4 of 5
    assert tally.add({"id": "3", "phone": ""}) == ["name", "phone"]  # 2 of 5
    assert tally.score() == pytest.approx(11 / 15)
    assert tally.details() == {
        "records": 3,
        "incomplete_records": 2,
        "filled_weight": 11,
        "expected_weight": 15,
        "missing_by_field": {"phone": 2, "name": 1},
    }


def test_completeness_of_nothing_is_zero():
    assert m.completeness([], FIELDS) == 0.0
    assert m.completeness([{"id": "1", "name": "a", "phone": "b"}], FIELDS) == 1.0
    assert m.completeness([{}], FIELDS) == 0.0


# --- validity, uniqueness --------------------------------------------------------------------


def test_validity_counts_resolved_rejects_as_valid():
    assert m.validity(9, 1) == pytest.approx(0.9)
    assert m.validity(9, 1, resolved=1) == 1.0
    assert m.validity(10, 2, resolved=1) == pytest.approx(11 / 12)
    assert m.validity(0, 0) == 0.0
    assert m.validity(0, 5) == 0.0
    # More "resolved" than rejected cannot push the score above 1.
    assert m.validity(3, 1, resolved=4) == 1.0
    with pytest.raises(ValueError, match="negative"):
        m.validity(-1, 0)


def test_uniqueness_from_duplicate_groups():
    # 10 records; one subject held 3 times, another twice: surplus 2 + 1 = 3.
    surplus = m.duplicate_surplus([3, 2, 1, 0])
    assert surplus == 3
    assert m.uniqueness(10, surplus) == pytest.approx(0.7)
    assert m.uniqueness(10, 0) == 1.0
    assert m.uniqueness(0, 0) == 0.0
    assert m.uniqueness(2, 5) == 0.0
    with pytest.raises(ValueError):
        m.uniqueness(-1, 0)


# --- timeliness ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "age", "score"),
    [
        ("daily", timedelta(hours=0), 1.0),
        ("daily", timedelta(days=1), 1.0),
        ("daily", timedelta(days=2), 0.5),
        ("daily", timedelta(days=2, hours=12), 0.25),
        ("daily", timedelta(days=3), 0.0),
        ("daily", timedelta(days=30), 0.0),
        ("daily", timedelta(days=-2), 1.0),
        ("realtime", timedelta(minutes=59), 1.0),
        ("realtime", timedelta(hours=2), 0.5),
        ("weekly", timedelta(days=14), 0.5),
        ("monthly", timedelta(days=31 + 31), 0.5),
        ("quarterly", timedelta(days=92 + 46), 0.75),
        ("yearly", timedelta(days=366 * 3), 0.0),
        ("yearly", timedelta(days=366), 1.0),
        ("irregular", timedelta(days=5000), 1.0),
    ],
)
def test_timeliness_windows(frequency, age, score):
    assert m.timeliness(frequency, NOW - age, NOW) == pytest.approx(score)


def test_timeliness_without_data_is_zero():
    for frequency in m.FREQUENCY_WINDOWS:
        assert m.timeliness(frequency, None, NOW) == 0.0


def test_unknown_frequency_is_an_error():
    with pytest.raises(ValueError, match="hourly"):
        m.timeliness("hourly", NOW, NOW)


# --- consistency -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "data_type", "expected"),
    [
        ("1990-05-01", "date", "1990-05-01"),
        ("19900501", "date", "1990-05-01"),
        ("1990/5/1", "date", "1990-05-01"),
        ("1990年05月01日", "date", "1990-05-01"),
        (date(1990, 5, 1), "date", "1990-05-01"),
        ("not a date", "date", "NOT A DATE"),
        ("  张  三 ", "string", "张 三"),
        ("张\u3000三", "string", "张 三"),
        ("11010519491231002x", "string", "11010519491231002X"),
        ("100.50", "decimal", "100.5"),
        (100, None, "100"),
        ("1e2", "integer", "100"),
        (True, None, "TRUE"),
        ("", "string", None),
        (None, "date", None),
    ],
)
def test_normalise(value, data_type, expected):
    assert m.normalise(value, data_type) == expected


def test_compare_values_of_two_departments():
    assert m.compare(["1990-05-01"], ["19900501"], "date") is True
    assert m.compare(["1990-05-01"], ["1990-05-02"], "date") is False
    assert m.compare([None], ["1990-05-02"], "date") is None
    assert m.compare(["a"], [""], "string") is None
    # Several records of one subject: the sets of values must be equal.
    assert m.compare(["a", "a"], ["a"]) is True
    assert m.compare(["a", "b"], ["a"]) is False


def test_consistency_score():
    assert m.consistency([True, True, False, None]) == pytest.approx(2 / 3)
    assert m.consistency([None, None]) is None
    assert m.consistency([]) is None
    tally = m.Agreement()
    tally.add(True)
    other = m.Agreement(comparisons=3, agreements=1)
    tally.merge(other)
    assert (tally.comparisons, tally.agreements, tally.score()) == (4, 2, 0.5)


def _f(name, element, grade="general-2"):
    return {"name": name, "element": element, "grade": grade, "data_type": "string"}


def test_matching_fields_by_element_without_subject_fields():
    ours = [_f("id", "DE_ID"), _f("birth", "DE_BIRTH"), _f("name", "DE_NAME"), _f("x", "DE_X")]
    theirs = [_f("pid", "DE_ID"), _f("born", "DE_BIRTH"), _f("name", "DE_NAME"), _f("y", "DE_Y")]
    pairs = m.matching_fields(ours, "id", theirs, "pid")
    assert [(a["name"], b["name"]) for a, b in pairs] == [("birth", "born"), ("name", "name")]


def test_matching_fields_with_an_element_used_twice_pairs_by_name():
    ours = [_f("id", "DE_ID"), _f("start", "DE_DATE"), _f("end", "DE_DATE")]
    theirs = [_f("id", "DE_ID"), _f("end", "DE_DATE"), _f("issued", "DE_DATE")]
    pairs = m.matching_fields(ours, "id", theirs, "id")
    assert [(a["name"], b["name"]) for a, b in pairs] == [("end", "end")]
    # A non-subject field bound to the subject's element is compared like any other.
    ours = [_f("id", "DE_ID"), _f("spouse", "DE_ID")]
    theirs = [_f("pid", "DE_ID"), _f("partner", "DE_ID")]
    pairs = m.matching_fields(ours, "id", theirs, "pid")
    assert [(a["name"], b["name"]) for a, b in pairs] == [("spouse", "partner")]


# --- overall ---------------------------------------------------------------------------------


def test_overall_weights():
    scores = {
        "completeness": 1.0,
        "validity": 0.5,
        "uniqueness": 1.0,
        "timeliness": 0.0,
        "consistency": 0.5,
    }
    # 0.25*1 + 0.3*0.5 + 0.15*1 + 0.1*0 + 0.2*0.5 = 0.65
    assert m.overall(scores) == pytest.approx(0.65)
    scores["consistency"] = None
    # (0.25 + 0.15 + 0.15 + 0) / 0.8
    assert m.overall(scores) == pytest.approx(0.55 / 0.8)
    assert sum(m.WEIGHTS.values()) == pytest.approx(1.0)


def test_overall_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown"):
        m.overall({"beauty": 1.0})
    with pytest.raises(ValueError, match="no dimension"):
        m.overall({"consistency": None})
    with pytest.raises(ValueError, match="outside"):
        m.overall({"validity": 1.5})


# --- listings --------------------------------------------------------------------------------


def test_masks_citizen_ids():
    assert m.mask_id("320505199001011234") == "320505********1234"
    assert m.mask_id("320505900101123") == "320505*****1123"
    assert m.mask_id("12345") == "*****"
    assert m.mask_subject("320505199001011234", "person") == "320505********1234"
    assert m.mask_subject("91350100M000100Y43", "enterprise") == "91350100M000100Y43"
    assert m.mask_subject("32050519900101123X", "enterprise") == "320505********123X"
    assert m.mask_subject(None, "person") is None


def test_shown_value_withholds_by_grade_and_masks_ids():
    assert m.shown_value("1990-05-01", "important") == "(withheld: important)"
    assert m.shown_value("x", "core") == "(withheld: core)"
    assert m.shown_value("1990-05-01", "general-2") == "1990-05-01"
    assert m.shown_value("320505199001011234", "general-1") == "320505********1234"
    assert m.shown_value("", "general-1") is None
    assert m.shown_value(12, None) == "12"


def test_stricter_grade_and_scrub():
    assert m.stricter_grade("general-1", "important", None) == "important"
    assert m.stricter_grade("general-3", "general-4") == "general-4"
    assert m.stricter_grade(None, "") is None
    text = "id 32050519900101123X is wrong; 320505199001011234 too; 12345 stays"
    assert m.scrub(text) == "id 320505********123X is wrong; 320505********1234 too; 12345 stays"


# --- invariants ------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**7)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(counts, counts, counts)
def test_validity_in_unit_interval(accepted, rejected, resolved):
    assert 0.0 <= m.validity(accepted, rejected, resolved) <= 1.0


@given(counts, counts)
def test_uniqueness_in_unit_interval(records, surplus):
    assert 0.0 <= m.uniqueness(records, surplus) <= 1.0


@given(
    st.sampled_from(sorted(m.FREQUENCY_WINDOWS)),
    st.none() | st.integers(min_value=-(10**9), max_value=10**9),
)
def test_timeliness_in_unit_interval(frequency, age_seconds):
    newest = None if age_seconds is None else NOW - timedelta(seconds=age_seconds)
    assert 0.0 <= m.timeliness(frequency, newest, NOW) <= 1.0


# Completeness only sees whether a cell is filled, so a few representative cells (empty
# ones of every kind, filled ones of every type) cover it; drawing free text and whole
# integers made input generation slow enough to trip Hypothesis' too_slow health check.
EMPTY_CELLS = (None, "", "  ", "\u3000", [], {})
FILLED_CELLS = ("x", "张", 0, 7, False, 0.0, [1])
cells = st.sampled_from(EMPTY_CELLS + FILLED_CELLS)


@given(
    st.lists(
        st.fixed_dictionaries({}, optional={"id": cells, "name": cells, "phone": cells}),
        max_size=20,
    )
)
def test_completeness_in_unit_interval(records):
    score = m.completeness(records, FIELDS)
    assert 0.0 <= score <= 1.0
    # and it is the filled weight over the expected weight, required fields counting double
    weights = {f.name: f.weight for f in FIELDS}
    filled = sum(w for r in records for name, w in weights.items()
                 if name in r and r[name] not in EMPTY_CELLS)
    expected = sum(weights.values()) * len(records)
    assert score == (pytest.approx(filled / expected) if records else 0.0)


@given(st.lists(st.none() | st.booleans(), max_size=50))
def test_consistency_in_unit_interval(outcomes):
    score = m.consistency(outcomes)
    assert score is None or 0.0 <= score <= 1.0


@given(
    st.fixed_dictionaries(
        {d: unit for d in ("completeness", "validity", "uniqueness", "timeliness")},
        optional={"consistency": st.none() | unit},
    )
)
def test_overall_between_the_dimensions(scores):
    present = [s for s in scores.values() if s is not None]
    result = m.overall(scores)
    assert 0.0 <= result <= 1.0
    assert min(present) <= result <= max(present)
