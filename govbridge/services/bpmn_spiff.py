"""The adapter to SpiffWorkflow: what the engine runs of a checked BPMN document.

SpiffWorkflow's parser with service tasks that complete on their own (steps of the platform
itself; `bpmn_runnable` makes every pass-through step one), and a script engine that
evaluates conditions and timers with the safe subset of
`bpmn_expressions` - it never runs a script or `eval`. `spiff_spec` turns a checked
document into the executable spec; what the library still refuses is an `InvalidInput`
on the field "bpmn" like every other problem.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from govbridge.core.errors import InvalidInput
from govbridge.services.bpmn_checks import problem
from govbridge.services.bpmn_expressions import check_condition, evaluate_condition, timer_literal
from govbridge.services.bpmn_runnable import top_processes


class SafeScriptEngine(PythonScriptEngine):
    """Evaluates conditions with the safe subset; never runs scripts or `eval`."""

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        literal = timer_literal(expression)
        if literal is not None:
            return literal
        try:
            return evaluate_condition(check_condition(expression), dict(task.data))
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


Specs = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]


def spiff_spec(runnable: etree._Element) -> Specs:
    """The executable spec of a document's runnable copy (`bpmn_runnable`) and the specs of
    its sub-processes and called processes: one process, or every pool of a collaboration."""
    parser = ProcessParser()
    try:
        parser.add_bpmn_xml(runnable)
        if parser.collaborations:
            return parser.get_collaboration(next(iter(parser.collaborations)))
        top = top_processes(runnable)[0]
        return parser.get_spec(top), parser.get_subprocess_specs(top)
    except ValidationException as exc:
        where = f" ({exc.tag} id={exc.id})" if getattr(exc, "id", "") else ""
        line = exc.line_number if isinstance(exc.line_number, int) else None
        raise InvalidInput(problem(f"the engine cannot load it: {exc}{where}", "engine",
                                   line, blocks="publish")) from None
    except (SpiffWorkflowException, NotImplementedError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(problem(f"the engine cannot load it: {exc}", "engine",
                                   blocks="publish")) from None
