"""Running processes: the demo matters end to end, decisions, timers, state as JSON."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bpmn_helpers import AMR, linear, with_timer
from govbridge.core.errors import InvalidInput, NotFound
from govbridge.demo.departments import department
from govbridge.services.engine import ProcessRun

PROCESSES = Path(__file__).resolve().parents[2] / "govbridge" / "services" / "processes"


def xml_of(name: str) -> str:
    return (PROCESSES / name).read_text("utf-8")


def codes(*keys: str) -> set[str]:
    return {department(k).code for k in keys}


def reload(run: ProcessRun) -> ProcessRun:
    state = run.to_json()
    json.loads(state)  # plain JSON, storable in a column
    return ProcessRun.from_json(state)


def finish_in_order(run: ProcessRun, order: tuple[str, ...]) -> None:
    """Complete the ready tasks whose BPMN ids come in `order`, reloading after each step."""
    for bpmn_id in order:
        ready = {t.bpmn_id: t for t in run.ready_tasks()}
        assert bpmn_id in ready, (bpmn_id, sorted(ready))
        run.complete(ready[bpmn_id].id, "approve")
        run = reload(run)


PARALLEL_ENTERPRISE = ("Activity_TaxSetup", "Activity_SealFiling", "Activity_SocialInsurance")


@pytest.mark.parametrize("order", list(itertools.permutations(PARALLEL_ENTERPRISE)))
def test_enterprise_establishment_runs_tax_seal_and_social_insurance_in_parallel(order):
    run = ProcessRun.start(xml_of("enterprise_establishment.bpmn"))
    [review] = run.ready_tasks()
    assert review.bpmn_id == "Activity_AmrReview" and review.department == department("amr").code
    run.complete(review.id, "approve")
    run = reload(run)
    ready = run.ready_tasks()
    assert {t.bpmn_id for t in ready} == set(PARALLEL_ENTERPRISE)
    assert {t.department for t in ready} == codes("tax", "psb", "hrss")
    for bpmn_id in order:
        assert not run.finished
        task = next(t for t in run.ready_tasks() if t.bpmn_id == bpmn_id)
        run.complete(task.id)
        run = reload(run)
    assert run.finished and run.end_events() == ["EndEvent_Done"]


def test_enterprise_returned_for_correction_comes_back_then_refused():
    run = ProcessRun.start(xml_of("enterprise_establishment.bpmn"))
    run.complete(run.ready_tasks()[0].id, "return", {"comment": "章程缺少股东签字"})
    [again] = run.ready_tasks()
    assert again.bpmn_id == "Activity_AmrReview"
    run.complete(again.id, "refuse")
    assert run.finished and run.end_events() == ["EndEvent_Refused"]


@pytest.mark.parametrize("order", [("Activity_SocialSecurityCard", "Activity_MedicalInsurance"),
                                   ("Activity_MedicalInsurance", "Activity_SocialSecurityCard")])
def test_newborn_goes_certificate_then_household_then_card_and_insurance(order):
    run = ProcessRun.start(xml_of("newborn_birth.bpmn"))
    [first] = run.ready_tasks()
    assert (first.bpmn_id, first.department) == ("Activity_BirthCertificate",
                                                 department("health").code)
    run.complete(first.id)
    [second] = run.ready_tasks()
    assert (second.bpmn_id, second.department) == ("Activity_BirthRegistration",
                                                   department("psb").code)
    run.complete(second.id)
    assert {t.department for t in run.ready_tasks()} == codes("hrss", "hsa")
    finish_in_order(run, order)


def test_newborn_refused_at_the_birth_certificate_ends_there():
    run = ProcessRun.start(xml_of("newborn_birth.bpmn"))
    run.complete(run.ready_tasks()[0].id, "refuse")
    assert run.finished and run.end_events() == ["EndEvent_Refused"]


@pytest.mark.parametrize("order", list(itertools.permutations(
    ("Activity_PlanningCheck", "Activity_FireAcceptance", "Activity_FireSiteCheck"))))
def test_joint_completion_acceptance_runs_three_approvals_in_parallel(order):
    run = ProcessRun.start(xml_of("joint_completion_acceptance.bpmn"))
    run.complete(run.ready_tasks()[0].id)
    assert {t.department for t in run.ready_tasks()} == codes("nrp", "housing", "fire")
    assert [w.bpmn_id for w in run.waiting_timers()] == ["Event_PlanningOverdue"]
    for bpmn_id in order:
        task = next(t for t in run.ready_tasks() if t.bpmn_id == bpmn_id)
        run.complete(task.id)
        run = reload(run)
    [filing] = run.ready_tasks()
    assert filing.bpmn_id == "Activity_Filing"
    assert run.waiting_timers() == []  # the reminder ended with the planning check
    run.complete(filing.id)
    assert run.finished and run.end_events() == ["EndEvent_Done"]


def test_complete_checks_its_input():
    run = ProcessRun.start(linear())
    task = run.ready_tasks()[0]
    with pytest.raises(InvalidInput):
        run.complete(task.id, "maybe")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        run.complete(task.id, "approve", {"decision": "refuse"})
    with pytest.raises(NotFound):
        run.complete("00000000-0000-0000-0000-000000000000")
    run.complete(task.id, "approve", {"comment": "ok"})
    assert run.finished


def test_a_run_keeps_the_definition_it_started_on():
    v1 = linear("初审")
    run = ProcessRun.start(v1)
    state = run.to_json()
    # a new version of the same process (another task) changes nothing for the stored run
    v2 = linear("复审")
    assert ProcessRun.start(v2).ready_tasks()[0].name == "复审"
    restored = ProcessRun.from_json(state)
    [task] = restored.ready_tasks()
    assert task.name == "初审" and task.department == AMR.code
    restored.complete(task.id)
    assert restored.finished


def test_an_interrupting_timer_fires_only_when_refreshed_after_its_time(clock):
    run = ProcessRun.start(with_timer("PT1H"))
    [timer] = run.waiting_timers()
    due = datetime.fromisoformat(timer.due)
    assert timedelta(minutes=59) < due - datetime.now(UTC) <= timedelta(hours=1)
    assert run.fire_timers() == 0  # not yet
    run = reload(run)
    clock.offset = timedelta(hours=2)
    assert [t.bpmn_id for t in run.ready_tasks()] == ["Task_A"]  # nothing moves by itself
    assert run.fire_timers() == 1
    assert run.ready_tasks() == [] and run.finished
    assert run.end_events() == ["Escalated"]


def test_a_non_interrupting_timer_reminds_and_the_task_goes_on(clock):
    run = ProcessRun.start(with_timer("P5D", interrupting=False))
    clock.offset = timedelta(days=6)
    assert run.fire_timers() == 1
    [task] = run.ready_tasks()
    assert task.bpmn_id == "Task_A" and not run.finished
    run.complete(task.id)
    assert run.finished and sorted(run.end_events()) == ["Done", "Escalated"]


def _drive(runs: list[ProcessRun], clock) -> list[list[str]]:
    """Take every run a step at a time, in turns, to its end; the tasks each completed."""
    done: list[list[str]] = [[] for _ in runs]
    for _ in range(60):
        for n, run in enumerate(runs):
            if run.finished:
                continue
            ready = run.ready_tasks()
            if ready:
                done[n].append(ready[0].bpmn_id)
                run.complete(ready[0].id, "approve", {"approved": True, "clarified": "yes"})
            elif run.waiting_messages():
                run.receive(run.waiting_messages()[0])
            else:
                clock.offset += timedelta(days=30)
                run.fire_timers()
    assert all(r.finished for r in runs)
    return done


def test_runs_started_from_one_loaded_spec_share_nothing(clock):
    """`start_loaded` (the spec cache of `services.start_process`): runs of one parsed spec,
    taken in turns, go as a run of a spec of its own does (sub-processes, pools, timers)."""
    from govbridge.demo.services import SERVICES, process_xml
    from govbridge.services.bpmn import load_spec, parse_process
    from support import SHARED

    documents = [process_xml(s.bpmn) for s in SERVICES]
    miwg = SHARED / "testdata" / "bpmn-miwg" / "Reference"
    documents += [p.read_bytes() for p in sorted(miwg.glob("*.bpmn"))
                  if not parse_process(p.read_bytes()).blockers]
    assert len(documents) > len(SERVICES)
    for xml in documents:
        loaded = load_spec(xml)
        shared = [ProcessRun.start_loaded(loaded) for _ in range(2)]
        alone = ProcessRun.start(xml)
        first, second, own = _drive([*shared, alone], clock)
        assert first == second == own
        assert shared[0].workflow.spec is shared[1].workflow.spec
