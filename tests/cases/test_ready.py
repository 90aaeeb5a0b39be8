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
