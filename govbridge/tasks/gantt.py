"""A campaign's Gantt chart as SVG, drawn on the server (air-gapped: no script, no font
or library fetched; the page embeds it and offers it as a download). Pure: no I/O.

One row per task in the given order: a bar from its start to the end of its due day,
its reported progress filled darker, coloured by its status (done, on track, at risk,
late, waiting for acceptance, cancelled); tasks on the critical path outlined thick,
late ones marked "!" by their label (labels cut to fit, the words all department names
share left out); finish-to-start dependencies drawn as elbow
arrows (critical ones in the critical colour); a dashed line for today; a month scale.
Written by hand: a few rectangles and paths are simpler than a plotting library and
keep the output byte-for-byte stable for a given campaign (tests compare it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

LABEL_W = 310
LABEL_CHARS = 15  # a CJK character is ~12 px at 12 px: the label and the department fit
DEPT_CHARS = 7
ROW_H = 24
BAR_H = 14
TOP = 56
RIGHT = 24
CHART_W = 1000  # width of the time axis, px
COLOURS = {
    "done": "#2e7d32", "on_track": "#1565c0", "at_risk": "#ef8f00", "late": "#c62828",
    "waiting": "#6a1b9a", "cancelled": "#9e9e9e",
}
CRITICAL = "#b71c1c"
WORDS = {"today": "today", "critical": "critical path", "late": "late",
         "at_risk": "at risk", "on_track": "on track", "done": "done",
         "waiting": "awaiting acceptance", "cancelled": "cancelled"}


@dataclass(frozen=True, slots=True)
class Bar:
    id: int
    label: str
    department: str
    start: date
    due: date
    progress: int
    status: str  # a key of COLOURS
    critical: bool
    depth: int = 0  # indent of subtasks


def _x(day: date, first: date, scale: float) -> float:
    return LABEL_W + (day - first).days * scale


def render(title: str, bars: Sequence[Bar], edges: Sequence[tuple[int, int]],
           critical_edges: frozenset[tuple[int, int]], today: date,
           words: Mapping[str, str] = WORDS) -> str:
    """The chart as an SVG document (UTF-8 text)."""
    first = min([b.start for b in bars] + [today]) - timedelta(days=1)
    last = max([b.due for b in bars] + [today]) + timedelta(days=2)
    span = max((last - first).days, 1)
    scale = CHART_W / span
    width = LABEL_W + CHART_W + RIGHT
    height = TOP + ROW_H * len(bars) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" '
           f'role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           '<defs><marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" '
           'markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#555"/></marker>'
           f'<marker id="arrow-critical" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" '
           f'markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="{CRITICAL}"/>'
           "</marker></defs>",
           f'<rect width="{width}" height="{height}" fill="#fff"/>',
           f'<text x="8" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    out.extend(_months(first, last, scale, height))
    row_of = {b.id: i for i, b in enumerate(bars)}
    # The words every department name starts with (a city's "苏州市") are left out.
    shared = _shared_start([b.department for b in bars]) if len(bars) > 1 else ""
    for i, b in enumerate(bars):
        y = TOP + i * ROW_H
        if i % 2:
            out.append(f'<rect x="0" y="{y}" width="{width}" height="{ROW_H}" fill="#f6f7f9"/>')
        late = b.status == "late"
        mark = "! " if late else ""
        colour = COLOURS.get(b.status, COLOURS["on_track"])
        label = b.label if len(b.label) <= LABEL_CHARS else b.label[:LABEL_CHARS - 1] + "…"
        dept = b.department.removeprefix(shared) or b.department
        dept = dept if len(dept) <= DEPT_CHARS else dept[:DEPT_CHARS - 1] + "…"
        out.append(f'<text x="{8 + 12 * b.depth}" y="{y + 16}"'
                   f'{" fill=" + chr(34) + CRITICAL + chr(34) if late else ""}>'
                   f"{escape(mark + label)}</text>")
        out.append(f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end" fill="#666" '
                   f'font-size="11">{escape(dept)}</text>')
        x0 = _x(b.start, first, scale)
        x1 = _x(b.due + timedelta(days=1), first, scale)
        w = max(x1 - x0, 2.0)
        stroke = (f' stroke="{CRITICAL}" stroke-width="2.5"' if b.critical else "")
        out.append(f'<g class="bar {b.status}{" critical" if b.critical else ""}" '
                   f'data-task="{b.id}"><title>{escape(b.label)} · {b.start} – {b.due} · '
                   f'{b.progress}% · {escape(words.get(b.status, b.status))}</title>'
                   f'<rect x="{x0:.1f}" y="{y + 5}" width="{w:.1f}" height="{BAR_H}" rx="2" '
                   f'fill="{colour}" fill-opacity="0.35"{stroke}/>'
                   f'<rect x="{x0:.1f}" y="{y + 5}" width="{w * b.progress / 100:.1f}" '
                   f'height="{BAR_H}" rx="2" fill="{colour}"/></g>')
    for pred, succ in edges:
        if pred not in row_of or succ not in row_of:
            continue
        a, b = bars[row_of[pred]], bars[row_of[succ]]
        crit = (pred, succ) in critical_edges
        xa = _x(a.due + timedelta(days=1), first, scale)
        ya = TOP + row_of[pred] * ROW_H + 12
        xb = _x(b.start, first, scale)
        yb = TOP + row_of[succ] * ROW_H + 12
        mid = xa + 4
        colour = CRITICAL if crit else "#555"
        marker = "arrow-critical" if crit else "arrow"
        out.append(f'<path class="dep{" critical" if crit else ""}" d="M{xa:.1f},{ya} '
                   f'H{mid:.1f} V{yb} H{xb:.1f}" fill="none" stroke="{colour}" '
                   f'stroke-width="{1.6 if crit else 1}" marker-end="url(#{marker})"/>')
    tx = _x(today, first, scale)
    out.append(f'<line class="today" x1="{tx:.1f}" y1="{TOP - 8}" x2="{tx:.1f}" '
               f'y2="{height - 30}" stroke="#d32f2f" stroke-dasharray="4 3"/>'
               f'<text x="{tx + 3:.1f}" y="{TOP - 10}" fill="#d32f2f" font-size="11">'
               f'{escape(words["today"])} {today}</text>')
    out.extend(_legend(height - 14, words))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _shared_start(names: Sequence[str]) -> str:
    """The characters every name starts with ("" when they share none)."""
    first = min(names, default="")
    for i, ch in enumerate(first):
        if any(n[i] != ch for n in names):
            return first[:i]
    return first


def _months(first: date, last: date, scale: float, height: int) -> list[str]:
    out = []
    day = date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            x = _x(day, first, scale)
            out.append(f'<line x1="{x:.1f}" y1="{TOP - 20}" x2="{x:.1f}" y2="{height - 30}" '
                       f'stroke="#ddd"/><text x="{x + 3:.1f}" y="{TOP - 24}" fill="#444" '
                       f'font-size="11">{day:%Y-%m}</text>')
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def _legend(y: int, words: Mapping[str, str]) -> list[str]:
    out, x = [], 8
    for key in ("on_track", "at_risk", "late", "waiting", "done"):
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="10" fill="{COLOURS[key]}"/>'
                   f'<text x="{x + 16}" y="{y}" font-size="11">{escape(words[key])}</text>')
        x += 26 + 12 * len(words[key]) if not words[key].isascii() else 26 + 7 * len(words[key])
    out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="10" fill="none" '
               f'stroke="{CRITICAL}" stroke-width="2.5"/><text x="{x + 16}" y="{y}" '
               f'font-size="11">{escape(words["critical"])}</text>')
    return out
