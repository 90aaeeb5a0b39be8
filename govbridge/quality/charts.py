"""The quality history as a small server-side SVG line chart.

Hand-written on purpose: the chart is a few dozen lines of SVG, and no chart
library renders one on the server without JavaScript or a CDN, which the
air-gapped deployment and the app's Content-Security-Policy (no inline styles,
no scripts) rule out. So: presentation attributes (``stroke=``, ``fill=``)
instead of ``style=``, no ``<script>``, and an accessible ``<title>`` and
``<desc>`` that state the latest scores in words.

One polyline per dimension plus one for the overall score, each also drawn
with point markers (a single run still shows) and a dash pattern, so the lines
are told apart without colour. A run without a consistency score leaves that
point out of the consistency line. Pure: values in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from govbridge.quality.metrics import DIMENSIONS

SERIES: tuple[str, ...] = (*DIMENSIONS, "overall")
# Colour-blind-safe palette (Okabe-Ito); overall in black and thicker.
COLOURS = {
    "completeness": "#0072B2",
    "validity": "#D55E00",
    "uniqueness": "#009E73",
    "timeliness": "#CC79A7",
    "consistency": "#E69F00",
    "overall": "#000000",
}
DASHES = {
    "completeness": None,
    "validity": "6 3",
    "uniqueness": "2 3",
    "timeliness": "8 3 2 3",
    "consistency": "4 4",
    "overall": None,
}
LABELS = {
    "zh": {
        "completeness": "完整性",
        "validity": "有效性",
        "uniqueness": "唯一性",
        "timeliness": "及时性",
        "consistency": "一致性",
        "overall": "总体",
        "title": "数据质量历史：{name}",
        "latest": "共 {n} 次检测；最近一次（{at}）：{scores}。",
        "empty": "尚无质量检测记录。",
        "none": "无可比数据",
    },
    "en": {
        "completeness": "Completeness",
        "validity": "Validity",
        "uniqueness": "Uniqueness",
        "timeliness": "Timeliness",
        "consistency": "Consistency",
        "overall": "Overall",
        "title": "Data quality history: {name}",
        "latest": "{n} runs; latest ({at}): {scores}.",
        "empty": "No quality runs yet.",
        "none": "nothing to compare",
    },
}

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 140, 36, 40
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


@dataclass(frozen=True)
class Point:
    """One quality run: when, and its score per series (consistency may be None)."""

    at: datetime
    scores: Mapping[str, float | None]


def _pct(value: float | None, none: str) -> str:
    return none if value is None else f"{value * 100:.0f}%"


def _x(i: int, points: Sequence[Point]) -> float:
    plot = WIDTH - LEFT - RIGHT
    if len(points) == 1:
        return LEFT + plot / 2
    first, last = points[0].at, points[-1].at
    span = (last - first).total_seconds()
    if span <= 0:
        return LEFT + plot * i / (len(points) - 1)
    return LEFT + plot * (points[i].at - first).total_seconds() / span


def _y(value: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return TOP + plot * (1 - min(1.0, max(0.0, value)))


def history_svg(points: Sequence[Point], name: str, lang: str = "zh") -> str:
    """An SVG document charting `points` (oldest first) for the dataset called `name`."""
    words = LABELS.get(lang, LABELS["zh"])
    points = sorted(points, key=lambda p: p.at)
    title = words["title"].format(name=name)
    if points:
        last = points[-1]
        scores = ", ".join(f"{words[s]} {_pct(last.scores.get(s), words['none'])}" for s in SERIES)
        desc = words["latest"].format(n=len(points), at=f"{last.at:%Y-%m-%d %H:%M}", scores=scores)
    else:
        desc = words["empty"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="qc-title qc-desc" '
        f'font-family={quoteattr(FONT)} font-size="11">',
        f'<title id="qc-title">{escape(title)}</title>',
        f'<desc id="qc-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    out += _axes(points, words)
    out += _series(points)
    out += _legend(points, words)
    if not points:
        out.append(
            f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.1f}" y="{HEIGHT / 2:.1f}" '
            f'text-anchor="middle" fill="#555555">{escape(words["empty"])}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _axes(points: Sequence[Point], words: Mapping[str, str]) -> list[str]:
    right = WIDTH - RIGHT
    bottom = HEIGHT - BOTTOM
    parts = ['<g class="axes" stroke="#999999" stroke-width="1">']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(tick)
        dash = "" if tick == 0.0 else ' stroke-dasharray="2 4" stroke="#dddddd"'
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"{dash}/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>')
    parts.append("</g>")
    parts.append('<g class="ticks" fill="#333333">')
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<text x="{LEFT - 6}" y="{_y(tick) + 4:.1f}" text-anchor="end">'
            f"{tick * 100:.0f}%</text>"
        )
    shown: list[int] = []
    if points:
        shown = sorted({0, len(points) - 1} | ({len(points) // 2} if len(points) > 2 else set()))
    for i in shown:
        parts.append(
            f'<text x="{_x(i, points):.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{points[i].at:%Y-%m-%d}</text>"
        )
    parts.append("</g>")
    return parts


def _series(points: Sequence[Point]) -> list[str]:
    parts: list[str] = []
    for s in SERIES:
        coords = [
            (_x(i, points), _y(v))
            for i, p in enumerate(points)
            if (v := p.scores.get(s)) is not None
        ]
        dash = f' stroke-dasharray="{DASHES[s]}"' if DASHES[s] else ""
        width = 3 if s == "overall" else 2
        parts.append(f'<g class="series" data-series="{s}" fill="{COLOURS[s]}">')
        parts.append(
            f'<polyline data-series="{s}" fill="none" stroke="{COLOURS[s]}" '
            f'stroke-width="{width}"{dash} stroke-linejoin="round" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>'
        )
        for x, y in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{width + 0.5}"/>')
        parts.append("</g>")
    return parts


def _legend(points: Sequence[Point], words: Mapping[str, str]) -> list[str]:
    x = WIDTH - RIGHT + 16
    last = points[-1].scores if points else {}
    parts = ['<g class="legend" fill="#333333">']
    for row, s in enumerate(SERIES):
        y = TOP + 8 + row * 20
        dash = f' stroke-dasharray="{DASHES[s]}"' if DASHES[s] else ""
        width = 3 if s == "overall" else 2
        parts.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="{COLOURS[s]}" '
            f'stroke-width="{width}"{dash}/>'
        )
        label = words[s]
        if points:
            label += f" {_pct(last.get(s), words['none'])}"
        parts.append(f'<text x="{x + 28}" y="{y + 4}">{escape(label)}</text>')
    parts.append("</g>")
    return parts
