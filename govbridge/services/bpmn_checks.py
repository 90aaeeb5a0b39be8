"""The checks of a BPMN 2.0 document, before anything runs it. Pure: no I/O.

What `govbridge.services.bpmn` needs to say a document is in the supported subset and
can finish: the XML read safely (no DTD, no entities, no network, at most `MAX_BYTES`),
every element of the subset, the flow graph (`Graph`), one start, reachable ends and no
dead ends, conditions only after an exclusive gateway and in the safe subset
(`bpmn_expressions`), ISO 8601 timers, and the department of a user task from its lane.
Every problem is a `FieldProblem` on the field "bpmn" naming the element (tag and id).
The token game over the graph is `bpmn_tokens`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.core.identifiers import validate_credit_code
from govbridge.services.bpmn_expressions import check_condition, timer_literal

FIELD = "bpmn"
MAX_BYTES = 2_000_000

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DIAGRAM_NS = frozenset(
    {
        "http://www.omg.org/spec/BPMN/20100524/DI",
        "http://www.omg.org/spec/DD/20100524/DC",
        "http://www.omg.org/spec/DD/20100524/DI",
    }
)

SUPPORTED = frozenset(
    {
        "definitions", "collaboration", "participant", "process", "laneSet", "lane",
        "childLaneSet", "flowNodeRef", "startEvent", "endEvent", "userTask", "serviceTask",
        "exclusiveGateway", "parallelGateway", "sequenceFlow", "conditionExpression",
        "boundaryEvent", "intermediateCatchEvent", "timerEventDefinition", "timeDuration",
        "timeDate", "incoming", "outgoing", "documentation", "extensionElements",
        "textAnnotation", "text", "association",
    }
)
FLOW_NODES = frozenset(
    {
        "startEvent", "endEvent", "userTask", "serviceTask", "exclusiveGateway",
        "parallelGateway", "boundaryEvent", "intermediateCatchEvent",
    }
)
TIMER_HOSTS = frozenset({"boundaryEvent", "intermediateCatchEvent"})
ACTIVITIES = frozenset({"userTask", "serviceTask"})
# Names of SpiffWorkflow's own task specs, which a flow node's id must not take.
RESERVED_IDS = frozenset({"Start", "End", "Root"})

_CREDIT_WORD = re.compile(r"^[0-9A-Z]{18}$")


def _local(el: etree._Element) -> tuple[str | None, str]:
    q = etree.QName(el)
    return q.namespace, q.localname


def label_of(el: etree._Element) -> str:
    ns, local = _local(el)
    tag = f"bpmn:{local}" if ns == BPMN_NS else str(el.tag)
    ident = el.get("id")
    return f"{tag} id={ident}" if ident else tag


def _where(el: etree._Element) -> str:
    """An element's label, or for an id-less one its label in its parent's."""
    if el.get("id"):
        return label_of(el)
    parent = el.getparent()
    return f"{label_of(el)} in {label_of(parent)}" if parent is not None else label_of(el)


def problem(reason: str, code: str, line: int | None = None) -> FieldProblem:
    where = f" (line {line})" if line else ""
    return FieldProblem(FIELD, reason + where, None, code)


def parse_xml(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            problem(f"document is larger than {MAX_BYTES // 1_000_000} MB", "too_large")
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise InvalidInput(
            problem(f"malformed XML at line {line}, column {column}: {exc.msg}", "malformed")
        ) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidInput(problem("a DOCTYPE is not allowed in a BPMN document", "not_bpmn"))
    if _local(root) != (BPMN_NS, "definitions"):
        raise InvalidInput(
            problem(f"the root element is {root.tag}, not bpmn:definitions of BPMN 2.0 "
                     f"({BPMN_NS})", "not_bpmn")
        )
    return root


def check_elements(root: etree._Element) -> list[FieldProblem]:
    problems: list[FieldProblem] = []

    def visit(el: etree._Element) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            ns, local = _local(child)
            if ns in DIAGRAM_NS:
                continue
            if ns != BPMN_NS or local not in SUPPORTED:
                problems.append(problem(f"{_where(child)} is not supported", "unsupported",
                                         child.sourceline))
                continue
            if local == "extensionElements":
                continue
            if local == "timerEventDefinition":
                host = _local(el)[1]
                if host not in TIMER_HOSTS:
                    problems.append(problem(
                        f"{_where(child)} in {label_of(el)} is not supported "
                        "(timers only on boundary and intermediate catch events)",
                        "unsupported", child.sourceline))
                    continue
            if local in TIMER_HOSTS and child.find(f"{{{BPMN_NS}}}timerEventDefinition") is None:
                problems.append(problem(
                    f"{label_of(child)} is not supported without a timer definition",
                    "unsupported", child.sourceline))
            visit(child)

    visit(root)
    return problems


def department_of_lane(lane: str | None) -> str | None:
    """The credit code written as a word in a lane's name, or None."""
    for word in (lane or "").split():
        if _CREDIT_WORD.match(word):
            try:
                return validate_credit_code(word)
            except InvalidInput:
                continue
    return None


@dataclass
class Graph:
    kinds: dict[str, str] = field(default_factory=dict)
    elements: dict[str, etree._Element] = field(default_factory=dict)
    out: dict[str, list[str]] = field(default_factory=dict)  # node -> flow ids
    into: dict[str, list[str]] = field(default_factory=dict)
    flows: dict[str, tuple[str, str]] = field(default_factory=dict)
    # host -> [(boundary event, whether it interrupts the host)]
    boundaries: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)

    def label(self, node: str) -> str:
        return label_of(self.elements[node])

    def successors(self, node: str) -> list[str]:
        nxt = [self.flows[f][1] for f in self.out.get(node, [])]
        nxt += [b for b, _ in self.boundaries.get(node, [])]
        return nxt


def graph_of(process: etree._Element) -> tuple[Graph, list[FieldProblem]]:
    g = Graph()
    problems: list[FieldProblem] = []
    for el in process:
        if not isinstance(el.tag, str):
            continue
        ns, local = _local(el)
        if ns == BPMN_NS and local in FLOW_NODES:
            ident = el.get("id")
            if not ident:
                problems.append(problem(f"a bpmn:{local} has no id", "invalid", el.sourceline))
                continue
            if ident in RESERVED_IDS or ident.endswith(".EndJoin"):
                problems.append(problem(
                    f"{label_of(el)}: the id {ident!r} is reserved by the engine; rename it "
                    "(e.g. StartEvent_1)", "invalid", el.sourceline))
                continue
            g.kinds[ident] = local
            g.elements[ident] = el
    for el in process.iterchildren(f"{{{BPMN_NS}}}sequenceFlow"):
        fid, src, tgt = el.get("id", "?"), el.get("sourceRef"), el.get("targetRef")
        if src not in g.kinds or tgt not in g.kinds:
            problems.append(problem(
                f"{label_of(el)} connects {src!r} to {tgt!r}, which are not both elements of "
                "the process", "invalid", el.sourceline))
            continue
        g.flows[fid] = (src, tgt)
        g.elements[fid] = el
        g.out.setdefault(src, []).append(fid)
        g.into.setdefault(tgt, []).append(fid)
    for node, kind in g.kinds.items():
        if kind != "boundaryEvent":
            continue
        el = g.elements[node]
        host = el.get("attachedToRef")
        if host not in g.kinds or g.kinds[host] not in ACTIVITIES:
            problems.append(problem(f"{label_of(el)} must be attached to a user or service task",
                                     "invalid", el.sourceline))
            continue
        interrupts = el.get("cancelActivity", "true").lower() != "false"
        g.boundaries.setdefault(host, []).append((node, interrupts))
    return g, problems


def _reachable(starts: list[str], step: Any) -> set[str]:
    seen = set(starts)
    todo = list(starts)
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def unfinishable(reason: str, el: etree._Element) -> FieldProblem:
    return problem(reason, "unfinishable", el.sourceline)


def check_structure(g: Graph) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    starts = [n for n, k in g.kinds.items() if k == "startEvent"]
    ends = [n for n, k in g.kinds.items() if k == "endEvent"]
    if len(starts) != 1:
        return [problem(f"the process needs exactly one start event, it has {len(starts)}",
                         "unfinishable")]
    if not ends:
        return [problem("the process has no end event, so it can never finish",
                         "unfinishable")]
    start = starts[0]
    if g.into.get(start):
        problems.append(unfinishable(f"{g.label(start)} has incoming flows",
                                      g.elements[start]))
    for node, kind in g.kinds.items():
        el = g.elements[node]
        if kind == "endEvent":
            if g.out.get(node):
                problems.append(unfinishable(f"{g.label(node)} has outgoing flows", el))
        elif not g.out.get(node):
            problems.append(unfinishable(
                f"dead end: {g.label(node)} has no outgoing sequence flow, so the process "
                "can never finish", el))
    if problems:
        return problems
    from_start = _reachable([start], g.successors)
    if not (from_start & set(ends)):
        return [unfinishable(
            f"no end event can be reached from {g.label(start)}, so the process can never "
            "finish", g.elements[start])]
    for node in g.kinds:
        if node not in from_start:
            problems.append(unfinishable(
                f"{g.label(node)} can never be reached from {g.label(start)}",
                g.elements[node]))
    preds: dict[str, list[str]] = {}
    for node in g.kinds:
        for nxt in g.successors(node):
            preds.setdefault(nxt, []).append(node)
    to_end = _reachable(ends, lambda n: preds.get(n, []))
    for node in g.kinds:
        if node in from_start and node not in to_end:
            problems.append(unfinishable(
                f"no end event can be reached from {g.label(node)}, so the process can "
                "never finish", g.elements[node]))
    return problems


def check_conditions(g: Graph) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for fid, (src, _tgt) in g.flows.items():
        el = g.elements[fid]
        cond = el.find(f"{{{BPMN_NS}}}conditionExpression")
        src_el = g.elements[src]
        is_default = src_el.get("default") == fid
        if cond is not None:
            if g.kinds[src] != "exclusiveGateway":
                problems.append(problem(
                    f"the condition on {label_of(el)} is not supported: conditions go only on "
                    "flows leaving an exclusive gateway", "unsupported", el.sourceline))
                continue
            try:
                check_condition(cond.text or "")
            except ValueError as exc:
                problems.append(problem(
                    f"the condition {(cond.text or '').strip()!r} on {label_of(el)} {exc}",
                    "invalid", cond.sourceline))
        elif (g.kinds[src] == "exclusiveGateway" and len(g.out.get(src, [])) > 1
              and not is_default):
            problems.append(problem(
                f"{label_of(el)} leaves {label_of(src_el)} without a condition and is not its "
                "default flow", "invalid", el.sourceline))
    return problems


def check_timers(g: Graph) -> tuple[list[str], list[FieldProblem]]:
    problems: list[FieldProblem] = []
    timers: list[str] = []
    for node, kind in g.kinds.items():
        if kind not in TIMER_HOSTS:
            continue
        el = g.elements[node]
        ted = el.find(f"{{{BPMN_NS}}}timerEventDefinition")
        if ted is None:
            continue
        exprs = [c for c in ted if isinstance(c.tag, str) and _local(c)[0] == BPMN_NS]
        if len(exprs) != 1:
            problems.append(problem(f"{label_of(el)} needs one timeDuration or timeDate",
                                     "invalid", el.sourceline))
            continue
        literal = timer_literal(exprs[0].text or "")
        expected = "timeDuration" if _local(exprs[0])[1] == "timeDuration" else "timeDate"
        ok = literal is not None and (literal.startswith("P") == (expected == "timeDuration"))
        if ok and expected == "timeDuration" and literal is not None:
            try:
                TimerEventDefinition.parse_iso_duration(literal)
            except Exception:  # noqa: BLE001 - the library raises a bare Exception
                ok = False
        if not ok:
            problems.append(problem(
                f"the {expected} {(exprs[0].text or '').strip()!r} of {label_of(el)} is not an "
                f"ISO 8601 {'duration (e.g. P5D)' if expected == 'timeDuration' else 'date-time'}",
                "invalid", exprs[0].sourceline))
            continue
        timers.append(node)
    return timers, problems


def one_process(root: etree._Element) -> etree._Element:
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if len(processes) != 1:
        raise InvalidInput(problem(
            f"the document must hold exactly one bpmn:process, it holds {len(processes)}",
            "unsupported"))
    process = processes[0]
    if not process.get("id"):
        raise InvalidInput(problem("the bpmn:process has no id", "invalid", process.sourceline))
    return process
