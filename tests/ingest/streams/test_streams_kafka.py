"""The Kafka switch: the same handlers on FastStream's KafkaBroker.

There is no Kafka broker on our machines, so the first two tests run on FastStream's
in-memory TestKafkaBroker: they need no server (nothing here connects), and prove the
wiring (topic per dataset, raw bytes, manual commit after storing), not Kafka's
delivery semantics (consumer groups, offsets, redelivery after a crash).

The last test runs against a real Kafka only when GOVBRIDGE_TEST_KAFKA_URL is set
(e.g. kafka://127.0.0.1:9092). Kafka is not part of CI, so without the variable it
skips with its reason even under CI=true (unlike NATS, which CI requires).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.message import KafkaAckableMessage
from sqlalchemy import func, select

from govbridge.bus.base import make_bus
from govbridge.bus.broker import BrokerBus, kind_of, make_broker
from govbridge.ingest.models import DatasetRecord, QuarantinedRow
from govbridge.ingest.streams import StreamIngestor, Topology, Worker, attach, publish_lines

KAFKA_URL = os.environ.get("GOVBRIDGE_TEST_KAFKA_URL")


def test_kafka_url_selects_kafka_broker() -> None:
    broker = make_broker("kafka://127.0.0.1:9092")
    assert isinstance(broker, KafkaBroker) and kind_of(broker) == "kafka"
    bus = make_bus("kafka://127.0.0.1:9092")
    assert isinstance(bus, BrokerBus) and bus.kind == "kafka"


def test_kafka_wiring_stores_and_quarantines(rt, publish_persons, make_id, monkeypatch) -> None:
    acks: list[str] = []

    async def ack(self) -> None:
        acks.append("ack")

    async def nack(self) -> None:
        acks.append("nack")

    monkeypatch.setattr(KafkaAckableMessage, "ack", ack)
    monkeypatch.setattr(KafkaAckableMessage, "nack", nack)
    code = publish_persons()
    topology = Topology()
    broker = make_broker("kafka://127.0.0.1:9092")
    ingestor = StreamIngestor(rt, topology)
    attach(broker, ingestor, [code])
    topic = topology.subject(code)
    good = json.dumps({"id_number": make_id(5), "full_name": "赵五"}).encode()

    other = json.dumps({"id_number": make_id(6), "full_name": "赵六"}).encode()

    async def run() -> None:
        async with TestKafkaBroker(broker) as br:
            await br.publish(good, topic)
            await br.publish(good, topic)  # re-sent: nothing added
            await br.publish(b"\x00garbage", topic)
            # a micro-batch: stored in one transaction, its offsets committed once
            await br.publish_batch(other, good, topic=topic)

    asyncio.run(run())
    assert ingestor.counts == {"stored": 2, "duplicate": 2, "rejected": 1}
    assert ingestor.batches == 4
    assert acks == ["ack"] * 4  # each committed only after it was settled
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(DatasetRecord)) == 2
        q = ctx.db.scalars(select(QuarantinedRow)).one()
    assert q.problems[0]["rule"] == "json" and topic in q.problems[0]["reason"]


@pytest.mark.slow
@pytest.mark.skipif(not KAFKA_URL, reason="no Kafka on this machine; set "
                    "GOVBRIDGE_TEST_KAFKA_URL=kafka://host:9092 to run against a real broker")
def test_real_kafka_end_to_end(rt, publish_persons, make_id) -> None:
    assert KAFKA_URL is not None
    code = publish_persons()
    topology = Topology(prefix=f"gbtest{uuid.uuid4().hex[:10]}.ingest")
    good = [json.dumps({"id_number": make_id(n), "full_name": f"钱{n}"}).encode()
            for n in range(1, 6)]
    lines = [*good, good[0], b"{not json"]

    async def run() -> Worker:
        # Publish first (the topic is created on first use), then consume from the start.
        sent = await publish_lines(KAFKA_URL, code, lines, topology=topology)
        assert sent.published == len(lines) and sent.bus == "kafka"
        worker = Worker(rt, KAFKA_URL, topology=topology, rescan_seconds=3600)
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(worker.ready.wait(), 30)
            deadline = time.monotonic() + 60
            while worker.ingestor is None or sum(worker.ingestor.counts.values()) < len(lines):
                assert time.monotonic() < deadline, f"not all consumed: {worker.ingestor}"
                await asyncio.sleep(0.2)
        finally:
            worker.stop.set()
            await task
        return worker

    worker = asyncio.run(run())
    assert worker.ingestor is not None
    assert worker.ingestor.counts == {"stored": 5, "duplicate": 1, "rejected": 1}
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(DatasetRecord)) == 5
        assert ctx.db.scalar(select(func.count()).select_from(QuarantinedRow)) == 1
