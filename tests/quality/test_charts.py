"""The SVG history chart: well-formed, one line per series, nothing the CSP forbids."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from govbridge.quality.charts import SERIES, Point, history_svg

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _point(day: int, value: float, consistency: float | None = 0.9) -> Point:
    scores = {s: value for s in SERIES}
    scores["consistency"] = consistency
    return Point(T0 + timedelta(days=day), scores)


def _check(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert "style=" not in svg and "<style" not in svg
    assert "<script" not in svg.lower() and "javascript:" not in svg.lower()
    for el in root.iter():
        assert not any(name.lower().startswith("on") for name in el.attrib), el.attrib
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}desc") is not None
    return root


def _lines(root: ET.Element) -> dict[str, list[tuple[float, float]]]:
    lines: dict[str, list[tuple[float, float]]] = {}
    for poly in root.iter(f"{SVG}polyline"):
        pts = [tuple(map(float, p.split(","))) for p in poly.get("points", "").split()]
        lines[poly.get("data-series")] = pts
    return lines


def test_one_polyline_per_dimension_and_overall():
    svg = history_svg(
        [_point(0, 0.5, 0.5), _point(1, 0.75, 0.75), _point(3, 1.0, 1.0)], "人口基本信息"
    )
    root = _check(svg)
    polylines = list(root.iter(f"{SVG}polyline"))
    assert len(polylines) == 6
    lines = _lines(root)
    assert set(lines) == set(SERIES)
    for pts in lines.values():
        assert len(pts) == 3
        xs = [x for x, _ in pts]
        assert xs == sorted(xs)
        # Higher scores are drawn higher (smaller y).
        ys = [y for _, y in pts]
        assert ys[0] > ys[1] > ys[2]
    assert "人口基本信息" in root.find(f"{SVG}title").text
    desc = root.find(f"{SVG}desc").text
    assert "3" in desc and "100%" in desc and "2026-01-04" in desc


def test_missing_consistency_points_are_left_out():
    svg = history_svg([_point(0, 0.5, None), _point(1, 0.6, 0.8), _point(2, 0.7, None)], "x")
    lines = _lines(_check(svg))
    assert len(lines["consistency"]) == 1
    assert len(lines["overall"]) == 3


def test_empty_history_and_english_labels():
    root = _check(history_svg([], "Population <basic> & co", lang="en"))
    assert root.find(f"{SVG}title").text == "Data quality history: Population <basic> & co"
    assert root.find(f"{SVG}desc").text == "No quality runs yet."
    assert len(list(root.iter(f"{SVG}polyline"))) == 6


def test_single_run_is_drawn_as_markers():
    root = _check(history_svg([_point(0, 0.4)], "x"))
    assert len(list(root.iter(f"{SVG}circle"))) == 6


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=1000),
            st.floats(min_value=0, max_value=1),
            st.none() | st.floats(min_value=0, max_value=1),
        ),
        max_size=20,
    ),
    st.text(max_size=20),
)
def test_any_history_gives_a_valid_chart(runs, name):
    # XML cannot carry most control characters at all; names come from the catalog.
    name = "".join(c for c in name if c.isprintable())
    svg = history_svg([_point(d, v, c) for d, v, c in runs], name)
    root = _check(svg)
    assert len(list(root.iter(f"{SVG}polyline"))) == 6
    for pts in _lines(root).values():
        for x, y in pts:
            assert 0 <= x <= 640 and 0 <= y <= 300
