"""Admission: at most N exchange queries at work at once per process; the rest queue,
and one that waits too long is answered 503 with Retry-After and nothing recorded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from govbridge.api.app import create_app
from govbridge.config import Settings
from govbridge.exchange import admission
from govbridge.exchange.admission import Admission, ExchangeBusy
from govbridge.exchange.models import ExchangeUsage
from govbridge.identity import clients
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import ClientCreate
from govbridge.ledger import log
from govbridge.runtime import Runtime
from ingest_helpers import company_code

from .conftest import PURPOSE


def _free(gate: Admission) -> int:
    """How many slots are free now, by taking each without waiting (and giving it back),
    checked against what the gate says."""
    taken = 0
    while gate._free.acquire(blocking=False):
        taken += 1
    for _ in range(taken):
        gate._free.release()
    assert gate.free() == taken
    return taken


@contextmanager
def _held_elsewhere(gate: Admission) -> Iterator[None]:
    """A slot held by another thread (another request) for the duration of the block."""
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with gate.slot():
            holding.set()
            done.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    assert holding.wait(10)
    try:
        yield
    finally:
        done.set()
        worker.join(10)


def test_slots_are_limited_and_a_caller_that_waits_too_long_is_refused():
    gate = Admission(2, 0.2)
    with _held_elsewhere(gate), _held_elsewhere(gate):
        assert _free(gate) == 0
        with pytest.raises(ExchangeBusy) as caught, gate.slot():
            pass
    assert caught.value.status == 503 and caught.value.retry_after == admission.RETRY_AFTER
    assert "0.2 s" in caught.value.detail and "nothing was recorded" in caught.value.detail
    assert _free(gate) == 2  # the refused caller took nothing
    assert gate.figures() == {"slots": 2, "in_use": 0, "waiting": 0, "refused": 1,
                              "queue_seconds": 0.2}
    with gate.slot():
        assert _free(gate) == 1
    assert _free(gate) == 2


def test_a_waiting_caller_gets_the_slot_when_it_comes_free():
    gate = Admission(1, 5)
    got = threading.Event()

    def wait_for_it() -> None:
        with gate.slot():
            got.set()

    with _held_elsewhere(gate):
        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        assert not got.wait(0.2)  # still queued while the slot is held
        assert gate.figures()["waiting"] == 1 and gate.figures()["in_use"] == 1
    assert got.wait(5)
    waiter.join(5)
    assert _free(gate) == 1


def test_a_nested_slot_is_the_same_slot():
    gate = Admission(1, 0.1)
    with gate.slot(), gate.slot():  # would time out if it queued for a second one
        assert _free(gate) == 0
    assert _free(gate) == 1


def test_outside_gives_the_slot_back_and_takes_it_again():
    gate = Admission(1, 1)
    with gate.slot():
        with admission.outside():
            assert _free(gate) == 1  # another query may work while this one waits
        assert _free(gate) == 0
    assert _free(gate) == 1


def test_outside_leaves_without_the_slot_when_the_wait_fails():
    gate = Admission(1, 1)
    with pytest.raises(RuntimeError, match="node down"), gate.slot(), admission.outside():
        raise RuntimeError("node down")
    assert _free(gate) == 1  # given back once, not twice, and not leaked


def test_outside_refuses_when_the_slot_does_not_come_back_in_time():
    gate = Admission(1, 0.2)
    other = _held_elsewhere(gate)
    with pytest.raises(ExchangeBusy), gate.slot(), admission.outside():
        other.__enter__()  # another query takes the slot meanwhile and keeps it
    other.__exit__(None, None, None)
    assert _free(gate) == 1


def test_outside_without_a_slot_does_nothing():
    with admission.outside():
        pass


@pytest.mark.parametrize(("slots", "seconds"), [(0, 1.0), (2, 0.0), (-1, 5.0)])
def test_bad_settings_are_refused(slots, seconds):
    with pytest.raises(ValueError, match="must be"):
        Admission(slots, seconds)


def test_bad_settings_from_the_environment_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("GOVBRIDGE_EXCHANGE_SLOTS", "0")
    with pytest.raises(ValidationError, match="exchange_slots"):
        Settings(home=tmp_path)
    monkeypatch.setenv("GOVBRIDGE_EXCHANGE_SLOTS", "3")
    monkeypatch.setenv("GOVBRIDGE_EXCHANGE_QUEUE_SECONDS", "-1")
    with pytest.raises(ValidationError, match="exchange_queue_seconds"):
        Settings(home=tmp_path)


def _recorded(rt) -> tuple[int, int]:
    with rt.context() as ctx:
        calls = ctx.db.scalar(select(func.coalesce(func.sum(ExchangeUsage.calls), 0)))
        return log.tree_state(ctx)[0], int(calls)


def test_a_query_that_finds_no_free_slot_is_answered_503_and_records_nothing(
        rt, settings, engine, consumer, licences, agree):
    agree()
    busy = Runtime(settings.model_copy(update={"exchange_slots": 1,
                                               "exchange_queue_seconds": 0.2}), engine=engine)
    with rt.context() as ctx:
        key = clients.create_client(ctx, Actor.operator("t"), ClientCreate(
            organization_code=consumer.code, name="税务业务系统")).api_key
    url = f"/api/v1/exchange/{licences}/query"
    body = {"subject_ids": [company_code(1)], "purpose": PURPOSE}
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(busy)
    with TestClient(app, raise_server_exceptions=False) as http:
        assert http.post(url, json=body, headers=auth).status_code == 200
        before = _recorded(rt)
        with _held_elsewhere(app.state.admission):
            refused = http.post(url, json=body, headers=auth)
            queue = http.get("/api/v1/health").json()["exchange"]
        assert queue == {"slots": 1, "in_use": 1, "waiting": 0, "refused": 1,
                         "queue_seconds": 0.2}
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == str(admission.RETRY_AFTER)
        problem = refused.json()
        assert problem["type"].endswith("exchange-busy") and problem["retry_after"] == 1
        assert _recorded(rt) == before  # no ledger entry, no usage counted
        again = http.post(url, json=body, headers=auth)
        assert again.status_code == 200, again.text
    assert _recorded(rt) == (before[0] + 1, before[1] + 2)  # counted in both windows
