"""The certificate co-occurrence graph (证照共现图谱), pure: no I/O.

Nodes are the certificates (and datasets) that service items require and some department
holds; two nodes are joined when one item requires both, the edge weighing the number of
that item's cases (summed over items). A node's `demand` is the number of cases whose item
requires it; its `saves` the submissions sharing it would remove: the times applicants
uploaded it instead of it being fetched by sharing. The ranking is by `saves`, then
`demand`: what the bureau should get shared first.

Example: items X (100 cases) and Y (40 cases) both require 营业执照 and 居民身份证, X also
不动产权证书: the edge 营业执照–居民身份证 weighs 140, 营业执照–不动产权证书 100.

The layout is computed here too, deterministic and air-gapped: the nodes on a circle in
ranking order (the most wanted at the top, clockwise), node area by demand, edge width by
weight. A circle needs no iteration and never moves between two renders of the same data,
which a force-directed layout (networkx's spring layout, say) would only promise with a
seed — and networkx is not a dependency of ours for one picture.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from xml.sax.saxutils import escape, quoteattr

HELD_KINDS = ("certificate", "dataset")
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


@dataclass(frozen=True)
class ItemMaterials:
    code: str
    name: str
    department: str  # the lead's credit code
    # (node key, display name, provider's credit code or None, kind)
    materials: tuple[tuple[str, str, str | None, str], ...]


@dataclass
class Node:
    key: str
    name: str
    provider: str | None
    kind: str
    items: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    demand: int = 0
    saves: int = 0


@dataclass
class Edge:
    source: str
    target: str
    weight: int = 0
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]


def build(items: Sequence[ItemMaterials], volume: Mapping[str, int],
          uploads: Mapping[tuple[str, str], int], *, department: str | None = None,
          item: str | None = None, min_weight: int = 0) -> Graph:
    """The graph of `items` weighted by `volume` (cases per item code); `uploads` counts
    (item code, node key) submissions. Filters: items led by, or nodes provided by,
    `department`; one `item`; edges of at least `min_weight`."""
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str], Edge] = {}
    for it in items:
        if item and it.code != item:
            continue
        held = [(k, n, p, kind) for k, n, p, kind in it.materials if kind in HELD_KINDS]
        if department and it.department != department and not any(
                p == department for _, _, p, _ in held):
            continue
        cases = int(volume.get(it.code, 0))
        keys = []
        for key, name, provider, kind in held:
            if key in keys:
                continue
            keys.append(key)
            node = nodes.setdefault(key, Node(key, name, provider, kind))
            node.items.append(it.code)
            if it.department not in node.departments:
                node.departments.append(it.department)
            node.demand += cases
            node.saves += int(uploads.get((it.code, key), 0))
        for a, b in combinations(sorted(keys), 2):
            edge = edges.setdefault((a, b), Edge(a, b))
            edge.weight += cases
            edge.items.append(it.code)
    ranked = sorted(nodes.values(), key=lambda n: (-n.saves, -n.demand, n.key))
    kept = [e for e in edges.values() if e.weight >= min_weight]
    kept.sort(key=lambda e: (-e.weight, e.source, e.target))
    return Graph(ranked, kept)


def circle_layout(keys: Sequence[str], size: float, margin: float) -> dict[str, tuple[float,
                                                                                      float]]:
    """Positions on a circle, the first key at the top, then clockwise."""
    n = len(keys)
    r = size / 2 - margin
    c = size / 2
    if n == 1:
        return {keys[0]: (c, c)}
    return {k: (c + r * math.sin(2 * math.pi * i / n), c - r * math.cos(2 * math.pi * i / n))
            for i, k in enumerate(keys)}


def svg(graph: Graph, title: str, empty: str, provider_names: Mapping[str, str]) -> str:
    """The graph as SVG: presentation attributes only, a `<title>` per node and edge."""
    size, margin, pad = 640.0, 110.0, 80.0  # pad: room for the labels left and right
    pos = {k: (x + pad, y) for k, (x, y) in
           circle_layout([n.key for n in graph.nodes], size, margin).items()}
    top_demand = max((n.demand for n in graph.nodes), default=1) or 1
    top_weight = max((e.weight for e in graph.edges), default=1) or 1
    desc = "; ".join(f"{n.name}: {n.demand}" for n in graph.nodes[:10]) or empty
    width = size + 2 * pad
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {size:.0f}" '
           f'width="{width:.0f}" height="{size:.0f}" role="img">',
           f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"]
    if not graph.nodes:
        out.append(f'<text x="{width / 2}" y="{size / 2}" text-anchor="middle" '
                   f'font-family={quoteattr(FONT)} font-size="13">{escape(empty)}</text>')
    for e in graph.edges:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        stroke = 0.5 + 7.5 * e.weight / top_weight
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   f'stroke="#0072B2" stroke-opacity="0.45" stroke-width="{stroke:.2f}">'
                   f"<title>{e.weight}</title></line>")
    for i, n in enumerate(graph.nodes):
        x, y = pos[n.key]
        r = 5 + 18 * math.sqrt(n.demand / top_demand)
        fill = "#D55E00" if i < 3 and n.saves else "#009E73"
        who = provider_names.get(n.provider or "", n.provider or "")
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" '
                   f'stroke="#fff" stroke-width="1.5" data-key={quoteattr(n.key)}>'
                   f"<title>{escape(f'{n.name} ({who}): {n.demand} / {n.saves}')}</title>"
                   f"</circle>")
        dx = x - width / 2
        anchor = "start" if dx > 5 else "end" if dx < -5 else "middle"
        lx = x + (r + 4 if dx > 5 else -(r + 4) if dx < -5 else 0)
        ly = y + (4 if abs(dx) > 5 else (-(r + 6) if y < size / 2 else r + 14))
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
                   f'font-family={quoteattr(FONT)} font-size="11">{escape(n.name)}</text>')
    out.append("</svg>")
    return "".join(out)
