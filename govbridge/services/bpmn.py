"""Reading a BPMN 2.0 process drawn in a standard modeler (bpmn.io, Camunda Modeler). Pure: no I/O.

The front door of the BPMN import; the pieces are in their own modules: the XML checks
(`bpmn_checks`), the safe expressions (`bpmn_expressions`), the token game
(`bpmn_tokens`), the SpiffWorkflow adapter (`bpmn_spiff`) and the file's encoding
(`bpmn_text`).

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

from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.services.bpmn_checks import (
    ACTIVITIES,
    BPMN_NS,
    Graph,
    check_conditions,
    check_elements,
    check_structure,
    check_timers,
    department_of_lane,
    graph_of,
    label_of,
    one_process,
    parse_xml,
    problem,
)
from govbridge.services.bpmn_spiff import spiff_spec
from govbridge.services.bpmn_tokens import token_game


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


def _lanes(process: etree._Element) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for ref in process.iter(f"{{{BPMN_NS}}}flowNodeRef"):
        lane = ref.getparent()
        if ref.text and lane is not None:
            lanes[ref.text.strip()] = lane.get("name") or ""
    return lanes


def _tasks(g: Graph, lanes: dict[str, str]) -> tuple[list[TaskDef], list[FieldProblem]]:
    tasks: list[TaskDef] = []
    problems: list[FieldProblem] = []
    for node, kind in g.kinds.items():
        if kind not in ACTIVITIES:
            continue
        el = g.elements[node]
        lane = lanes.get(node)
        dept = department_of_lane(lane)
        if kind == "userTask" and dept is None:
            reason = (f"{label_of(el)} lies in no lane" if lane is None
                      else f"{label_of(el)} lies in the lane {lane!r}, whose name holds no "
                      "department's unified social credit code")
            problems.append(problem(
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
    root = parse_xml(xml)
    problems = check_elements(root)
    if problems:
        raise InvalidInput(problems)
    process = one_process(root)
    g, problems = graph_of(process)
    if problems:
        raise InvalidInput(problems)
    problems = check_structure(g)
    if problems:
        raise InvalidInput(problems)
    timers, problems = check_timers(g)
    problems += check_conditions(g)
    tasks, task_problems = _tasks(g, _lanes(process))
    problems += task_problems
    if problems:
        raise InvalidInput(problems)
    problems = token_game(g)
    if problems:
        raise InvalidInput(problems)
    spec = spiff_spec(root, process.get("id", ""))  # what the engine runs must load too
    return ProcessDef(
        process_id=process.get("id", ""),
        name=(process.get("name") or process.get("id") or "").strip(),
        tasks=tuple(tasks),
        timers=tuple(timers),
    ), spec
