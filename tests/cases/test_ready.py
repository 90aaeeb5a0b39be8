"""The memo of ready tasks by saved state answers as restoring the run would."""

from __future__ import annotations

import pytest

from govbridge.cases import ready
from govbridge.demo.services import SERVICES, process_xml
from govbridge.services.engine import ProcessRun


@pytest.fixture
def run() -> ProcessRun:
    spec = next(s for s in SERVICES if s.suffix == "QY-001")
    return ProcessRun.start(process_xml(spec.bpmn))


def test_a_state_not_seen_is_restored_and_answers_as_the_run(run):
    state = run.to_json()
    assert ready.of_state(state) == run.ready_tasks() != []
    first = run.ready_tasks()[0]
    run.complete(first.id, "approve", {"opinion": "同意"})
    after = run.to_json()
    assert ready.of_state(after) == run.ready_tasks()
    assert first not in ready.of_state(after)


def test_a_remembered_state_is_answered_without_restoring(run):
    fake = "not a saved run: restoring it would fail"
    with pytest.raises(Exception):  # whatever the serializer raises
        ready.of_state(fake)
    ready.remember(fake, run)
    assert ready.of_state(fake) == run.ready_tasks()


def test_the_memo_forgets_the_oldest_beyond_its_limit(run, monkeypatch):
    monkeypatch.setattr(ready, "LIMIT", 2)
    for n in range(3):
        ready.remember(f"state {n}", run)
    with pytest.raises(Exception):  # "state 0" was forgotten: restoring fails
        ready.of_state("state 0")
    assert ready.of_state("state 2") == run.ready_tasks()


def test_a_saved_run_is_handed_out_once_then_restored(run):
    state = run.to_json()
    ready.remember(state, run)
    assert ready.take_run(state) is run
    again = ready.take_run(state)  # taken already: restored from the state
    assert again is not run
    assert again.ready_tasks() == run.ready_tasks()


def test_a_taken_run_goes_on_as_a_restored_one(run):
    state = run.to_json()
    ready.remember(state, run)
    kept, restored = ready.take_run(state), ProcessRun.from_json(state)
    assert kept is run
    for one in (kept, restored):
        while one.ready_tasks():
            one.complete(one.ready_tasks()[0].id, "approve", {"opinion": "同意"})
    assert kept.finished and restored.finished
    assert kept.end_events() == restored.end_events()
    assert kept.variables == restored.variables


def test_kept_runs_are_bounded(run, monkeypatch):
    monkeypatch.setattr(ready, "RUNS", 1)
    ready.remember("state a", run)
    ready.remember("state b", run)
    with pytest.raises(Exception):  # "state a" was forgotten: restoring it fails
        ready.take_run("state a")
    assert ready.take_run("state b") is run
