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


def blockers(xml: str) -> list[tuple[str, str | None, str | None, int | None]]:
    """(code, element, id, line) of what keeps a process from being published."""
    return [(b.code, b.element, b.id, b.line) for b in parse_process(xml).blockers]


def _between(element: str) -> str:
    """`element` (with id "X") put between Task_A and the end."""
    return linear().replace(
        '<bpmn:endEvent id="Done"/>', '<bpmn:endEvent id="Done"/>' + element).replace(
        flow("F2", "Task_A", "Done"), flow("F2", "Task_A", "X") + flow("F3", "X", "Done"))


@pytest.mark.parametrize("element, tag", [
    ('<bpmn:complexGateway id="X"/>', "bpmn:complexGateway"),
    ('<bpmn:scriptTask id="X"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
     "bpmn:scriptTask"),
    ('<bpmn:transaction id="X"><bpmn:startEvent id="S2"/><bpmn:endEvent id="E2"/>'
     + flow("G1", "S2", "E2") + "</bpmn:transaction>", "bpmn:transaction"),
    ('<bpmn:intermediateThrowEvent id="X"><bpmn:compensateEventDefinition/>'
     "</bpmn:intermediateThrowEvent>", "bpmn:intermediateThrowEvent"),
])
def test_what_cannot_run_is_kept_but_blocks_publishing_naming_element_id_and_line(element, tag):
    xml = _between(element)
    [(code, named, ident, line)] = blockers(xml)
    assert (code, named, ident) == ("unsupported", tag, "X")
    assert line == xml.splitlines().index(next(
        ln for ln in xml.splitlines() if 'id="X"' in ln)) + 1


@pytest.mark.parametrize("element", [
    '<bpmn:subProcess id="X" name="核查"/>',
    '<bpmn:inclusiveGateway id="X"/>',
    '<bpmn:sendTask id="X"/>',
    '<bpmn:task id="X"/>',
    '<bpmn:businessRuleTask id="X"/>',
    '<bpmn:manualTask id="X"/>',
    '<bpmn:intermediateCatchEvent id="X"><bpmn:messageEventDefinition/>'
    "</bpmn:intermediateCatchEvent>",
])
def test_elements_real_modelers_draw_are_accepted_and_run(element):
    assert blockers(_between(element)) == []


def test_descriptive_elements_are_ignored():
    xml = linear().replace(
        '<bpmn:userTask id="Task_A" name="审核"/>',
        '<bpmn:userTask id="Task_A" name="审核"><bpmn:documentation>看材料</bpmn:documentation>'
        '<bpmn:ioSpecification id="Io"><bpmn:dataInput id="In"/><bpmn:inputSet id="Is">'
        "<bpmn:dataInputRefs>In</bpmn:dataInputRefs></bpmn:inputSet></bpmn:ioSpecification>"
        '</bpmn:userTask><bpmn:dataObject id="Obj"/><bpmn:dataStoreReference id="Ref"/>'
        '<bpmn:textAnnotation id="Note"><bpmn:text>备注</bpmn:text></bpmn:textAnnotation>'
    ).replace("<bpmn:process ", '<bpmn:itemDefinition id="Item"/><bpmn:dataStore id="Store" '
              'name="库"/><bpmn:globalTask id="Global"/><bpmn:process ')
    made = parse_process(xml)
    assert made.blockers == () and [t.id for t in made.tasks] == ["Task_A"]


def test_a_start_event_with_a_message_or_timer_is_accepted():
    xml = linear().replace(
        '<bpmn:startEvent id="Begin"/>',
        '<bpmn:startEvent id="Begin"><bpmn:messageEventDefinition id="Msg_1"/></bpmn:startEvent>')
    assert blockers(xml) == []
    timed = linear().replace(
        '<bpmn:startEvent id="Begin"/>',
        '<bpmn:startEvent id="Begin"><bpmn:timerEventDefinition id="T1"><bpmn:timeDuration>'
        "P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>")
    assert parse_process(timed).timers == ("Begin",)


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


def test_a_user_task_outside_any_lane_belongs_to_the_process_lane():
    made = parse_process(linear().replace(lane(AMR, "Task_A"), ""))
    assert [(t.id, t.lane, t.department) for t in made.tasks] == [("Task_A", "测试事项", None)]
    assert made.lanes == ["测试事项"] and made.departments == []


def test_a_lane_without_a_credit_code_is_a_lane_to_map():
    made = parse_process(linear().replace(f"{AMR.name} {AMR.code}", "市场监管"))
    assert made.lanes == ["市场监管"] and made.departments == [] and made.blockers == ()


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
    [found] = parse_process(xml).blockers
    assert found.code == "invalid" and "outside the allowed subset" in found.reason
    assert (found.element, found.id) == ("bpmn:sequenceFlow", "F3")


def test_a_flow_out_of_an_exclusive_split_needs_a_condition():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:exclusiveGateway id="Gw"/>'
        '<bpmn:endEvent id="Done"/><bpmn:endEvent id="End2"/>'
        + flow("F1", "Begin", "Gw") + flow("F2", "Gw", "Done") + flow("F3", "Gw", "End2"),
    )
    [found] = parse_process(xml).blockers
    assert found.code == "invalid" and (found.element, found.id) == ("bpmn:exclusiveGateway", "Gw")
    assert "has 2 outgoing flows without a condition (F2, F3)" in found.reason
    one = xml.replace(flow("F3", "Gw", "End2"), flow("F3", "Gw", "End2", "urgent"))
    assert parse_process(one).blockers == ()  # the one flow without a condition is the default


def test_timers_take_iso_durations_with_or_without_quotes():
    assert parse_process(with_timer("PT1H")).timers == ("Timer_1",)
    assert parse_process(with_timer('"P5D"')).timers == ("Timer_1",)
    [found] = parse_process(with_timer("five days")).blockers
    assert found.code == "invalid" and "is not an ISO 8601 duration" in found.reason
    assert (found.element, found.id) == ("bpmn:boundaryEvent", "Timer_1")


def test_a_document_without_a_process_is_refused():
    xml = linear().split("<bpmn:process")[0] + "</bpmn:definitions>"
    assert problem(xml) == ("unsupported", "the document holds no bpmn:process (line 2)")


def test_a_doctype_is_refused_and_entities_never_resolved():
    xml = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + linear().split("\n", 1)[1].replace('name="审核"', 'name="&x;"'))
    code, reason = problem(xml)
    assert code == "not_bpmn" and "root:" not in reason
    inner = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "lol">]>'
             + linear().split("\n", 1)[1])
    assert problem(inner) == ("not_bpmn", "a DOCTYPE is not allowed in a BPMN document (its "
                                          "entities are never expanded nor fetched)")


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
