"""Reading a BPMN 2.0 process drawn in any modeler (bpmn.io, Camunda, Signavio, ARIS,
Bizagi, Trisotech, Visio add-ins). Pure: no I/O.

The front door of the BPMN import; the pieces are in their own modules: the file's
encoding (`bpmn_text`), the XML and graph checks (`bpmn_checks`), the safe expressions
(`bpmn_expressions`), the token game (`bpmn_tokens`), the runnable form
(`bpmn_runnable`) and the SpiffWorkflow adapter (`bpmn_spiff`).

    bytes --bpmn_text--> text --parse_xml--> tree --checks--> refusals | ProcessDef
                                                  \\--runnable_copy--> SpiffWorkflow spec

`parse_process(xml)` returns what the platform keeps of a document (`ProcessDef`) or
raises `InvalidInput` with its *refusals*: not XML (line and column), not BPMN, a
DOCTYPE (so no entity is ever expanded, no external one fetched), no process, a graph
that can never finish. What the engine cannot run correctly as drawn (compensation,
transactions, complex gateways, ad-hoc sub-processes, scripts, conditions outside the
safe subset, ...) does not refuse the document: it is a *blocker* kept in
`ProcessDef.blockers`, and an item cannot be published while its process has one.
`check_document(bytes, name)` gives both, as the dict `govbridge service check-bpmn`
prints, and never raises.

Who does a user task: its lane (a lane drawn in a pool, else the pool, else the process;
see `bpmn_runnable`). `ProcessDef.lanes` are the lanes of user tasks; the item admin maps
each to a department (`usecases.map_lanes`), or the lane's name holds the department's
18-character unified social credit code as a word, e.g. "苏州市市场监督管理局
11320500MB1J374274", which maps it without asking. Service tasks and plain tasks outside
any lane are steps of the platform itself and need no department.

Conditions are a small, safe subset of Python on the case variables (names, constants,
comparisons, `and`/`or`/`not`, `in`), e.g. `decision == "refuse"`; the usual dialects'
wrappers (FEEL `= x`, JUEL `${x}`) are read. Timer durations are ISO 8601 (`P5D`,
`PT2H`). Nothing in a document is executed as code.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from govbridge.core.errors import InvalidInput
from govbridge.services.bpmn_checks import (
    BPMN_NS,
    FLOW_NODES,
    MAX_BYTES,
    PEOPLES_TASKS,
    TASKS,
    BpmnProblem,
    check_conditions,
    check_elements,
    check_structure,
    check_timers,
    department_of_lane,
    graph_of,
    is_collapsed,
    label_of,
    local_name,
    parse_xml,
    problem,
)
from govbridge.services.bpmn_runnable import runnable_copy, top_processes
from govbridge.services.bpmn_spiff import spiff_spec
from govbridge.services.bpmn_text import document_text
from govbridge.services.bpmn_tokens import token_game


@dataclass(frozen=True)
class TaskDef:
    id: str
    name: str
    kind: str  # "userTask" (a person of the lane's department) | "serviceTask" (the platform)
    department: str | None  # credit code in the lane's name; None for service tasks
    lane: str | None


@dataclass(frozen=True)
class ProcessDef:
    process_id: str
    name: str
    tasks: tuple[TaskDef, ...]
    timers: tuple[str, ...] = ()
    blockers: tuple[BpmnProblem, ...] = ()

    @property
    def departments(self) -> list[str]:
        """Credit codes named in the lanes of user tasks, in order of first appearance."""
        seen: dict[str, None] = {}
        for t in self.tasks:
            if t.department:
                seen.setdefault(t.department, None)
        return list(seen)

    @property
    def lanes(self) -> list[str]:
        """Lanes holding user tasks, in order of first appearance: each needs a department."""
        seen: dict[str, None] = {}
        for t in self.tasks:
            if t.kind == "userTask" and t.lane:
                seen.setdefault(t.lane, None)
        return list(seen)


def _tasks(original: etree._Element, runnable: etree._Element) -> list[TaskDef]:
    """Every task of the document, as the runnable copy runs it (who does it, which lane)."""
    lanes: dict[str, str] = {}
    for ref in runnable.iter(f"{{{BPMN_NS}}}flowNodeRef"):
        if ref.text:
            lanes[ref.text.strip()] = (ref.getparent().get("name") or "").strip()
    names = {el.get("id"): el for el in original.iter() if local_name(el) in TASKS
             or local_name(el) == "callActivity" or is_collapsed(el)}
    tasks: list[TaskDef] = []

    def visit(scope: etree._Element, lane: str | None) -> None:
        for el in scope:
            local, ident = local_name(el), el.get("id")
            if local == "subProcess":
                visit(el, lanes.get(ident or "", lane))
            elif local in TASKS and ident in names:
                own = lanes.get(ident, lane)
                person = local in PEOPLES_TASKS
                name = (names[ident].get("name") or ident).strip()
                tasks.append(TaskDef(ident, name, "userTask" if person else "serviceTask",
                                     department_of_lane(own) if person else None, own))

    for process in runnable.iter(f"{{{BPMN_NS}}}process"):
        visit(process, None)
    return tasks


def read_document(root: etree._Element) -> tuple[ProcessDef, etree._Element]:
    """A parsed document's `ProcessDef` and its runnable copy (with stand-ins for what
    blocks publishing, see `bpmn_runnable`), or InvalidInput with its refusals."""
    problems = check_elements(root)
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise InvalidInput(problem("the document holds no bpmn:process", "unsupported", root))
    held = {p.get("id") for p in processes}
    timers: list[str] = []
    graphs = []
    for scope in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess",
                           f"{{{BPMN_NS}}}transaction", f"{{{BPMN_NS}}}adHocSubProcess"):
        if is_collapsed(scope) or not any(local_name(c) in FLOW_NODES for c in scope):
            continue  # a black-box pool, or a sub-process drawn collapsed: runs as a task
        if local_name(scope) == "adHocSubProcess":
            continue  # its tasks have no flow; it is a blocker of its own
        g, graph_problems = graph_of(scope)
        problems += graph_problems or check_structure(g)
        problems += check_conditions(g)
        found, timer_problems = check_timers(g)
        timers += found
        problems += timer_problems
        graphs.append(g)
    for call in root.iter(f"{{{BPMN_NS}}}callActivity"):
        called = call.get("calledElement")
        if called not in held and not any(g.get("id") == called for g in root):
            problems.append(problem(
                f"{label_of(call)} calls {called!r}, which this document does not hold; the "
                "process is kept but cannot be published until the called process is in it",
                "unknown_call", call, blocks="publish"))
    refusals = [p for p in problems if p.blocks == "import"]
    if refusals:
        raise InvalidInput(refusals)
    if len(graphs) == 1 and not [p for p in problems if p.blocks == "publish"]:
        refusals = token_game(graphs[0])
        if refusals:
            raise InvalidInput(refusals)
    runnable = runnable_copy(root)
    tops = top_processes(root)
    main = next((p for p in processes if p.get("id") == (tops or [None])[0]), processes[0])
    definition = ProcessDef(
        process_id=main.get("id", ""),
        name=(main.get("name") or main.get("id") or "").strip(),
        tasks=tuple(_tasks(root, runnable)),
        timers=tuple(timers),
        blockers=tuple(p for p in problems if p.blocks == "publish"),
    )
    return definition, runnable


def parse_process(xml: str | bytes) -> ProcessDef:
    """Check a document; its process, tasks, lanes and blockers, or InvalidInput with its
    refusals. A document the engine cannot load gets that as a blocker too."""
    definition, runnable = read_document(parse_xml(xml))
    if definition.blockers:
        return definition
    try:
        spiff_spec(runnable)  # what the engine runs must load too
    except InvalidInput as exc:
        extra = tuple(p for p in exc.problems if isinstance(p, BpmnProblem))
        return ProcessDef(definition.process_id, definition.name, definition.tasks,
                          definition.timers, definition.blockers + extra)
    return definition


def load_spec(xml: str | bytes, lane_map: dict[str, str] | None = None,
              ) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """SpiffWorkflow's executable spec of a document and its sub-process specs, after the
    same checks; `lane_map` (lane name -> credit code) names each lane's department."""
    root = parse_xml(xml)
    read_document(root)
    return spiff_spec(runnable_copy(root, lane_map))


def check_document(data: bytes, name: str) -> dict[str, object]:
    """What `govbridge service check-bpmn` prints for one file; never raises on its bytes."""
    result: dict[str, object] = {"file": name, "accepted": False, "problems": [],
                                 "lanes": [], "tasks": 0}
    if len(data) > MAX_BYTES:
        result["problems"] = [problem(f"document is larger than {MAX_BYTES // 1_000_000} MB",
                                      "too_large").as_check()]
        return result
    try:
        definition = parse_process(document_text(data, name))
    except InvalidInput as exc:
        result["problems"] = [_shown(p) for p in exc.problems]
        return result
    except (ValueError, RecursionError, MemoryError) as exc:  # the last line of defence
        result["problems"] = [{"element": None, "id": None, "line": None,
                               "reason": f"cannot be read: {type(exc).__name__}"}]
        return result
    result.update(accepted=True, problems=[p.as_check() for p in definition.blockers],
                  lanes=definition.lanes, tasks=len(definition.tasks))
    return result


def _shown(p: object) -> dict[str, object]:
    if isinstance(p, BpmnProblem):
        return p.as_check()
    return {"element": None, "id": None, "line": None, "reason": getattr(p, "reason", str(p))}
