"""A process drawn as SVG from its diagram interchange (BPMN DI). Pure: no I/O.

Every modeler saves where it drew each element (`bpmndi:BPMNShape` bounds and
`bpmndi:BPMNEdge` waypoints), so the platform can draw the process as its analyst did,
without a browser-side modeler or anything fetched from a CDN. `render_svg` draws the
first diagram of a document: pools and lanes with their names, activities as rounded
boxes, events as circles (an end event thick, an intermediate one doubled), gateways as
diamonds with their marker, data objects, data stores and annotations, sequence flows
with arrows, message flows and associations dashed. A run's steps are marked by bpmn id
(`ProcessRun.step_marks`): "finished", "current", "waiting" - each mark is a CSS class on
the element's group, styled inside the SVG, so a page can restyle it.

    <svg viewBox="x y w h">
      <g class="shape task current" data-bpmn-id="Task_A"><rect/><text>审核</text></g>
      <g class="edge sequenceFlow" data-bpmn-id="F1"><polyline marker-end=.../></g>

Everything shown comes from the document as text nodes and attribute values built with
lxml (never pasted into markup), so a name like "<script>" is shown, not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from govbridge.services.bpmn_checks import BPMN_NS, is_collapsed, local_name, parse_xml

# A drawing is served as a document of its own (`<img src>`): nothing may load or run in it;
# its marks are styled by the <style> inside it.
DIAGRAM_CSP = "default-src 'none'; style-src 'unsafe-inline'"

SVG_NS = "http://www.w3.org/2000/svg"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DD_DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
MARKS = ("finished", "current", "waiting")
MARGIN = 20

STYLE = "\n".join((
    ".shape rect, .shape circle, .shape polygon, .shape path "
    "{ fill: #fff; stroke: #333; stroke-width: 1.5; }",
    ".shape.participant > rect, .shape.lane > rect { fill: none; }",
    ".shape.endEvent circle { stroke-width: 4; }",
    ".shape.finished rect, .shape.finished circle, .shape.finished polygon "
    "{ fill: #e6f4ea; stroke: #1e8e3e; }",
    ".shape.current rect, .shape.current circle, .shape.current polygon "
    "{ fill: #fff4ce; stroke: #e37400; stroke-width: 3; }",
    ".shape.waiting rect, .shape.waiting circle, .shape.waiting polygon "
    "{ stroke: #80868b; stroke-dasharray: 4 3; }",
    ".edge polyline { fill: none; stroke: #333; stroke-width: 1.5; }",
    ".edge.messageFlow polyline, .edge.association polyline, "
    ".edge.dataInputAssociation polyline, .edge.dataOutputAssociation polyline "
    "{ stroke-dasharray: 6 4; }",
    ".edge.finished polyline { stroke: #1e8e3e; }",
    "text { font-family: sans-serif; font-size: 12px; fill: #202124; }",
    ".marker { fill: none; stroke: #333; stroke-width: 2; }",
))
GATEWAY_MARKERS = {"exclusiveGateway": "×", "parallelGateway": "+", "complexGateway": "✱",
                   "inclusiveGateway": "○", "eventBasedGateway": "⬠"}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


def _num(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _svg(tag: str, parent: etree._Element | None = None, **attrs: object) -> etree._Element:
    clean = {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()}
    if parent is None:
        return etree.Element(f"{{{SVG_NS}}}{tag}", clean, nsmap={None: SVG_NS})
    return etree.SubElement(parent, f"{{{SVG_NS}}}{tag}", clean)


_TOKENS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+")


def _lines(name: str, width: float) -> list[str]:
    """A name cut into lines that fit `width`: between words, or between CJK characters
    (which count double); a word too long for a line is cut."""
    room = max(4, int(width / 6.5))
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKENS.findall(name):
        cjk = ord(token[0]) > 0x2E7F
        cost = 2 if cjk else len(token)
        gap = 0 if cjk or not line or ord(line[-1]) > 0x2E7F else 1
        if line and used + gap + cost > room:
            lines.append(line)
            line, used, gap = "", 0, 0
        while cost > room:  # a word longer than a line
            lines.append(token[:room])
            token, cost = token[room:], cost - room
        line += " " * gap + token
        used += gap + cost
    if line:
        lines.append(line)
    return lines[:4]


def _label(group: etree._Element, name: str, box: Box, below: bool = False) -> None:
    if not name:
        return
    width = max(box.w, 90) if below else box.w - 6
    lines = _lines(name, width)
    top = box.y + box.h + 14 if below else box.y + box.h / 2 - 7 * (len(lines) - 1) + 4
    for i, line in enumerate(lines):
        text = _svg("text", group, x=box.x + box.w / 2, y=top + 14 * i, text_anchor="middle")
        text.text = line


def _shape(parent: etree._Element, el: etree._Element | None, kind: str, box: Box,
           horizontal: bool) -> etree._Element:
    group = _svg("g", parent)
    name = ((el.get("name") if el is not None else "") or "").strip()
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    if kind in ("participant", "lane"):
        _svg("rect", group, x=box.x, y=box.y, width=box.w, height=box.h)
        if name:
            if horizontal:
                text = _svg("text", group, x=box.x + 14, y=cy, text_anchor="middle",
                            transform=f"rotate(-90 {box.x + 14} {cy})")
            else:
                text = _svg("text", group, x=cx, y=box.y + 16, text_anchor="middle")
            text.text = name
    elif kind.endswith("Event"):
        r = min(box.w, box.h) / 2
        _svg("circle", group, cx=cx, cy=cy, r=r)
        if kind in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"):
            _svg("circle", group, cx=cx, cy=cy, r=max(r - 3, 1))
        _label(group, name, box, below=True)
    elif kind.endswith("Gateway"):
        points = f"{cx},{box.y} {box.x + box.w},{cy} {cx},{box.y + box.h} {box.x},{cy}"
        _svg("polygon", group, points=points)
        marker = _svg("text", group, x=cx, y=cy + 6, text_anchor="middle", font_size=18)
        marker.text = GATEWAY_MARKERS.get(kind, "")
        _label(group, name, box, below=True)
    elif kind in ("dataObjectReference", "dataObject", "dataInput", "dataOutput"):
        fold = min(10.0, box.w / 3)
        _svg("path", group, d=(f"M{box.x},{box.y} h{box.w - fold} l{fold},{fold} "
                                f"v{box.h - fold} h{-box.w} z"))
        _label(group, name, box, below=True)
    elif kind in ("dataStoreReference", "dataStore"):
        _svg("path", group, d=(f"M{box.x},{box.y + 6} a{box.w / 2},6 0 0 0 {box.w},0 "
                                f"a{box.w / 2},6 0 0 0 {-box.w},0 v{box.h - 12} "
                                f"a{box.w / 2},6 0 0 0 {box.w},0 v{-(box.h - 12)}"))
        _label(group, name, box, below=True)
    elif kind == "textAnnotation":
        _svg("path", group, d=f"M{box.x + 10},{box.y} h-10 v{box.h} h10", class_="marker")
        text_el = el.find(f"{{{BPMN_NS}}}text") if el is not None else None
        _label(group, (text_el.text or "") if text_el is not None else "", box)
    elif kind == "group":
        _svg("rect", group, x=box.x, y=box.y, width=box.w, height=box.h, rx=8,
             style="fill: none; stroke-dasharray: 8 4 2 4")
    else:  # tasks, sub-processes, call activities
        thick = 3 if kind == "callActivity" else 1.5
        dashed = {"stroke-dasharray": "3 3"} if el is not None and (
            el.get("triggeredByEvent", "").lower() == "true") else {}
        rect = _svg("rect", group, x=box.x, y=box.y, width=box.w, height=box.h, rx=10,
                    stroke_width=thick)
        rect.attrib.update(dashed)
        expanded = kind in ("subProcess", "callActivity", "transaction", "adHocSubProcess") and (
            box.h >= 120)
        _label(group, name, Box(box.x, box.y, box.w, 30) if expanded else box)
    return group


def _bounds(shape: etree._Element) -> Box | None:
    b = shape.find(f"{{{DC_NS}}}Bounds")
    if b is None:
        return None
    return Box(_num(b.get("x")), _num(b.get("y")), _num(b.get("width")), _num(b.get("height")))


def _layer(shape: etree._Element, el: etree._Element | None) -> int:
    """Containers first, so what lies in them is drawn on top of them."""
    kind = local_name(el) if el is not None else None
    if kind in ("participant", "lane"):
        return {"participant": 0, "lane": 1}[kind]
    if kind in ("subProcess", "transaction", "adHocSubProcess", "callActivity") and (
            shape.get("isExpanded", "").lower() == "true" or not is_collapsed(el)):
        return 2 if kind != "callActivity" or shape.get("isExpanded") == "true" else 3
    return 3


def render_svg(xml: str | bytes, marks: dict[str, str] | None = None) -> str:
    """The document's first diagram as an SVG document; `marks` (bpmn id -> "finished" |
    "current" | "waiting") mark a run's steps. A document without a diagram gives an
    empty drawing."""
    root = parse_xml(xml)
    marks = {k: v for k, v in (marks or {}).items() if v in MARKS}
    elements = {el.get("id"): el for el in root.iter()
                if local_name(el) and el.get("id")}
    plane = next(iter(root.iter(f"{{{DI_NS}}}BPMNPlane")), None)
    svg = _svg("svg", None, version="1.1")
    style = _svg("style", svg)
    style.text = STYLE
    defs = _svg("defs", svg)
    arrow = _svg("marker", defs, id="arrow", viewBox="0 0 10 10", refX=10, refY=5,
                 markerWidth=8, markerHeight=8, orient="auto-start-reverse")
    _svg("path", arrow, d="M0,0 L10,5 L0,10 z", fill="#333")
    xs: list[float] = []
    ys: list[float] = []
    if plane is not None:
        shapes = [s for s in plane if etree.QName(s).localname == "BPMNShape"]
        shapes.sort(key=lambda s: _layer(s, elements.get(s.get("bpmnElement"))))
        layer = _svg("g", svg, class_="shapes")
        for shape in shapes:
            box = _bounds(shape)
            if box is None:
                continue
            ident = shape.get("bpmnElement", "")
            el = elements.get(ident)
            kind = local_name(el) if el is not None else "unknown"
            horizontal = shape.get("isHorizontal", "true").lower() != "false"
            group = _shape(layer, el, kind or "unknown", box, horizontal)
            group.set("class", " ".join(filter(None, ["shape", kind, marks.get(ident)])))
            group.set("data-bpmn-id", ident)
            xs += [box.x, box.x + box.w]
            ys += [box.y, box.y + box.h + (30 if kind and kind.endswith(("Event", "Gateway"))
                                            else 0)]
        edges = _svg("g", svg, class_="edges")
        for edge in (e for e in plane if etree.QName(e).localname == "BPMNEdge"):
            points = [(_num(w.get("x")), _num(w.get("y")))
                      for w in edge.iter(f"{{{DD_DI_NS}}}waypoint")]
            if len(points) < 2:
                continue
            ident = edge.get("bpmnElement", "")
            el = elements.get(ident)
            kind = local_name(el) if el is not None else "unknown"
            group = _svg("g", edges, class_=" ".join(filter(None, [
                "edge", kind, marks.get(ident)])))
            group.set("data-bpmn-id", ident)
            line = _svg("polyline", group,
                        points=" ".join(f"{x},{y}" for x, y in points))
            if kind in ("sequenceFlow", "messageFlow", "dataInputAssociation",
                        "dataOutputAssociation"):
                line.set("marker-end", "url(#arrow)")
            name = ((el.get("name") if el is not None else "") or "").strip()
            if name:
                (x1, y1), (x2, y2) = points[0], points[1]
                text = _svg("text", group, x=(x1 + x2) / 2 + 4, y=(y1 + y2) / 2 - 4)
                text.text = name
            xs += [x for x, _ in points]
            ys += [y for _, y in points]
    if xs and ys:
        left, top = min(xs) - MARGIN, min(ys) - MARGIN
        width, height = max(xs) - left + MARGIN, max(ys) - top + MARGIN
    else:
        left, top, width, height = 0.0, 0.0, 100.0, 40.0
    svg.set("viewBox", f"{left:g} {top:g} {width:g} {height:g}")
    svg.set("width", f"{width:g}")
    svg.set("height", f"{height:g}")
    return etree.tostring(svg, encoding="unicode")
