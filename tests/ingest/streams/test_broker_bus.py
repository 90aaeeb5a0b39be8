"""The bus over a real broker (`GOVBRIDGE_BUS_URL=nats://…`): events after commit, a health
check that really asks the server, failures counted and never raised, credentials masked."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from govbridge.bus.base import InProcessBus, make_bus
from govbridge.bus.broker import BrokerBus, broker_kind, safe_url


def test_bus_urls() -> None:
    assert isinstance(make_bus("inprocess://"), InProcessBus)
    assert isinstance(make_bus("nats://127.0.0.1:4222"), BrokerBus)  # connects on first use
    with pytest.raises(ValueError, match="nats://host:port"):
        make_bus("amqp://127.0.0.1")
    assert broker_kind("tls://h:4222") == "nats" and broker_kind("redis://h") is None
    assert safe_url("nats://reader:s3cret@10.0.0.1:4222") == "nats://***@10.0.0.1:4222"
    assert safe_url("kafka://k1:9092") == "kafka://k1:9092"


def test_events_travel_through_nats(nats_url: str) -> None:
    bus = make_bus(nats_url)
    topic = f"gbtest{uuid.uuid4().hex[:10]}.quality.run"
    got: list[tuple[str, dict]] = []
    arrived = threading.Event()

    def handler(t: str, payload: dict) -> None:
        got.append((t, payload))
        arrived.set()

    try:
        bus.subscribe(topic, handler)
        bus.publish(topic, {"resource_code": "301001001/000001", "名称": "人口"})
        assert arrived.wait(5), "the event did not come back"
        assert got == [(topic, {"resource_code": "301001001/000001", "名称": "人口"})]
        health = bus.health()
        assert health["status"] == "ok" and health["kind"] == "nats"
        assert health["published"] == 1 and health["failures"] == 0
        assert "streams" in health["jetstream"] and health["latency_ms"] >= 0
    finally:
        bus.close()  # type: ignore[attr-defined]
    assert not any(t.name.startswith("govbridge-bus-") for t in threading.enumerate())


def test_broker_down_is_reported_not_raised() -> None:
    bus = BrokerBus("nats://user:pw-77@127.0.0.1:1", timeout=1)
    try:
        started = time.monotonic()
        bus.publish("catalog.dataset.published", {"resource_code": "x"})  # after a commit
        health = bus.health()
        assert time.monotonic() - started < 15
    finally:
        bus.close()
    assert bus.failures >= 1 and bus.published == 0
    assert health["status"] == "down" and health["server"] == "nats://***@127.0.0.1:1"
    assert "pw-77" not in repr(health)
