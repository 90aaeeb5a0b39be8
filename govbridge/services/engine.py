"""Running a service item's process: a thin wrapper over SpiffWorkflow. Pure: no I/O.

A `ProcessRun` starts from a version's BPMN XML (sub-processes, called processes and every
pool of a collaboration run with it), lists the user tasks that are ready
(each with the department of its lane), completes them with a decision and data, fires
due timers, and serialises to JSON. The JSON holds the process definition itself, so a
run restored from it keeps the version it started on whatever is imported later.

Decisions: completing a task sets the case variable `decision` to "approve", "return"
or "refuse"; the process's exclusive gateways route on it (`decision == "refuse"`).

Timers fire only when `fire_timers()` is called (SpiffWorkflow 3.2's `refresh_timers()`,
which its deprecated `refresh_waiting_tasks()` calls): the scheduler that calls it belongs
to the application.
SpiffWorkflow reads the wall clock (UTC) to decide whether a timer is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.services.bpmn import load_spec
from govbridge.services.bpmn_checks import department_of_lane
from govbridge.services.bpmn_spiff import SAFE_ENGINE, PlatformServiceTask

Decision = Literal["approve", "return", "refuse"]
CLAIM = "_claimed_by"
DECISIONS: tuple[str, ...] = ("approve", "return", "refuse")
# Names a caller may not set through task data.
RESERVED = frozenset({"decision", CLAIM})

_SERIALIZER = BpmnWorkflowSerializer(
    BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, PlatformServiceTask: BpmnTaskSpecConverter})
)


@dataclass(frozen=True)
class ReadyTask:
    id: str  # this task instance (UUID)
    bpmn_id: str
    name: str
    department: str | None  # credit code from the lane's name
    lane: str | None
    claimed_by: str | None = None  # who took the task on (kept in the task's data)


@dataclass(frozen=True)
class WaitingTimer:
    bpmn_id: str
    name: str
    due: str | None  # ISO date-time once the timer has been armed


def _events(spec: Any) -> list[Any]:
    """The event definitions a waiting task waits for: its own, or each of a multiple one
    (an event-based gateway waits for the events that follow it)."""
    event = getattr(spec, "event_definition", None)
    if event is None:
        return []
    return list(getattr(event, "event_definitions", None) or [event])


class ProcessRun:
    """One running instance of a process definition."""

    def __init__(self, workflow: BpmnWorkflow) -> None:
        self.workflow = workflow
        self.workflow.script_engine = SAFE_ENGINE

    # ---- life cycle -------------------------------------------------------------------------

    @classmethod
    def start(cls, xml: str | bytes, data: dict[str, Any] | None = None,
              lane_map: dict[str, str] | None = None) -> ProcessRun:
        """Start the (checked) process; runs until the first user tasks or timers.

        `lane_map` (lane name -> credit code) names the department of each lane whose name
        does not hold its credit code; the run keeps it whatever is mapped later."""
        return cls.start_loaded(load_spec(xml, lane_map), data)

    @classmethod
    def start_loaded(cls, loaded: tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]],
                     data: dict[str, Any] | None = None) -> ProcessRun:
        """Start a run from a spec `load_spec` made before (it may start many runs: a run
        reads its spec, never changes it); as `start`."""
        spec, subprocesses = loaded
        run = cls(BpmnWorkflow(spec, subprocesses, script_engine=SAFE_ENGINE))
        if data:
            run.workflow.data.update(data)
            for task in run.workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
        run._advance()
        return run

    def _advance(self) -> None:
        try:
            self.workflow.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise Conflict(f"the process cannot go on: {exc}") from None

    @property
    def finished(self) -> bool:
        return bool(self.workflow.is_completed())

    def end_events(self) -> list[str]:
        """BPMN ids of the end events reached so far (e.g. a refusal's end)."""
        return [
            t.task_spec.bpmn_id
            for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(t.task_spec, EndEvent)
        ]

    def completed_service_tasks(self) -> list[ReadyTask]:
        """Service tasks the run has passed through (each with its lane's department): the
        application acts on them, e.g. issues a certificate, once per case."""
        return [
            ReadyTask(
                id=str(t.id),
                bpmn_id=t.task_spec.bpmn_id,
                name=t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                department=department_of_lane(t.task_spec.lane),
                lane=t.task_spec.lane,
            )
            for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(t.task_spec, PlatformServiceTask)
        ]

    # ---- tasks ------------------------------------------------------------------------------

    def ready_tasks(self) -> list[ReadyTask]:
        return [
            ReadyTask(
                id=str(t.id),
                bpmn_id=t.task_spec.bpmn_id,
                name=t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                department=department_of_lane(t.task_spec.lane),
                lane=t.task_spec.lane,
                claimed_by=t.data.get(CLAIM),
            )
            for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
        ]

    def claim(self, task_id: str, who: str | None) -> None:
        """Mark a ready task as taken on by `who` (None: released)."""
        ready = {str(t.id): t for t in self.workflow.get_tasks(state=TaskState.READY,
                                                                 manual=True)}
        task = ready.get(str(task_id))
        if task is None:
            raise NotFound("ready task", task_id)
        if who is None:
            task.data.pop(CLAIM, None)
        else:
            task.data[CLAIM] = who

    def complete(self, task_id: str, decision: Decision = "approve",
                 data: dict[str, Any] | None = None) -> None:
        """Complete a ready user task with a decision and optional data, then run on."""
        if decision not in DECISIONS:
            raise InvalidInput.one("decision", f"must be one of {', '.join(DECISIONS)}",
                                   decision)
        clash = RESERVED & set(data or {})
        if clash:
            raise InvalidInput.one("data", "these names are reserved", ", ".join(sorted(clash)))
        ready = {str(t.id): t for t in self.workflow.get_tasks(state=TaskState.READY,
                                                                 manual=True)}
        task = ready.get(str(task_id))
        if task is None:
            raise NotFound("ready task", task_id)
        task.data.update(data or {})
        task.data.pop(CLAIM, None)  # not a process variable: must not flow on to later tasks
        task.data["decision"] = decision
        # One instance of a multi-instance task: its item (e.g. the co-owner) is its own,
        # and must not flow back to where the next instance is made from.
        item = getattr(task.parent.task_spec, "input_item", None) if task.parent else None
        if item is not None:
            task.data.pop(item.bpmn_id, None)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise Conflict(f"task {task.task_spec.bpmn_id} cannot be completed: {exc}") from None
        self._advance()

    # ---- timers -----------------------------------------------------------------------------

    def waiting_timers(self) -> list[WaitingTimer]:
        out: list[WaitingTimer] = []
        for t in self.workflow.get_tasks(state=TaskState.WAITING):
            if not any(isinstance(e, TimerEventDefinition) for e in _events(t.task_spec)):
                continue
            out.append(WaitingTimer(t.task_spec.bpmn_id, t.task_spec.bpmn_name or "",
                                    t._get_internal_data("event_value")))
        return out

    def fire_timers(self) -> int:
        """Fire every due timer and run on; returns how many timers fired."""
        before = {w.bpmn_id for w in self.waiting_timers()}
        self.workflow.refresh_timers()
        self._advance()
        after = {w.bpmn_id for w in self.waiting_timers()}
        return len(before - after)

    # ---- messages ---------------------------------------------------------------------------

    def waiting_messages(self) -> list[str]:
        """Names of the messages the run waits for from outside (e.g. a supplement of the
        applicant); messages between the process's own pools are delivered by the engine."""
        names: dict[str, None] = {}
        for t in self.workflow.get_tasks(state=TaskState.WAITING):
            for event in _events(t.task_spec):
                if isinstance(event, MessageEventDefinition) and event.name:
                    names.setdefault(event.name, None)
        return list(names)

    def receive(self, message: str, data: dict[str, Any] | None = None) -> None:
        """Deliver a message by its name to what waits for it, then run on."""
        if message not in self.waiting_messages():
            raise Conflict(f"the process waits for no message {message!r} (it waits for: "
                           f"{', '.join(self.waiting_messages()) or 'none'})", "message",
                           message)
        self.workflow.catch(BpmnEvent(MessageEventDefinition(message), dict(data or {})))
        self._advance()

    # ---- the diagram ------------------------------------------------------------------------

    def step_marks(self) -> dict[str, str]:
        """Each step's mark for the drawn process (`bpmn_diagram.render_svg`), by bpmn id:
        "finished", "current" (ready, or waiting for a timer, a message or a join) or
        "waiting" (still ahead). A step done and reached again is current."""
        marks: dict[str, str] = {}
        for state, mark in ((TaskState.FUTURE | TaskState.PREDICTED_MASK, "waiting"),
                            (TaskState.COMPLETED, "finished"),
                            (TaskState.WAITING | TaskState.READY | TaskState.STARTED,
                             "current")):
            for t in self.workflow.get_tasks(state=state):
                if t.task_spec.bpmn_id:
                    marks[t.task_spec.bpmn_id] = mark
        return marks

    # ---- state ------------------------------------------------------------------------------

    @property
    def variables(self) -> dict[str, Any]:
        return dict(self.workflow.data)

    def to_json(self) -> str:
        return str(_SERIALIZER.serialize_json(self.workflow))

    @classmethod
    def from_json(cls, state: str) -> ProcessRun:
        return cls(_SERIALIZER.deserialize_json(state))
