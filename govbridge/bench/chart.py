"""A small hand-made SVG bar chart (ours vs baseline) written beside benchmark results."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_COLOURS = ("#1f6feb", "#8b949e", "#2da44e", "#bf8700")


def bar_chart(title: str, bars: Sequence[tuple[str, float]], unit: str,
              note: str | None = None) -> str:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    width, left, right, bar_h, gap, top = 760, 230, 150, 28, 14, 48
    height = top + len(bars) * (bar_h + gap) + (36 if note else 16)
    peak = max((v for _, v in bars), default=0.0) or 1.0
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="12" y="26" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * (bar_h + gap)
        w = max(1.0, span * value / peak)
        colour = BAR_COLOURS[i % len(BAR_COLOURS)]
        parts += [
            f'<text x="{left - 8}" y="{y + bar_h * 0.68:.1f}" text-anchor="end">'
            f"{escape(label)}</text>",
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>',
            f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.68:.1f}">'
            f"{value:,.1f} {escape(unit)}</text>",
        ]
    if note:
        parts.append(f'<text x="12" y="{height - 12}" fill="#57606a">{escape(note)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
