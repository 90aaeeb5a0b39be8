"""The Gantt chart (pure): one bar per task, critical ones outlined, late ones marked,
dependencies drawn, the today line, every text escaped, parseable SVG."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

import pytest

from govbridge.tasks.gantt import Bar, render

NS = {"s": "http://www.w3.org/2000/svg"}


def test_gantt_draws_what_the_plan_says():
    bars = [
        Bar(1, "#1 摸底<script>", "住建局", date(2026, 3, 2), date(2026, 3, 6), 100, "done",
            True),
        Bar(2, "#2 整治", "生态环境局", date(2026, 3, 9), date(2026, 3, 20), 40, "late", True,
            depth=1),
        Bar(3, "#3 宣传", "教育局", date(2026, 3, 2), date(2026, 3, 4), 10, "at_risk", False),
    ]
    svg = render("WMCS 创文 & 测评", bars, [(1, 2), (1, 3)], frozenset({(1, 2)}),
                 date(2026, 3, 23))
    root = ElementTree.fromstring(svg)
    groups = root.findall(".//s:g", NS)
    assert [g.get("data-task") for g in groups] == ["1", "2", "3"]
    assert [("critical" in g.get("class")) for g in groups] == [True, True, False]
    assert "late" in groups[1].get("class")
    deps = root.findall(".//s:path[@class]", NS)
    assert sorted(p.get("class") for p in deps) == ["dep", "dep critical"]
    assert root.find(".//s:line[@class='today']", NS) is not None
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "! #2 整治" in texts and "#1 摸底<script>" in texts  # escaped in the file
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    # The progress fill is the reported share of the bar.
    outer, fill = groups[1].findall("s:rect", NS)
    assert float(fill.get("width")) == pytest.approx(float(outer.get("width")) * 0.4, abs=0.11)
    # Same input, same bytes.
    assert svg == render("WMCS 创文 & 测评", bars, [(1, 2), (1, 3)], frozenset({(1, 2)}),
                         date(2026, 3, 23))
