"""Reading BPMN documents: the supported subset, bad input named precisely, the demo processes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

from bpmn_helpers import AMR, PSB, TAX, doc, flow, lane, linear, with_timer
from govbridge.core.errors import InvalidInput
from govbridge.demo.departments import department
from govbridge.services.bpmn import parse_process
from govbridge.services.bpmn_checks import department_of_lane
from govbridge.services.bpmn_expressions import check_condition

PROCESSES = Path(__file__).resolve().parents[2] / "govbridge" / "services" / "processes"


def problem(xml: str) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_process(xml)
    first = caught.value.problems[0]
    assert first.field == "bpmn"
    return first.code, first.reason


def test_a_linear_process_names_its_department():
    made = parse_process(linear())
    assert made.process_id == "Process_1" and made.name == "测试事项"
    assert [(t.id, t.name, t.department) for t in made.tasks] == [("Task_A", "审核", AMR.code)]
    assert made.departments == [AMR.code]


def test_lane_names_carry_the_credit_code_as_a_word():
    assert department_of_lane(f"{AMR.name} {AMR.code}") == AMR.code
    assert department_of_lane(AMR.code) == AMR.code
    assert department_of_lane(AMR.name) is None
    assert department_of_lane(f"{AMR.name} {AMR.code[:-1]}0") is None  # wrong check character
    assert department_of_lane(None) is None


@pytest.mark.parametrize("element, label", [
    ('<bpmn:complexGateway id="Gateway_1"/>', "bpmn:complexGateway id=Gateway_1"),
    ('<bpmn:subProcess id="Sub_1"/>', "bpmn:subProcess id=Sub_1"),
    ('<bpmn:scriptTask id="Script_1"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
     "bpmn:scriptTask id=Script_1"),
    ('<bpmn:inclusiveGateway id="Gateway_2"/>', "bpmn:inclusiveGateway id=Gateway_2"),
    ('<bpmn:sendTask id="Send_1"/>', "bpmn:sendTask id=Send_1"),
])
def test_an_unsupported_element_is_named_with_its_id(element, label):
    xml = linear().replace('<bpmn:endEvent id="Done"/>', '<bpmn:endEvent id="Done"/>' + element)
    code, reason = problem(xml)
    assert code == "unsupported"
    assert reason.startswith(f"{label} is not supported")
    assert "(line " in reason


def test_an_event_definition_other_than_a_timer_is_named():
    xml = linear().replace(
        '<bpmn:startEvent id="Begin"/>',
        '<bpmn:startEvent id="Begin"><bpmn:messageEventDefinition id="Msg_1"/></bpmn:startEvent>')
    assert problem(xml) == ("unsupported", "bpmn:messageEventDefinition id=Msg_1 is not supported "
                                           "(line 5)")


def test_a_timer_start_event_is_refused():
    xml = linear().replace(
        '<bpmn:startEvent id="Begin"/>',
        '<bpmn:startEvent id="Begin"><bpmn:timerEventDefinition id="T1"><bpmn:timeDuration>'
        "P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>")
    code, reason = problem(xml)
    assert code == "unsupported"
    assert "bpmn:timerEventDefinition id=T1 in bpmn:startEvent id=Begin is not supported" in reason


def test_malformed_xml_gives_line_and_column():
    xml = linear().replace('<bpmn:endEvent id="Done"/>', '<bpmn:endEvent id="Done">')
    code, reason = problem(xml)
    assert code == "malformed"
    assert reason.startswith("malformed XML at line ")
    assert ", column " in reason


def test_a_document_that_is_not_bpmn_is_refused():
    assert problem("<html><body/></html>")[0] == "not_bpmn"


def test_no_end_event_reachable_from_the_start():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:userTask id="Task_A"/><bpmn:userTask id="Task_B"/>'
        '<bpmn:endEvent id="Done"/><bpmn:userTask id="Task_C"/>'
        + flow("F1", "Begin", "Task_A") + flow("F2", "Task_A", "Task_B")
        + flow("F3", "Task_B", "Task_A") + flow("F4", "Task_C", "Done"),
        lane(AMR, "Task_A", "Task_B", "Task_C"),
    )
    code, reason = problem(xml)
    assert code == "unfinishable"
    assert reason.startswith("no end event can be reached from bpmn:startEvent id=Begin")


def test_a_loop_without_an_exit_can_never_finish():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:userTask id="Task_A"/>'
        '<bpmn:exclusiveGateway id="Gw" default="F3"/><bpmn:userTask id="Task_B"/>'
        '<bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Task_A") + flow("F2", "Task_A", "Gw")
        + flow("F3", "Gw", "Task_B") + flow("F4", "Gw", "Done", 'decision == "approve"')
        + flow("F5", "Task_B", "Task_B"),
        lane(AMR, "Task_A", "Task_B"),
    )
    code, reason = problem(xml)
    assert code == "unfinishable"
    assert reason.startswith("no end event can be reached from bpmn:userTask id=Task_B")


def test_a_dead_end_task():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:parallelGateway id="Fork"/>'
        '<bpmn:userTask id="Task_A"/><bpmn:userTask id="Task_Dead"/><bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Fork") + flow("F2", "Fork", "Task_A")
        + flow("F3", "Fork", "Task_Dead") + flow("F4", "Task_A", "Done"),
        lane(AMR, "Task_A", "Task_Dead"),
    )
    code, reason = problem(xml)
    assert code == "unfinishable"
    assert reason.startswith("dead end: bpmn:userTask id=Task_Dead has no outgoing sequence flow")


def test_no_end_event_at_all():
    xml = doc('<bpmn:startEvent id="Begin"/><bpmn:userTask id="Task_A"/>'
              + flow("F1", "Begin", "Task_A"), lane(AMR, "Task_A"))
    assert problem(xml) == ("unfinishable",
                            "the process has no end event, so it can never finish")


def test_an_element_the_start_never_reaches():
    xml = linear().replace(
        '<bpmn:endEvent id="Done"/>',
        '<bpmn:endEvent id="Done"/><bpmn:userTask id="Orphan"/><bpmn:endEvent id="End2"/>'
        + flow("F9", "Orphan", "End2")).replace("</bpmn:lane>",
                                                "<bpmn:flowNodeRef>Orphan</bpmn:flowNodeRef>"
                                                "</bpmn:lane>")
    code, reason = problem(xml)
    assert code == "unfinishable"
    assert reason.startswith("bpmn:userTask id=Orphan can never be reached from "
                             "bpmn:startEvent id=Begin")


def test_a_parallel_join_fed_by_an_exclusive_split_waits_forever():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:userTask id="Review"/>'
        '<bpmn:exclusiveGateway id="Choice" default="F3"/>'
        '<bpmn:userTask id="Task_A"/><bpmn:userTask id="Task_B"/>'
        '<bpmn:parallelGateway id="Join_1"/><bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Review") + flow("F2", "Review", "Choice")
        + flow("F3", "Choice", "Task_A") + flow("F4", "Choice", "Task_B", 'decision == "refuse"')
        + flow("F5", "Task_A", "Join_1") + flow("F6", "Task_B", "Join_1")
        + flow("F7", "Join_1", "Done"),
        lane(AMR, "Review", "Task_A") + lane(TAX, "Task_B"),
    )
    code, reason = problem(xml)
    assert code == "unfinishable"
    assert reason.startswith("bpmn:parallelGateway id=Join_1 can wait forever")


def test_a_parallel_split_and_join_is_fine():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:parallelGateway id="Fork"/>'
        '<bpmn:userTask id="Task_A"/><bpmn:userTask id="Task_B"/>'
        '<bpmn:parallelGateway id="Join"/><bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Fork") + flow("F2", "Fork", "Task_A")
        + flow("F3", "Fork", "Task_B") + flow("F4", "Task_A", "Join")
        + flow("F5", "Task_B", "Join") + flow("F6", "Join", "Done"),
        lane(TAX, "Task_A") + lane(PSB, "Task_B"),
    )
    assert parse_process(xml).departments == [TAX.code, PSB.code]


def test_a_user_task_outside_any_lane_has_no_department():
    xml = linear().replace(lane(AMR, "Task_A"), "")
    code, reason = problem(xml)
    assert code == "no_department"
    assert reason.startswith("bpmn:userTask id=Task_A lies in no lane")


def test_a_lane_without_a_credit_code_is_refused():
    xml = linear().replace(f"{AMR.name} {AMR.code}", AMR.name)
    code, reason = problem(xml)
    assert code == "no_department"
    assert "whose name holds no department's unified social credit code" in reason


def test_conditions_are_a_safe_subset():
    check_condition('decision == "refuse" and not urgent')
    check_condition('kind in ("a", "b")')
    for bad in ('__import__("os").system("id")', "open('/etc/passwd')", "x.y", "_secret"):
        with pytest.raises(ValueError):
            check_condition(bad)
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:exclusiveGateway id="Gw" default="F2"/>'
        '<bpmn:endEvent id="Done"/><bpmn:endEvent id="End2"/>'
        + flow("F1", "Begin", "Gw") + flow("F2", "Gw", "Done")
        + flow("F3", "Gw", "End2", "__import__('os').getcwd()"),
    )
    code, reason = problem(xml)
    assert code == "invalid" and "outside the allowed subset" in reason


def test_a_flow_out_of_an_exclusive_split_needs_a_condition():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:exclusiveGateway id="Gw"/>'
        '<bpmn:endEvent id="Done"/><bpmn:endEvent id="End2"/>'
        + flow("F1", "Begin", "Gw") + flow("F2", "Gw", "Done") + flow("F3", "Gw", "End2"),
    )
    code, reason = problem(xml)
    assert code == "invalid"
    assert ("bpmn:sequenceFlow id=F2 leaves bpmn:exclusiveGateway id=Gw without a condition"
            in reason)


def test_timers_take_iso_durations_with_or_without_quotes():
    assert parse_process(with_timer("PT1H")).timers == ("Timer_1",)
    assert parse_process(with_timer('"P5D"')).timers == ("Timer_1",)
    code, reason = problem(with_timer("five days"))
    assert code == "invalid" and "is not an ISO 8601 duration" in reason


def test_one_process_per_document():
    xml = linear().replace("</bpmn:definitions>",
                           '<bpmn:process id="Process_2"/></bpmn:definitions>')
    assert problem(xml) == ("unsupported", "the document must hold exactly one bpmn:process, "
                                           "it holds 2")


def test_a_doctype_is_refused_and_entities_never_resolved():
    xml = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + linear().split("\n", 1)[1].replace('name="审核"', 'name="&x;"'))
    code, reason = problem(xml)
    assert code == "malformed" and "root:" not in reason
    inner = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "lol">]>'
             + linear().split("\n", 1)[1])
    assert problem(inner) == ("not_bpmn", "a DOCTYPE is not allowed in a BPMN document")


@pytest.mark.parametrize("filename, parallel", [
    ("enterprise_establishment.bpmn", {"tax", "psb", "hrss"}),
    ("newborn_birth.bpmn", {"hrss", "hsa"}),
    ("joint_completion_acceptance.bpmn", {"nrp", "housing", "fire"}),
])
def test_the_demo_processes_parse_with_diagrams(filename, parallel):
    xml = (PROCESSES / filename).read_text("utf-8")
    made = parse_process(xml)
    assert {department(k).code for k in parallel} <= set(made.departments)
    assert "<bpmndi:BPMNDiagram" in xml and "parallelGateway" in xml
    # every flow node and flow has a shape or an edge, so bpmn.io draws the whole process
    ids = set(re.findall(r'<bpmn:(?:\w+) id="([^"]+)"', xml))
    drawn = set(re.findall(r'bpmnElement="([^"]+)"', xml))
    skip = {i for i in ids if i.startswith(("LaneSet", "TimerEventDefinition", "Process_",
                                            "Collaboration"))}
    assert ids - skip <= drawn
    # and the file is valid against the BPMN 2.0 XML schema (SpiffWorkflow ships the XSD)
    BpmnValidator().validate(etree.fromstring(xml.encode("utf-8")))


def test_the_engines_own_ids_are_reserved():
    xml = linear().replace('"Begin"', '"Start"')
    code, reason = problem(xml)
    assert code == "invalid" and "the id 'Start' is reserved" in reason
