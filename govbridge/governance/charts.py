"""Server-side SVG charts of governance, pure (values in, text out): scores month by month
(one line per department) and a horizontal bar per department (the ranking).

Hand-written like `quality.charts` and for the same reasons: a few dozen SVG elements, no
chart library renders them on the server without JavaScript or a CDN, and the app's
Content-Security-Policy allows no inline style or script. Presentation attributes only, a
`<title>` and `<desc>` saying the figures in words, dash patterns besides colours.
Department names and scores only: nothing personal reaches a chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = (None, "6 3", "2 3", "8 3 2 3", "4 4", "1 2", None)
WORDS = {
    "zh": {"trend": "部门考核得分趋势", "ranking": "部门考核排名", "empty": "暂无数据"},
    "en": {"trend": "Scorecard trend", "ranking": "Scorecard ranking", "empty": "No data yet"},
}


def _text(x: float, y: float, s: str, *, size: int = 11, anchor: str = "start") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family={quoteattr(FONT)} '
            f'text-anchor="{anchor}">{escape(s)}</text>')


def trend_svg(title: str, periods: Sequence[str],
              series: Sequence[tuple[str, Sequence[float | None]]], empty: str,
              top: float = 100) -> str:
    """Lines of values from 0 to `top` (scores: 100) over `periods`; None leaves a gap."""
    top = top or 1
    width, height = 720, 320
    left, right, top_y, bottom = 44, 200, 34, 44
    w, h = width - left - right, height - top_y - bottom
    n = len(periods)
    desc = "; ".join(
        f"{name}: " + ", ".join(f"{p} {v:.1f}" for p, v in zip(periods, vals, strict=True)
                                if v is not None)
        for name, vals in series) or empty
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img">',
           f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
           _text(left, 20, title, size=13)]
    for tick in (0, 25, 50, 75, 100):
        y = top_y + h - h * tick / 100
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" '
                   f'stroke="#ddd" stroke-width="1"/>')
        value = tick * top / 100
        label = f"{value:g}" if top <= 10 else f"{round(value)}"
        out.append(_text(left - 6, y + 4, label, size=10, anchor="end"))

    def x_of(i: int) -> float:
        return left + (w * i / (n - 1) if n > 1 else w / 2)

    for i, p in enumerate(periods):
        if n <= 12 or i % 2 == 0:
            out.append(_text(x_of(i), top_y + h + 16, p, size=10, anchor="middle"))
    if not series:
        out.append(_text(left + w / 2, top_y + h / 2, empty, anchor="middle"))
    for k, (name, vals) in enumerate(series):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        run: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(vals):
            if v is None:
                if run:
                    segments.append(run)
                run = []
                continue
            run.append(f"{x_of(i):.1f},{top_y + h - h * min(v, top) / top:.1f}")
        if run:
            segments.append(run)
        for seg in segments:
            out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" '
                       f'stroke-width="2"{dash_attr}/>')
            for pt in seg:
                x, y = pt.split(",")
                out.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
        ly = top_y + 12 + k * 16
        out.append(f'<line x1="{left + w + 12}" y1="{ly - 4}" x2="{left + w + 32}" '
                   f'y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        out.append(_text(left + w + 36, ly, name[:14], size=10))
    out.append("</svg>")
    return "".join(out)


def bars_svg(title: str, bars: Sequence[tuple[str, float]], unit: str = "",
             maximum: float | None = None) -> str:
    """One horizontal bar per (label, value), in the order given."""
    width = 720
    row, top, left = 22, 30, 220
    height = top + row * max(1, len(bars)) + 10
    top_value = maximum or max((v for _, v in bars), default=1) or 1
    w = width - left - 70
    desc = "; ".join(f"{label}: {value:g}{unit}" for label, value in bars)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img">',
           f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
           _text(4, 18, title, size=13)]
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        bw = max(0.0, w * value / top_value)
        out.append(_text(left - 6, y + 14, label[:18], anchor="end"))
        out.append(f'<rect x="{left}" y="{y + 3}" width="{bw:.1f}" height="{row - 8}" '
                   f'fill="{COLOURS[0]}"/>')
        out.append(_text(left + bw + 4, y + 14, f"{value:g}{unit}", size=10))
    out.append("</svg>")
    return "".join(out)
