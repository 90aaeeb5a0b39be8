"""What a cross-department process needs, run by the platform's engine (`ProcessRun`):
sub-processes and call activities with their own lanes, inclusive and event-based
gateways, boundary events, messages between pools, signals, multi-instance tasks and
intermediate timers. Departments come from lanes and pools, mapped or by credit code."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bpmn_helpers import AMR, HEAD, PSB, TAX, doc, flow, lane
from govbridge.core.errors import Conflict
from govbridge.services.bpmn import parse_process
from govbridge.services.engine import ProcessRun


def reload(run: ProcessRun) -> ProcessRun:
    return ProcessRun.from_json(run.to_json())


def ready(run: ProcessRun) -> list[tuple[str, str | None]]:
    return sorted((t.bpmn_id, t.department) for t in run.ready_tasks())


def complete(run: ProcessRun, bpmn_id: str, decision: str = "approve", **data) -> ProcessRun:
    task = next(t for t in run.ready_tasks() if t.bpmn_id == bpmn_id)
    run.complete(task.id, decision, data)  # type: ignore[arg-type]
    return reload(run)  # every step survives being stored


def _message(ident: str, name: str) -> str:
    return f'<bpmn:message id="{ident}" name="{name}"/>'


def test_sub_process_and_call_activity_with_their_own_lanes():
    called = ('<bpmn:process id="Tax_Check" name="税务核查">'
              f'<bpmn:laneSet id="LS2">{lane(TAX, "Check", ident="Lane_T")}</bpmn:laneSet>'
              '<bpmn:startEvent id="S2"/><bpmn:userTask id="Check" name="核查"/>'
              '<bpmn:endEvent id="E2"/>' + flow("G1", "S2", "Check") + flow("G2", "Check", "E2")
              + "</bpmn:process>")
    xml = doc(
        '<bpmn:startEvent id="Begin"/>'
        '<bpmn:subProcess id="Sub" name="受理"><bpmn:startEvent id="S1"/>'
        '<bpmn:userTask id="Accept" name="受理"/><bpmn:endEvent id="E1"/>'
        + flow("H1", "S1", "Accept") + flow("H2", "Accept", "E1") + "</bpmn:subProcess>"
        '<bpmn:callActivity id="Call" calledElement="Tax_Check"/><bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Sub") + flow("F2", "Sub", "Call") + flow("F3", "Call", "Done"),
        lane(AMR, "Sub", "Call"),
    ).replace("</bpmn:definitions>", called + "</bpmn:definitions>")
    made = parse_process(xml)
    assert made.blockers == () and made.process_id == "Process_1"
    assert [(t.id, t.department) for t in made.tasks] == [("Accept", AMR.code),
                                                           ("Check", TAX.code)]
    run = ProcessRun.start(xml)
    assert ready(run) == [("Accept", AMR.code)]
    run = complete(run, "Accept")
    assert ready(run) == [("Check", TAX.code)]
    run = complete(run, "Check")
    assert run.finished and "Done" in run.end_events()


def _inclusive() -> str:
    return doc(
        '<bpmn:startEvent id="Begin"/><bpmn:userTask id="Review"/>'
        '<bpmn:inclusiveGateway id="Split" default="F5"/><bpmn:userTask id="Tax"/>'
        '<bpmn:userTask id="Police"/><bpmn:inclusiveGateway id="Join"/>'
        '<bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Review") + flow("F2", "Review", "Split")
        + flow("F3", "Split", "Tax", "amount > 10") + flow("F4", "Split", "Police", "urgent")
        + flow("F5", "Split", "Join") + flow("F6", "Tax", "Join") + flow("F7", "Police", "Join")
        + flow("F8", "Join", "Done"),
        lane(AMR, "Review") + lane(TAX, "Tax") + lane(PSB, "Police"),
    )


@pytest.mark.parametrize("data, branches", [
    ({"amount": 20, "urgent": False}, [("Tax", TAX.code)]),
    ({"amount": 20, "urgent": True}, [("Police", PSB.code), ("Tax", TAX.code)]),
    ({"amount": 1, "urgent": False}, []),
])
def test_an_inclusive_gateway_takes_every_flow_whose_condition_holds(data, branches):
    run = ProcessRun.start(_inclusive(), data)
    run = complete(run, "Review")
    assert ready(run) == branches
    for bpmn_id, _ in branches:
        assert not run.finished  # the join waits for every branch taken
        run = complete(run, bpmn_id)
    assert run.finished


def _event_based() -> str:
    return (doc(
        '<bpmn:startEvent id="Begin"/><bpmn:userTask id="Ask"/>'
        '<bpmn:eventBasedGateway id="Wait"/>'
        '<bpmn:intermediateCatchEvent id="Got"><bpmn:messageEventDefinition messageRef="M1"/>'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:intermediateCatchEvent id="Late"><bpmn:timerEventDefinition><bpmn:timeDuration>'
        "P5D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:userTask id="Recheck"/><bpmn:endEvent id="Done"/><bpmn:endEvent id="Lapsed"/>'
        + flow("F1", "Begin", "Ask") + flow("F2", "Ask", "Wait") + flow("F3", "Wait", "Got")
        + flow("F4", "Wait", "Late") + flow("F5", "Got", "Recheck")
        + flow("F6", "Recheck", "Done") + flow("F7", "Late", "Lapsed"),
        lane(AMR, "Ask", "Recheck"),
    ).replace("<bpmn:process ", _message("M1", "补正材料") + "<bpmn:process "))


def test_an_event_based_gateway_goes_the_way_of_the_first_event(clock):
    run = complete(ProcessRun.start(_event_based()), "Ask")
    assert run.waiting_messages() == ["补正材料"]
    with pytest.raises(Conflict, match="waits for no message '撤回'"):
        run.receive("撤回")
    run.receive("补正材料", {"pages": 3})
    assert ready(run) == [("Recheck", AMR.code)]
    assert complete(run, "Recheck").finished

    late = complete(ProcessRun.start(_event_based()), "Ask")
    clock.offset = timedelta(days=6)
    assert late.fire_timers() == 1
    assert late.finished and late.end_events() == ["Lapsed"]


def _boundaries() -> str:
    sub = ('<bpmn:subProcess id="Sub"><bpmn:startEvent id="S1"/><bpmn:userTask id="Check"/>'
           '<bpmn:exclusiveGateway id="Ok" default="H3"/>'
           '<bpmn:intermediateThrowEvent id="Tell"><bpmn:escalationEventDefinition '
           'escalationRef="Esc"/></bpmn:intermediateThrowEvent>'
           '<bpmn:endEvent id="E1"/><bpmn:endEvent id="Fail"><bpmn:errorEventDefinition '
           'errorRef="Err"/></bpmn:endEvent>'
           + flow("H1", "S1", "Check") + flow("H2", "Check", "Ok") + flow("H3", "Ok", "Tell")
           + flow("H4", "Ok", "Fail", 'decision == "refuse"') + flow("H5", "Tell", "E1")
           + "</bpmn:subProcess>")
    return doc(
        '<bpmn:startEvent id="Begin"/>' + sub
        + '<bpmn:boundaryEvent id="OnError" attachedToRef="Sub"><bpmn:errorEventDefinition '
        'errorRef="Err"/></bpmn:boundaryEvent>'
        '<bpmn:boundaryEvent id="OnEscalation" attachedToRef="Sub" cancelActivity="false">'
        '<bpmn:escalationEventDefinition escalationRef="Esc"/></bpmn:boundaryEvent>'
        '<bpmn:serviceTask id="Notify"/><bpmn:userTask id="Sign"/>'
        '<bpmn:boundaryEvent id="Withdraw" attachedToRef="Sign"><bpmn:messageEventDefinition '
        'messageRef="M2"/></bpmn:boundaryEvent>'
        '<bpmn:endEvent id="Done"/><bpmn:endEvent id="Failed"/><bpmn:endEvent id="Told"/>'
        '<bpmn:endEvent id="Withdrawn"/>'
        + flow("F1", "Begin", "Sub") + flow("F2", "Sub", "Sign") + flow("F3", "Sign", "Done")
        + flow("F4", "OnError", "Failed") + flow("F5", "OnEscalation", "Notify")
        + flow("F6", "Notify", "Told") + flow("F7", "Withdraw", "Withdrawn"),
        lane(AMR, "Sub", "Sign"),
    ).replace("<bpmn:process ", '<bpmn:error id="Err" name="refused" errorCode="R"/>'
              '<bpmn:escalation id="Esc" name="told" escalationCode="T"/>'
              + _message("M2", "撤回") + "<bpmn:process ")


def test_boundary_events_error_escalation_and_message():
    refused = complete(ProcessRun.start(_boundaries()), "Check", "refuse")
    assert refused.finished  # the error ends the sub-process and leaves by its boundary
    assert "Failed" in refused.end_events() and "Done" not in refused.end_events()

    run = complete(ProcessRun.start(_boundaries()), "Check")
    assert "Told" in run.end_events()  # the escalation does not interrupt
    assert ready(run) == [("Sign", AMR.code)]
    run.receive("撤回")  # the message interrupts the task it is attached to
    assert run.finished and "Withdrawn" in run.end_events() and "Done" not in run.end_events()


def _pools() -> str:
    amr = ('<bpmn:process id="P_AMR" isExecutable="true"><bpmn:startEvent id="S1"/>'
           '<bpmn:userTask id="Register" name="登记"/>'
           '<bpmn:sendTask id="Hand" messageRef="M3"/><bpmn:endEvent id="E1"/>'
           + flow("F1", "S1", "Register") + flow("F2", "Register", "Hand")
           + flow("F3", "Hand", "E1") + "</bpmn:process>")
    tax = ('<bpmn:process id="P_TAX" isExecutable="true"><bpmn:startEvent id="S2">'
           '<bpmn:messageEventDefinition/></bpmn:startEvent>'
           '<bpmn:userTask id="Tax" name="税务登记"/><bpmn:endEvent id="E2"/>'
           + flow("G1", "S2", "Tax") + flow("G2", "Tax", "E2") + "</bpmn:process>")
    return (f'{HEAD}<bpmn:message id="M3" name="转办"/><bpmn:collaboration id="C1">'
            f'<bpmn:participant id="Pool_AMR" name="{AMR.name} {AMR.code}" processRef="P_AMR"/>'
            '<bpmn:participant id="Pool_TAX" name="税务" processRef="P_TAX"/>'
            '<bpmn:messageFlow id="MF" sourceRef="Hand" targetRef="S2"/></bpmn:collaboration>'
            f"{amr}{tax}</bpmn:definitions>")


def test_a_pool_per_department_with_a_message_between_them():
    made = parse_process(_pools())
    assert made.blockers == () and made.lanes == [f"{AMR.name} {AMR.code}", "税务"]
    assert made.departments == [AMR.code]  # "税务" is mapped by the item admin
    run = ProcessRun.start(_pools(), lane_map={"税务": TAX.code})
    assert ready(run) == [("Register", AMR.code)]
    run = complete(run, "Register")
    assert ready(run) == [("Tax", TAX.code)]
    assert complete(run, "Tax").finished


def test_a_signal_lets_a_waiting_branch_go_on():
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:parallelGateway id="Fork"/>'
        '<bpmn:userTask id="Pay"/><bpmn:intermediateThrowEvent id="Paid">'
        '<bpmn:signalEventDefinition signalRef="Sig"/></bpmn:intermediateThrowEvent>'
        '<bpmn:intermediateCatchEvent id="WaitPaid"><bpmn:signalEventDefinition '
        'signalRef="Sig"/></bpmn:intermediateCatchEvent><bpmn:userTask id="Issue"/>'
        '<bpmn:parallelGateway id="Join"/><bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Fork") + flow("F2", "Fork", "Pay") + flow("F3", "Pay", "Paid")
        + flow("F4", "Paid", "Join") + flow("F5", "Fork", "WaitPaid")
        + flow("F6", "WaitPaid", "Issue") + flow("F7", "Issue", "Join")
        + flow("F8", "Join", "Done"),
        lane(TAX, "Pay") + lane(AMR, "Issue"),
    ).replace("<bpmn:process ", '<bpmn:signal id="Sig" name="已缴费"/><bpmn:process ')
    run = ProcessRun.start(xml)
    assert ready(run) == [("Pay", TAX.code)]
    run = complete(run, "Pay")
    assert ready(run) == [("Issue", AMR.code)]
    assert complete(run, "Issue").finished


@pytest.mark.parametrize("sequential", [False, True])
def test_one_approval_per_co_owner(sequential):
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:userTask id="Owner" name="共有人确认">'
        f'<bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}">'
        "<bpmn:loopDataInputRef>co_owners</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="co_owner" name="co_owner"/>'
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask><bpmn:endEvent id=\"Done\"/>"
        + flow("F1", "Begin", "Owner") + flow("F2", "Owner", "Done"),
        lane(AMR, "Owner"),
    )
    assert parse_process(xml).blockers == ()
    run = ProcessRun.start(xml, {"co_owners": ["甲", "乙", "丙"]})
    for left in (3, 2, 1):
        assert len(run.ready_tasks()) == (1 if sequential else left)
        run = complete(run, "Owner")
    assert run.finished


def test_an_intermediate_timer_waits_its_time(clock):
    xml = doc(
        '<bpmn:startEvent id="Begin"/><bpmn:intermediateCatchEvent id="Cool">'
        "<bpmn:timerEventDefinition><bpmn:timeDuration>P3D</bpmn:timeDuration>"
        '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:userTask id="Go"/>'
        '<bpmn:endEvent id="Done"/>'
        + flow("F1", "Begin", "Cool") + flow("F2", "Cool", "Go") + flow("F3", "Go", "Done"),
        lane(AMR, "Go"),
    )
    run = ProcessRun.start(xml)
    assert ready(run) == [] and [t.bpmn_id for t in run.waiting_timers()] == ["Cool"]
    assert run.fire_timers() == 0
    clock.offset = timedelta(days=4)
    run = reload(run)
    assert run.fire_timers() == 1
    assert ready(run) == [("Go", AMR.code)]
