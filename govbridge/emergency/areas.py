"""The demo city's district outlines (schematic) and the alert areas drawn over them (no I/O
beyond reading the shipped data file once).

The outlines in `data/districts.json` are SCHEMATIC: a few corners around each district
of 苏州市 at its approximate place, enough to say where an alert applies and to draw a
map-free area view; they are not survey data. The platform runs air-gapped, so the view
is an SVG drawn here from these polygons (no tile server, nothing downloaded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources


@dataclass(frozen=True)
class District:
    code: str
    name: str
    polygon: tuple[tuple[float, float], ...]  # (lat, lon)


@lru_cache(maxsize=1)
def districts() -> dict[str, District]:
    raw = json.loads(resources.files("govbridge.emergency").joinpath("data/districts.json")
                     .read_text(encoding="utf-8"))
    return {code: District(code, d["name"], tuple((p[0], p[1]) for p in d["polygon"]))
            for code, d in raw.items() if not code.startswith("_")}


def district_name(code: str) -> str:
    d = districts().get(code)
    return d.name if d else code


def centre(code: str) -> tuple[float, float]:
    d = districts()[code]
    return (sum(p[0] for p in d.polygon) / len(d.polygon),
            sum(p[1] for p in d.polygon) / len(d.polygon))


WIDTH, HEIGHT, PAD = 640, 560, 20


def _projector() -> tuple[float, float, float, float]:
    pts = [p for d in districts().values() for p in d.polygon]
    return (min(p[0] for p in pts), max(p[0] for p in pts),
            min(p[1] for p in pts), max(p[1] for p in pts))


def _xy(lat: float, lon: float) -> tuple[float, float]:
    lat0, lat1, lon0, lon1 = _projector()
    scale = min((WIDTH - 2 * PAD) / (lon1 - lon0), (HEIGHT - 2 * PAD) / (lat1 - lat0))
    return PAD + (lon - lon0) * scale, PAD + (lat1 - lat) * scale


def _points(polygon: tuple[tuple[float, float], ...] | list[list[float]]) -> str:
    return " ".join("{:.1f},{:.1f}".format(*_xy(p[0], p[1])) for p in polygon)


def area_svg(areas: list[dict], *, title: str) -> str:
    """The districts (grey, named) with the alert areas over them (red polygons, circles).

    `areas`: dicts with `polygon` ([[lat, lon], ...]) and / or `circle` ([lat, lon, km]),
    and `severity` for the shade."""
    shade = {"Extreme": "0.55", "Severe": "0.4", "Moderate": "0.28"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}" class="area-view">',
             f"<title>{escape(title)}</title>"]
    for d in districts().values():
        cx, cy = _xy(*centre(d.code))
        parts.append(f'<polygon points="{_points(d.polygon)}" fill="#f2f2f2" '
                     f'stroke="#888" stroke-width="1"/>')
        parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="12" text-anchor="middle" '
                     f'fill="#444">{escape(d.name)}</text>')
    for a in areas:
        opacity = shade.get(str(a.get("severity")), "0.2")
        if a.get("polygon"):
            parts.append(f'<polygon points="{_points(a["polygon"])}" fill="#d9363e" '
                         f'fill-opacity="{opacity}" stroke="#a8071a" stroke-width="2"/>')
        if a.get("circle"):
            lat, lon, km = a["circle"]
            x, y = _xy(lat, lon)
            x2, _ = _xy(lat, lon + km / 95.0)  # ~95 km per degree of longitude at 31°N
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{max(abs(x2 - x), 3):.1f}" '
                         f'fill="#fa8c16" fill-opacity="{opacity}" stroke="#d46b08"/>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 4}" font-size="10" fill="#888">'
                 "schematic outlines / 示意图</text></svg>")
    return "".join(parts)
