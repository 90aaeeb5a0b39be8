"""Small BPMN documents for the tests, written as a modeler saves them (DI left out)."""

from __future__ import annotations

from govbridge.demo.departments import department

AMR = department("amr")
TAX = department("tax")
PSB = department("psb")

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def lane(dept, *nodes: str, ident: str | None = None) -> str:
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    return (f'<bpmn:lane id="{ident or "Lane_" + dept.key}" name="{dept.name} {dept.code}">'
            f"{refs}</bpmn:lane>")


def doc(body: str, lanes: str = "", process_id: str = "Process_1", name: str = "测试事项") -> str:
    lane_set = f'<bpmn:laneSet id="LaneSet_1">{lanes}</bpmn:laneSet>' if lanes else ""
    return (f'{HEAD}<bpmn:process id="{process_id}" name="{name}" isExecutable="true">\n'
            f"{lane_set}\n{body}\n</bpmn:process>\n"
            '<bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" '
            f'bpmnElement="{process_id}"/></bpmndi:BPMNDiagram>\n</bpmn:definitions>\n')


def flow(ident: str, src: str, tgt: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{ident}" sourceRef="{src}" targetRef="{tgt}"/>'
    return (f'<bpmn:sequenceFlow id="{ident}" sourceRef="{src}" targetRef="{tgt}">'
            f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
            "</bpmn:conditionExpression></bpmn:sequenceFlow>")


def linear(task_name: str = "审核", dept=AMR) -> str:
    """Start → one user task → end."""
    return doc(
        '<bpmn:startEvent id="Begin"/>'
        f'<bpmn:userTask id="Task_A" name="{task_name}"/>'
        '<bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Task_A") + flow("F2", "Task_A", "Done"),
        lane(dept, "Task_A"),
    )


def with_timer(duration: str = "PT1H", interrupting: bool = True) -> str:
    """A task with a timer boundary event leading to its own end ("Escalated")."""
    cancel = "" if interrupting else ' cancelActivity="false"'
    return doc(
        '<bpmn:startEvent id="Begin"/>'
        '<bpmn:userTask id="Task_A" name="审核"/>'
        f'<bpmn:boundaryEvent id="Timer_1" name="超时"{cancel} attachedToRef="Task_A">'
        '<bpmn:timerEventDefinition id="TED_1"><bpmn:timeDuration '
        f'xsi:type="bpmn:tFormalExpression">{duration}</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:serviceTask id="Remind" name="催办"/>'
        '<bpmn:endEvent id="Done"/><bpmn:endEvent id="Escalated"/>'
        + flow("F1", "Begin", "Task_A") + flow("F2", "Task_A", "Done")
        + flow("F3", "Timer_1", "Remind") + flow("F4", "Remind", "Escalated"),
        lane(AMR, "Task_A", "Timer_1", "Remind"),
    )
