"""The checks of a BPMN 2.0 document, before anything runs it. Pure: no I/O.

What `govbridge.services.bpmn` needs to know of a document drawn in any modeler (bpmn.io,
Camunda, Signavio, ARIS, Bizagi, Trisotech, ...): the XML read safely (no DTD, no
entities, no network, at most `MAX_BYTES`), the flow graph of every process and
sub-process (`Graph`), and two kinds of problem (`BpmnProblem`, naming the element, its
id and its line):

- a *refusal* (`blocks="import"`): the document is no BPMN process at all, or one that
  can never finish (no start, no end reachable, a gateway that is a dead end, an element
  no start reaches, a flow to nowhere);
- a *blocker* (`blocks="publish"`): the process is kept, but the engine cannot run it
  correctly as drawn - compensation, transactions and cancel events, complex gateways,
  ad-hoc sub-processes, scripts, a condition outside the safe subset
  (`bpmn_expressions`), a timer without an ISO 8601 time, a multi-instance task without
  a cardinality or a collection, a call to a process the document does not hold.

Everything else in the BPMN namespace that does not take part in the flow is
descriptive and ignored (data objects and stores, global tasks, item definitions, io
specifications, imports, documentation, resources, messages, groups, ...), as are vendor
extensions and the diagram (DI). The token game over a graph is `bpmn_tokens`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.core.identifiers import validate_credit_code
from govbridge.services.bpmn_expressions import check_condition, dialect_condition, timer_literal

FIELD = "bpmn"
MAX_BYTES = 2_000_000

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

TASKS = frozenset({"task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask",
                   "businessRuleTask", "scriptTask"})
CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway",
                      "eventBasedGateway", "complexGateway"})
EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent",
                    "intermediateThrowEvent", "boundaryEvent"})
FLOW_NODES = TASKS | CONTAINERS | GATEWAYS | EVENTS | {"callActivity"}
ACTIVITIES = TASKS | CONTAINERS | {"callActivity"}
# Done by a person of the lane's department; the other tasks are steps of the platform.
PEOPLES_TASKS = frozenset({"userTask", "manualTask"})
# What the engine cannot run correctly: the process is kept but cannot be published.
NOT_RUNNABLE = {
    "complexGateway": "complex gateways",
    "transaction": "transactions",
    "adHocSubProcess": "ad-hoc sub-processes",
    "scriptTask": "scripts (nothing in a document is executed as code)",
    "compensateEventDefinition": "compensation",
    "cancelEventDefinition": "cancel events (transactions)",
}
CONDITIONAL_SOURCES = frozenset({"exclusiveGateway", "inclusiveGateway"}) | TASKS | {
    "callActivity", "subProcess"}
# Names of SpiffWorkflow's own task specs, which a flow node's id must not take.
RESERVED_IDS = frozenset({"Start", "End", "Root"})

_DOCTYPE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<!DOCTYPE",
                      re.DOTALL)
_CREDIT_WORD = re.compile(r"^[0-9A-Z]{18}$")


def local_name(el: etree._Element) -> str | None:
    """The local name of a BPMN element, None for anything else (DI, vendors, comments)."""
    if not isinstance(el.tag, str):
        return None
    q = etree.QName(el)
    return q.localname if q.namespace == BPMN_NS else None


def label_of(el: etree._Element) -> str:
    local = local_name(el)
    tag = f"bpmn:{local}" if local else str(el.tag)
    ident = el.get("id")
    return f"{tag} id={ident}" if ident else tag


@dataclass
class BpmnProblem(FieldProblem):
    """A problem on the field "bpmn" that names the element, its id and its line."""

    element: str | None = None
    id: str | None = None
    line: int | None = None
    detail: str = ""
    blocks: Literal["import", "publish"] = "import"

    def as_check(self) -> dict[str, object]:
        return {"element": self.element, "id": self.id, "line": self.line,
                "reason": self.detail}


def problem(reason: str, code: str, el: etree._Element | int | None = None,
            blocks: Literal["import", "publish"] = "import") -> BpmnProblem:
    """A problem naming `el` (or, given a number, only a line)."""
    if isinstance(el, int) or el is None:
        line, element, ident = el, None, None
    else:
        line, ident = el.sourceline, el.get("id")
        local = local_name(el)
        element = f"bpmn:{local}" if local else str(el.tag)
    where = f" (line {line})" if line else ""
    return BpmnProblem(FIELD, reason + where, None, code, element=element, id=ident,
                       line=line, detail=reason, blocks=blocks)


def blocker(reason: str, code: str, el: etree._Element) -> BpmnProblem:
    return problem(reason + "; the process is kept but cannot be published until it is "
                   "changed", code, el, blocks="publish")


def parse_xml(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            problem(f"document is larger than {MAX_BYTES // 1_000_000} MB", "too_large")
        )
    if _DOCTYPE.match(data):
        raise InvalidInput(problem("a DOCTYPE is not allowed in a BPMN document (its entities "
                                   "are never expanded nor fetched)", "not_bpmn"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise InvalidInput(
            problem(f"malformed XML at line {line}, column {column}: {exc.msg}", "malformed")
        ) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidInput(problem("a DOCTYPE is not allowed in a BPMN document", "not_bpmn"))
    if local_name(root) != "definitions":
        raise InvalidInput(
            problem(f"the root element is {root.tag}, not bpmn:definitions of BPMN 2.0 "
                    f"({BPMN_NS})", "not_bpmn")
        )
    return root


def check_elements(root: etree._Element) -> list[BpmnProblem]:
    """Blockers of elements the engine cannot run (see `NOT_RUNNABLE`), and flow nodes
    without an id, which is a refusal."""
    problems: list[BpmnProblem] = []
    for el in root.iter():
        local = local_name(el)
        if local is None:
            continue
        if local in NOT_RUNNABLE:
            named = el.getparent() if local.endswith("EventDefinition") else el
            problems.append(blocker(f"{label_of(named)}: {NOT_RUNNABLE[local]} cannot be run "
                                    "by the engine", "unsupported", named))
        elif local in FLOW_NODES and not el.get("id"):
            problems.append(problem(f"a bpmn:{local} has no id", "invalid", el))
        elif local in FLOW_NODES and (el.get("id") in RESERVED_IDS
                                      or el.get("id", "").endswith(".EndJoin")):
            problems.append(problem(
                f"{label_of(el)}: the id {el.get('id')!r} is reserved by the engine; rename "
                "it (e.g. StartEvent_1)", "invalid", el))
        elif local == "multiInstanceLoopCharacteristics" and not any(
                local_name(c) in ("loopCardinality", "loopDataInputRef") for c in el):
            problems.append(blocker(
                f"the multi-instance {label_of(el.getparent())} names neither a "
                "loopCardinality nor a loopDataInputRef (the collection, e.g. the "
                "co-owners)", "invalid", el.getparent()))
        elif local == "standardLoopCharacteristics" and not (
                el.get("loopMaximum") or any(local_name(c) == "loopCondition" for c in el)):
            problems.append(blocker(f"the loop of {label_of(el.getparent())} has neither a "
                                    "loopCondition nor a loopMaximum, so it never ends",
                                    "invalid", el.getparent()))
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


def event_kind(el: etree._Element) -> str | None:
    """The local name of an event's (first) definition, e.g. "timerEventDefinition"."""
    for child in el:
        local = local_name(child)
        if local and local.endswith("EventDefinition"):
            return local
    return None


def is_collapsed(el: etree._Element) -> bool:
    """A sub-process drawn without content: it runs as a task."""
    return local_name(el) == "subProcess" and not any(
        local_name(c) in FLOW_NODES for c in el)


def is_event_subprocess(el: etree._Element) -> bool:
    return local_name(el) in CONTAINERS and el.get("triggeredByEvent", "").lower() == "true"


@dataclass
class Graph:
    """The flow nodes of one process or sub-process and its sequence flows."""

    scope: etree._Element
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


def graph_of(scope: etree._Element) -> tuple[Graph, list[BpmnProblem]]:
    g = Graph(scope)
    problems: list[BpmnProblem] = []
    for el in scope:
        local = local_name(el)
        if local in FLOW_NODES and el.get("id"):
            if is_event_subprocess(el) or el.get("isForCompensation", "").lower() == "true":
                continue  # started by its event, not by a flow
            g.kinds[el.get("id")] = local  # type: ignore[index]
            g.elements[el.get("id")] = el  # type: ignore[index]
    for el in scope:
        if local_name(el) != "sequenceFlow":
            continue
        fid, src, tgt = el.get("id", "?"), el.get("sourceRef"), el.get("targetRef")
        if src not in g.kinds or tgt not in g.kinds:
            problems.append(problem(
                f"{label_of(el)} connects {src!r} to {tgt!r}, which are not both elements of "
                f"{label_of(scope)}", "invalid", el))
            continue
        g.flows[fid] = (src, tgt)
        g.elements[fid] = el
        g.out.setdefault(src, []).append(fid)  # type: ignore[arg-type]
        g.into.setdefault(tgt, []).append(fid)  # type: ignore[arg-type]
    for node, kind in g.kinds.items():
        if kind != "boundaryEvent":
            continue
        el = g.elements[node]
        host = el.get("attachedToRef")
        if host not in g.kinds or g.kinds[host] not in ACTIVITIES:
            problems.append(problem(f"{label_of(el)} must be attached to an activity of "
                                    f"{label_of(scope)}", "invalid", el))
            continue
        interrupts = el.get("cancelActivity", "true").lower() != "false"
        g.boundaries.setdefault(host, []).append((node, interrupts))  # type: ignore[arg-type]
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


def unfinishable(reason: str, el: etree._Element) -> BpmnProblem:
    return problem(reason, "unfinishable", el)


def _entries(g: Graph) -> list[str]:
    """Where tokens enter a scope: start events, and catch events without incoming flows
    (link targets: `bpmn_runnable` joins a link's throw and catch with a flow)."""
    return [n for n, k in g.kinds.items()
            if k == "startEvent" or (k == "intermediateCatchEvent" and not g.into.get(n))]


def check_structure(g: Graph) -> list[BpmnProblem]:
    """One scope can finish: an entry, an end reachable from everything the entries reach,
    no gateway or task as a dead end. An event without outgoing flow ends its path, as
    BPMN says; a task without one is taken for a forgotten flow."""
    problems: list[BpmnProblem] = []
    starts = _entries(g)
    if not starts:
        return [problem(f"{label_of(g.scope)} has no start event", "unfinishable", g.scope)]
    ends = [n for n, k in g.kinds.items()
            if k == "endEvent" or (k in EVENTS and k != "startEvent" and not g.out.get(n))]
    what = "the process" if local_name(g.scope) == "process" else label_of(g.scope)
    if not ends:
        return [problem(f"{what} has no end event, so it can never finish", "unfinishable",
                        None if local_name(g.scope) == "process" else g.scope)]
    for node, kind in g.kinds.items():
        el = g.elements[node]
        if kind == "startEvent" and g.into.get(node):
            problems.append(unfinishable(f"{g.label(node)} has incoming flows", el))
        elif kind == "endEvent" and g.out.get(node):
            problems.append(unfinishable(f"{g.label(node)} has outgoing flows", el))
        elif kind not in EVENTS and not g.out.get(node):
            problems.append(unfinishable(
                f"dead end: {g.label(node)} has no outgoing sequence flow, so the process "
                "can never finish", el))
    if problems:
        return problems
    from_start = _reachable(starts, g.successors)
    if not (from_start & set(ends)):
        return [unfinishable(
            f"no end event can be reached from {g.label(starts[0])}, so the process can "
            "never finish", g.elements[starts[0]])]
    for node in g.kinds:
        if node not in from_start:
            problems.append(unfinishable(
                f"{g.label(node)} can never be reached from {g.label(starts[0])}",
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


def condition_text(el: etree._Element) -> str | None:
    """The condition of a sequence flow in the safe subset, after the usual dialects
    (FEEL "= x", JUEL "${x}", XPath getDataObject) are read; None without a condition."""
    cond = next((c for c in el if local_name(c) == "conditionExpression"), None)
    if cond is None:
        return None
    return dialect_condition(cond.text or "")


def check_conditions(g: Graph) -> list[BpmnProblem]:
    problems: list[BpmnProblem] = []
    for fid, (src, _tgt) in g.flows.items():
        el = g.elements[fid]
        text = condition_text(el)
        if not text:
            continue
        if g.kinds[src] not in CONDITIONAL_SOURCES:
            problems.append(blocker(
                f"the condition on {label_of(el)} leaves {g.label(src)}, which cannot take "
                "a condition", "unsupported", el))
            continue
        try:
            check_condition(text)
        except ValueError as exc:
            problems.append(blocker(f"the condition {text!r} on {label_of(el)} {exc}",
                                    "invalid", el))
    for node, kind in g.kinds.items():
        if kind != "exclusiveGateway" or len(g.out.get(node, [])) < 2:
            continue
        bare = [f for f in g.out[node] if condition_text(g.elements[f]) in (None, "")
                and g.elements[node].get("default") != f]
        if len(bare) > 1:
            problems.append(blocker(
                f"{g.label(node)} has {len(bare)} outgoing flows without a condition "
                f"({', '.join(bare)}), so the engine cannot tell which way to go; give each "
                "a condition, e.g. decision == \"refuse\", or make one the default", "invalid",
                g.elements[node]))
    for node, kind in g.kinds.items():
        cond = next((c for c in g.elements[node].iter(f"{{{BPMN_NS}}}condition")), None)
        if kind in EVENTS and cond is not None:
            text = dialect_condition(cond.text or "")
            if not text:
                problems.append(blocker(f"{g.label(node)} has an empty condition", "invalid",
                                        g.elements[node]))
                continue
            try:
                check_condition(text)
            except ValueError as exc:
                problems.append(blocker(f"the condition {text!r} of {g.label(node)} {exc}",
                                        "invalid", g.elements[node]))
    return problems


def check_timers(g: Graph) -> tuple[list[str], list[BpmnProblem]]:
    problems: list[BpmnProblem] = []
    timers: list[str] = []
    for node, kind in g.kinds.items():
        if kind not in EVENTS or event_kind(g.elements[node]) != "timerEventDefinition":
            continue
        el = g.elements[node]
        ted = next(c for c in el if local_name(c) == "timerEventDefinition")
        exprs = [c for c in ted if local_name(c) in ("timeDuration", "timeDate", "timeCycle")]
        if len(exprs) != 1:
            problems.append(blocker(f"{label_of(el)} needs one timeDuration, timeDate or "
                                    "timeCycle", "invalid", el))
            continue
        kind_of = local_name(exprs[0])
        text = (exprs[0].text or "").strip()
        if kind_of == "timeCycle":
            literal = timer_literal(text)
            ok = literal is not None and literal.upper().startswith("R")
        else:
            literal = timer_literal(text)
            ok = literal is not None and (literal.startswith("P") == (kind_of == "timeDuration"))
            if ok and kind_of == "timeDuration" and literal is not None:
                try:
                    TimerEventDefinition.parse_iso_duration(literal)
                except Exception:  # noqa: BLE001 - the library raises a bare Exception
                    ok = False
        if not ok:
            want = {"timeDuration": "duration (e.g. P5D)", "timeDate": "date-time",
                    "timeCycle": "repetition (e.g. R3/P1D)"}[kind_of or "timeDate"]
            problems.append(blocker(f"the {kind_of} {text!r} of {label_of(el)} is not an "
                                    f"ISO 8601 {want}", "invalid", el))
            continue
        timers.append(node)
    return timers, problems
