"""Reading a BPMN 2.0 process drawn in a standard modeler (bpmn.io, Camunda Modeler). Pure: no I/O.

`parse_process(xml)` checks a document and returns what the platform needs to know about
it; `load_spec(xml)` gives SpiffWorkflow's executable spec. Every problem is an
`InvalidInput` on the field "bpmn" that names the element (tag and id):

- malformed XML: the line and column of the first error (code "malformed");
- an element outside the supported subset (code "unsupported"), e.g.
  "bpmn:complexGateway id=Gateway_1 is not supported";
- a process that can never finish (code "unfinishable"): no end event reachable from
  the start or from some element, an element with no outgoing flow (a dead end), an
  element the start can never reach, or a parallel join that can wait forever because
  its incoming flows are alternatives of an exclusive gateway (found by playing the
  token game over every choice of every exclusive gateway).

Supported: one process (optionally in a pool with lanes), a plain start event, plain end
events, user tasks, service tasks, exclusive and parallel gateways, sequence flows
(conditions only after an exclusive gateway), timer boundary events (interrupting or not)
and timer intermediate catch events (`timeDuration` or `timeDate`), documentation, text
annotations, and the diagram (BPMNDiagram DI, ignored). Vendor extension elements
(`bpmn:extensionElements`) are ignored.

Convention — who does a user task: every user task lies in a lane, and the lane's name
contains the department's 18-character unified social credit code as a separate word,
e.g. "苏州市市场监督管理局 11320500MB1J374274". Lanes are plain BPMN: every modeler
draws them and shows their name, and SpiffWorkflow keeps each task's lane in its
serialised state, so a running case knows the department without the XML. Service tasks
are steps of the platform itself and need no lane.

Expressions: conditions are a small, safe subset of Python evaluated on the case
variables (names, constants, comparisons, `and`/`or`/`not`, `in`), e.g.
`decision == "refuse"`. Timer durations are ISO 8601 (`P5D`, `PT2H`), with or without
quotes. Nothing in a document is executed as code.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException

from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.core.identifiers import validate_credit_code

FIELD = "bpmn"
MAX_BYTES = 2_000_000
# Bound of the token game; a process this large is accepted without the join check.
MAX_STATES = 20_000

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
_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")


# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskDef:
    id: str
    name: str
    kind: str  # "userTask" | "serviceTask"
    department: str | None  # credit code; None for service tasks
    lane: str | None


@dataclass(frozen=True)
class ProcessDef:
    process_id: str
    name: str
    tasks: tuple[TaskDef, ...]
    timers: tuple[str, ...] = ()

    @property
    def departments(self) -> list[str]:
        """Credit codes of the departments doing user tasks, in order of first appearance."""
        seen: dict[str, None] = {}
        for t in self.tasks:
            if t.department:
                seen.setdefault(t.department, None)
        return list(seen)


# ---- safe expressions ---------------------------------------------------------------------------

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List,
)


def check_condition(expression: str) -> ast.Expression:
    """Parse a condition of the safe subset, or raise ValueError saying what is not allowed."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"is not a valid expression ({exc.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ValueError(
                f"uses {type(node).__name__}, outside the allowed subset "
                "(names, constants, comparisons, and/or/not, in)"
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ValueError(f"uses the name {node.id!r}; names may not start with '_'")
    return tree


def _eval(node: ast.AST, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, names)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id not in names:
            raise NameError(f"case variable {node.id!r} is not set")
        return names[node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [_eval(e, names) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, names)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_eval(v, names) for v in node.values)
        return any(_eval(v, names) for v in node.values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, names)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise ValueError(f"{type(node).__name__} is not allowed")


def _compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    ops: dict[type, Any] = {
        ast.Eq: lambda: a == b, ast.NotEq: lambda: a != b, ast.Lt: lambda: a < b,
        ast.LtE: lambda: a <= b, ast.Gt: lambda: a > b, ast.GtE: lambda: a >= b,
        ast.In: lambda: a in b, ast.NotIn: lambda: a not in b, ast.Is: lambda: a is b,
        ast.IsNot: lambda: a is not b,
    }
    return bool(ops[type(op)]())


def timer_literal(expression: str) -> str | None:
    """An ISO 8601 duration or date-time written with or without quotes, else None."""
    text = expression.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    if _DURATION.match(text.upper()):
        return text.upper()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return text


class SafeScriptEngine(PythonScriptEngine):
    """Evaluates conditions with the safe subset; never runs scripts or `eval`."""

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        literal = timer_literal(expression)
        if literal is not None:
            return literal
        try:
            return _eval(check_condition(expression), dict(task.data))
        except (ValueError, NameError, TypeError) as exc:
            from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {exc}", task=task, exception=exc
            ) from None

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        raise SpiffWorkflowException("scripts are not supported")

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        return None


SAFE_ENGINE = SafeScriptEngine()


class PlatformServiceTask(ServiceTask):
    """A service task: a step of the platform itself, done as soon as it is reached."""

    def _run_hook(self, my_task: Any) -> bool:
        return True


class ProcessParser(BpmnParser):
    """SpiffWorkflow's parser with service tasks that complete on their own."""

    OVERRIDE_PARSER_CLASSES = {  # noqa: RUF012 - the library's extension point
        full_tag("serviceTask"): (TaskParser, PlatformServiceTask),
    }


# ---- parsing ------------------------------------------------------------------------------------


def _local(el: etree._Element) -> tuple[str | None, str]:
    q = etree.QName(el)
    return q.namespace, q.localname


def _label(el: etree._Element) -> str:
    ns, local = _local(el)
    tag = f"bpmn:{local}" if ns == BPMN_NS else str(el.tag)
    ident = el.get("id")
    return f"{tag} id={ident}" if ident else tag


def _where(el: etree._Element) -> str:
    """An element's label, or for an id-less one its label in its parent's."""
    if el.get("id"):
        return _label(el)
    parent = el.getparent()
    return f"{_label(el)} in {_label(parent)}" if parent is not None else _label(el)


def _problem(reason: str, code: str, line: int | None = None) -> FieldProblem:
    where = f" (line {line})" if line else ""
    return FieldProblem(FIELD, reason + where, None, code)


def _parse_xml(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            _problem(f"document is larger than {MAX_BYTES // 1_000_000} MB", "too_large")
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise InvalidInput(
            _problem(f"malformed XML at line {line}, column {column}: {exc.msg}", "malformed")
        ) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidInput(_problem("a DOCTYPE is not allowed in a BPMN document", "not_bpmn"))
    if _local(root) != (BPMN_NS, "definitions"):
        raise InvalidInput(
            _problem(f"the root element is {root.tag}, not bpmn:definitions of BPMN 2.0 "
                     f"({BPMN_NS})", "not_bpmn")
        )
    return root


def _check_elements(root: etree._Element) -> list[FieldProblem]:
    problems: list[FieldProblem] = []

    def visit(el: etree._Element) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            ns, local = _local(child)
            if ns in DIAGRAM_NS:
                continue
            if ns != BPMN_NS or local not in SUPPORTED:
                problems.append(_problem(f"{_where(child)} is not supported", "unsupported",
                                         child.sourceline))
                continue
            if local == "extensionElements":
                continue
            if local == "timerEventDefinition":
                host = _local(el)[1]
                if host not in TIMER_HOSTS:
                    problems.append(_problem(
                        f"{_where(child)} in {_label(el)} is not supported "
                        "(timers only on boundary and intermediate catch events)",
                        "unsupported", child.sourceline))
                    continue
            if local in TIMER_HOSTS and child.find(f"{{{BPMN_NS}}}timerEventDefinition") is None:
                problems.append(_problem(
                    f"{_label(child)} is not supported without a timer definition",
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
class _Graph:
    kinds: dict[str, str] = field(default_factory=dict)
    elements: dict[str, etree._Element] = field(default_factory=dict)
    out: dict[str, list[str]] = field(default_factory=dict)  # node -> flow ids
    into: dict[str, list[str]] = field(default_factory=dict)
    flows: dict[str, tuple[str, str]] = field(default_factory=dict)
    # host -> [(boundary event, whether it interrupts the host)]
    boundaries: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)

    def label(self, node: str) -> str:
        return _label(self.elements[node])

    def successors(self, node: str) -> list[str]:
        nxt = [self.flows[f][1] for f in self.out.get(node, [])]
        nxt += [b for b, _ in self.boundaries.get(node, [])]
        return nxt


def _graph(process: etree._Element) -> tuple[_Graph, list[FieldProblem]]:
    g = _Graph()
    problems: list[FieldProblem] = []
    for el in process:
        if not isinstance(el.tag, str):
            continue
        ns, local = _local(el)
        if ns == BPMN_NS and local in FLOW_NODES:
            ident = el.get("id")
            if not ident:
                problems.append(_problem(f"a bpmn:{local} has no id", "invalid", el.sourceline))
                continue
            if ident in RESERVED_IDS or ident.endswith(".EndJoin"):
                problems.append(_problem(
                    f"{_label(el)}: the id {ident!r} is reserved by the engine; rename it "
                    "(e.g. StartEvent_1)", "invalid", el.sourceline))
                continue
            g.kinds[ident] = local
            g.elements[ident] = el
    for el in process.iterchildren(f"{{{BPMN_NS}}}sequenceFlow"):
        fid, src, tgt = el.get("id", "?"), el.get("sourceRef"), el.get("targetRef")
        if src not in g.kinds or tgt not in g.kinds:
            problems.append(_problem(
                f"{_label(el)} connects {src!r} to {tgt!r}, which are not both elements of "
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
            problems.append(_problem(f"{_label(el)} must be attached to a user or service task",
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


def _unfinishable(reason: str, el: etree._Element) -> FieldProblem:
    return _problem(reason, "unfinishable", el.sourceline)


def _check_structure(g: _Graph) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    starts = [n for n, k in g.kinds.items() if k == "startEvent"]
    ends = [n for n, k in g.kinds.items() if k == "endEvent"]
    if len(starts) != 1:
        return [_problem(f"the process needs exactly one start event, it has {len(starts)}",
                         "unfinishable")]
    if not ends:
        return [_problem("the process has no end event, so it can never finish",
                         "unfinishable")]
    start = starts[0]
    if g.into.get(start):
        problems.append(_unfinishable(f"{g.label(start)} has incoming flows",
                                      g.elements[start]))
    for node, kind in g.kinds.items():
        el = g.elements[node]
        if kind == "endEvent":
            if g.out.get(node):
                problems.append(_unfinishable(f"{g.label(node)} has outgoing flows", el))
        elif not g.out.get(node):
            problems.append(_unfinishable(
                f"dead end: {g.label(node)} has no outgoing sequence flow, so the process "
                "can never finish", el))
    if problems:
        return problems
    from_start = _reachable([start], g.successors)
    if not (from_start & set(ends)):
        return [_unfinishable(
            f"no end event can be reached from {g.label(start)}, so the process can never "
            "finish", g.elements[start])]
    for node in g.kinds:
        if node not in from_start:
            problems.append(_unfinishable(
                f"{g.label(node)} can never be reached from {g.label(start)}",
                g.elements[node]))
    preds: dict[str, list[str]] = {}
    for node in g.kinds:
        for nxt in g.successors(node):
            preds.setdefault(nxt, []).append(node)
    to_end = _reachable(ends, lambda n: preds.get(n, []))
    for node in g.kinds:
        if node in from_start and node not in to_end:
            problems.append(_unfinishable(
                f"no end event can be reached from {g.label(node)}, so the process can "
                "never finish", g.elements[node]))
    return problems


def _check_conditions(g: _Graph) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for fid, (src, _tgt) in g.flows.items():
        el = g.elements[fid]
        cond = el.find(f"{{{BPMN_NS}}}conditionExpression")
        src_el = g.elements[src]
        is_default = src_el.get("default") == fid
        if cond is not None:
            if g.kinds[src] != "exclusiveGateway":
                problems.append(_problem(
                    f"the condition on {_label(el)} is not supported: conditions go only on "
                    "flows leaving an exclusive gateway", "unsupported", el.sourceline))
                continue
            try:
                check_condition(cond.text or "")
            except ValueError as exc:
                problems.append(_problem(
                    f"the condition {(cond.text or '').strip()!r} on {_label(el)} {exc}",
                    "invalid", cond.sourceline))
        elif (g.kinds[src] == "exclusiveGateway" and len(g.out.get(src, [])) > 1
              and not is_default):
            problems.append(_problem(
                f"{_label(el)} leaves {_label(src_el)} without a condition and is not its "
                "default flow", "invalid", el.sourceline))
    return problems


def _check_timers(g: _Graph) -> tuple[list[str], list[FieldProblem]]:
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
            problems.append(_problem(f"{_label(el)} needs one timeDuration or timeDate",
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
            problems.append(_problem(
                f"the {expected} {(exprs[0].text or '').strip()!r} of {_label(el)} is not an "
                f"ISO 8601 {'duration (e.g. P5D)' if expected == 'timeDuration' else 'date-time'}",
                "invalid", exprs[0].sourceline))
            continue
        timers.append(node)
    return timers, problems


def _token_game(g: _Graph) -> list[FieldProblem]:
    """Explore every run (each exclusive choice, each timer firing or not) for a deadlock."""
    start = next(n for n, k in g.kinds.items() if k == "startEvent")
    Tokens = tuple[tuple[str, int], ...]  # flow or "@node" / "@node!boundary" -> count

    def freeze(c: Counter[str]) -> Tokens:
        return tuple(sorted((k, v) for k, v in c.items() if v))

    def emit(c: Counter[str], node: str) -> None:
        for f in g.out.get(node, []):
            c[f] += 1

    def arrive(c: Counter[str], node: str) -> list[Counter[str]]:
        """A token reaches `node` (already consumed from its incoming flow)."""
        kind = g.kinds[node]
        if kind == "endEvent":
            return [c]
        if kind == "exclusiveGateway":
            outs = []
            for f in g.out.get(node, []):
                n = c.copy()
                n[f] += 1
                outs.append(n)
            return outs
        if kind in ACTIVITIES and g.boundaries.get(node):
            c[f"@{node}"] += 1
            return [c]
        emit(c, node)
        return [c]

    def moves(state: Tokens) -> list[Counter[str]]:
        c = Counter(dict(state))
        result: list[Counter[str]] = []
        for key, _count in state:
            if key.startswith("@"):
                node, _, fired = key[1:].partition("!")
                done = set(fired.split(",")) - {""}
                n = c.copy()
                n[key] -= 1
                emit(n, node)
                result.append(n)
                for b, interrupts in g.boundaries.get(node, []):
                    if b in done:
                        continue
                    n = c.copy()
                    if not interrupts:
                        n[key] -= 1
                        n["@" + node + "!" + ",".join(sorted(done | {b}))] += 1
                    else:
                        n[key] -= 1
                    emit(n, b)
                    result.append(n)
                continue
            node = g.flows[key][1]
            incoming = g.into.get(node, [])
            if g.kinds[node] == "parallelGateway" and len(incoming) > 1:
                if all(c[f] for f in incoming):
                    n = c.copy()
                    for f in incoming:
                        n[f] -= 1
                    emit(n, node)
                    result.append(n)
                continue
            n = c.copy()
            n[key] -= 1
            result.extend(arrive(n, node))
        return result

    first = Counter[str]()
    emit(first, start)
    seen: set[Tokens] = set()
    todo = [freeze(first)]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        if len(seen) > MAX_STATES or any(v > 3 for _, v in state):
            return []  # too large or unbounded to explore; the static checks stand
        if not state:
            continue
        nxt = moves(state)
        if not nxt:
            waiting = sorted({g.flows[k][1] for k, _ in state if not k.startswith("@")})
            joins = [n for n in waiting if g.kinds[n] == "parallelGateway"] or waiting
            return [_unfinishable(
                f"{g.label(joins[0])} can wait forever: on some path not all of its incoming "
                "flows get a token (are they alternatives of an exclusive gateway?), so the "
                "process can never finish", g.elements[joins[0]])]
        todo.extend(freeze(n) for n in nxt)
    return []


def _one_process(root: etree._Element) -> etree._Element:
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if len(processes) != 1:
        raise InvalidInput(_problem(
            f"the document must hold exactly one bpmn:process, it holds {len(processes)}",
            "unsupported"))
    process = processes[0]
    if not process.get("id"):
        raise InvalidInput(_problem("the bpmn:process has no id", "invalid", process.sourceline))
    return process


def _lanes(process: etree._Element) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for ref in process.iter(f"{{{BPMN_NS}}}flowNodeRef"):
        lane = ref.getparent()
        if ref.text and lane is not None:
            lanes[ref.text.strip()] = lane.get("name") or ""
    return lanes


def _tasks(g: _Graph, lanes: dict[str, str]) -> tuple[list[TaskDef], list[FieldProblem]]:
    tasks: list[TaskDef] = []
    problems: list[FieldProblem] = []
    for node, kind in g.kinds.items():
        if kind not in ACTIVITIES:
            continue
        el = g.elements[node]
        lane = lanes.get(node)
        dept = department_of_lane(lane)
        if kind == "userTask" and dept is None:
            reason = (f"{_label(el)} lies in no lane" if lane is None
                      else f"{_label(el)} lies in the lane {lane!r}, whose name holds no "
                      "department's unified social credit code")
            problems.append(_problem(
                reason + "; put each user task in a lane named with its department's "
                "18-character credit code, e.g. '苏州市市场监督管理局 11320500MB1J374274'",
                "no_department", el.sourceline))
        tasks.append(TaskDef(node, (el.get("name") or node).strip(), kind,
                             dept if kind == "userTask" else None, lane))
    return tasks, problems


def parse_process(xml: str | bytes) -> ProcessDef:
    """Check a BPMN document; return its process id, name, tasks and their departments."""
    return _check(xml)[0]


def load_spec(xml: str | bytes) -> BpmnProcessSpec:
    """SpiffWorkflow's executable spec of a document, after the same checks."""
    return _check(xml)[1]


def _check(xml: str | bytes) -> tuple[ProcessDef, BpmnProcessSpec]:
    root = _parse_xml(xml)
    problems = _check_elements(root)
    if problems:
        raise InvalidInput(problems)
    process = _one_process(root)
    g, problems = _graph(process)
    if problems:
        raise InvalidInput(problems)
    problems = _check_structure(g)
    if problems:
        raise InvalidInput(problems)
    timers, problems = _check_timers(g)
    problems += _check_conditions(g)
    tasks, task_problems = _tasks(g, _lanes(process))
    problems += task_problems
    if problems:
        raise InvalidInput(problems)
    problems = _token_game(g)
    if problems:
        raise InvalidInput(problems)
    spec = _spiff_spec(root, process.get("id", ""))  # what the engine runs must load too
    return ProcessDef(
        process_id=process.get("id", ""),
        name=(process.get("name") or process.get("id") or "").strip(),
        tasks=tuple(tasks),
        timers=tuple(timers),
    ), spec


def _spiff_spec(root: etree._Element, process_id: str) -> BpmnProcessSpec:
    parser = ProcessParser()
    try:
        parser.add_bpmn_xml(root)
        return parser.get_spec(process_id)
    except ValidationException as exc:
        where = f" ({exc.tag} id={exc.id})" if getattr(exc, "id", "") else ""
        line = exc.line_number if isinstance(exc.line_number, int) else None
        raise InvalidInput(_problem(f"{exc}{where}", "invalid", line)) from None
    except SpiffWorkflowException as exc:
        raise InvalidInput(_problem(str(exc), "invalid")) from None

