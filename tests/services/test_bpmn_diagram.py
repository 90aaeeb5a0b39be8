"""The process drawn from its DI: every MIWG reference model, and a run's steps marked."""

from __future__ import annotations

import pytest
from lxml import etree

from bpmn_helpers import AMR, PSB, TAX, doc, flow, lane
from govbridge.services.bpmn_diagram import SVG_NS, render_svg
from govbridge.services.engine import ProcessRun
from support import SHARED, need

MIWG = SHARED / "testdata" / "bpmn-miwg" / "Reference"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"


def _svg(text: str) -> etree._Element:
    svg = etree.fromstring(text.encode())
    assert svg.tag == f"{{{SVG_NS}}}svg"
    return svg


def _groups(svg: etree._Element, cls: str) -> dict[str, etree._Element]:
    return {g.get("data-bpmn-id"): g for g in svg.iter(f"{{{SVG_NS}}}g")
            if cls in (g.get("class") or "").split()}


def _ids(svg: etree._Element, cls: str) -> list[str]:
    return [g.get("data-bpmn-id") for g in svg.iter(f"{{{SVG_NS}}}g")
            if cls in (g.get("class") or "").split()]


@pytest.mark.parametrize("name", sorted(p.name for p in MIWG.glob("*.bpmn")) or ["none"])
def test_every_reference_model_is_drawn_from_its_diagram(name):
    need(MIWG.is_dir(), f"the MIWG reference models are not at {MIWG}")
    data = (MIWG / name).read_bytes()
    source = etree.fromstring(data)
    plane = next(source.iter(f"{{{DI}}}BPMNPlane"))
    shapes = [s.get("bpmnElement", "") for s in plane
              if etree.QName(s).localname == "BPMNShape"]
    edges = [e.get("bpmnElement", "") for e in plane if etree.QName(e).localname == "BPMNEdge"]
    svg = _svg(render_svg(data))
    assert sorted(_ids(svg, "shape")) == sorted(shapes)
    assert sorted(_ids(svg, "edge")) == sorted(edges)
    _, _, width, height = (float(v) for v in svg.get("viewBox").split())
    assert width > 100 and height > 50
    named = {el.get("name").split()[0] for el in source.iter()
             if el.get("name") and el.get("id") in shapes and len(el.get("name")) < 12}
    texts = " ".join(t.text or "" for t in svg.iter(f"{{{SVG_NS}}}text"))
    assert all(word in texts for word in named), named


def _with_diagram() -> str:
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:parallelGateway id="Fork"/>'
        '<bpmn:userTask id="Tax" name="税务登记"/>'
        '<bpmn:userTask id="Police" name="&lt;script&gt;"/>'
        '<bpmn:parallelGateway id="Join"/><bpmn:userTask id="Issue" name="发证"/>'
        '<bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Fork") + flow("F2", "Fork", "Tax") + flow("F3", "Fork", "Police")
        + flow("F4", "Tax", "Join") + flow("F5", "Police", "Join") + flow("F6", "Join", "Issue")
        + flow("F7", "Issue", "Done"),
        lane(TAX, "Tax") + lane(PSB, "Police") + lane(AMR, "Issue"),
    )
    shapes = "".join(
        f'<bpmndi:BPMNShape id="{i}_di" bpmnElement="{i}"><dc:Bounds x="{x}" y="{y}" '
        f'width="{w}" height="{h}"/></bpmndi:BPMNShape>'
        for i, x, y, w, h in [("Begin", 0, 40, 36, 36), ("Fork", 80, 33, 50, 50),
                              ("Tax", 170, 0, 100, 80), ("Police", 170, 100, 100, 80),
                              ("Join", 310, 33, 50, 50), ("Issue", 400, 18, 100, 80),
                              ("Done", 540, 40, 36, 36)])
    edge = ('<bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="36" y="58"/>'
            '<di:waypoint x="80" y="58"/></bpmndi:BPMNEdge>')
    return xml.replace('bpmnElement="Process_1"/>', f'bpmnElement="Process_1">{shapes}{edge}'
                       "</bpmndi:BPMNPlane>").replace(
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"',
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI"')


def test_a_runs_steps_are_marked_finished_current_and_waiting():
    xml = _with_diagram()
    run = ProcessRun.start(xml)
    tax = next(t for t in run.ready_tasks() if t.bpmn_id == "Tax")
    run.complete(tax.id)
    marks = run.step_marks()
    assert {k: marks[k] for k in ("Begin", "Tax", "Police", "Issue", "Done")} == {
        "Begin": "finished", "Tax": "finished", "Police": "current", "Issue": "waiting",
        "Done": "waiting"}
    svg = _svg(render_svg(xml, marks))
    shapes = _groups(svg, "shape")
    assert shapes["Tax"].get("class").split() == ["shape", "userTask", "finished"]
    assert "current" in shapes["Police"].get("class").split()
    assert "waiting" in shapes["Issue"].get("class").split()
    texts = [t.text for t in svg.iter(f"{{{SVG_NS}}}text")]
    assert "<script>" in texts  # a name is text, never markup
    assert not list(svg.iter(f"{{{SVG_NS}}}script"))


def test_a_document_without_a_diagram_is_an_empty_drawing():
    svg = _svg(render_svg(doc('<bpmn:startEvent id="Begin"/>')))
    assert svg.get("viewBox") == "0 0 100 40" and not _groups(svg, "shape")
