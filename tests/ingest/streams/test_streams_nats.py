"""Stream ingest through a real NATS JetStream: stored once, bad messages quarantined, all acked."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from govbridge.bus import broker as broker_mod
from govbridge.ingest import streams
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.ingest.streams import Topology, Worker, content_sha256

pytestmark = pytest.mark.slow
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@pytest.fixture(autouse=True)
def _nats(nats_url: str) -> None:
    global NATS_URL
    NATS_URL = nats_url


NATS_URL = ""


def citizen_id(n: int, *, valid: bool = True) -> str:
    """Distinct valid citizen IDs: vary the birth day and the sequence."""
    born = date(1960, 1, 1) + timedelta(days=n // 900)
    body17 = f"320505{born:%Y%m%d}{n % 900 + 100:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True)) % 11]
    if not valid:
        check = "0" if check != "0" else "1"
    return body17 + check


def record(n: int, *, valid: bool = True) -> dict[str, Any]:
    return {"id_number": citizen_id(n, valid=valid), "full_name": f"张{n:03d}"}


def body(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def count(rt, model, *where) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def drained(js, topology: Topology, code: str, timeout: float = 20.0) -> Any:
    """Consumer info once nothing is left to deliver or to acknowledge."""
    deadline = time.monotonic() + timeout
    while True:
        info = await js.consumer_info(topology.stream, topology.durable(code))
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return info
        if time.monotonic() > deadline:
            raise AssertionError(f"consumer not drained: {info}")
        await asyncio.sleep(0.05)


async def with_worker(rt, topology: Topology, code: str,
                      publish: Callable[[Any], Awaitable[int]]) -> tuple[Any, Worker, int]:
    import nats

    worker = Worker(rt, NATS_URL, topology=topology, rescan_seconds=3600)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(worker.ready.wait(), 10)
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        sent = await publish(js)
        info = await drained(js, topology, code)
    finally:
        worker.stop.set()
        await task
        await nc.close()
    return info, worker, sent


def test_end_to_end_duplicates_and_bad_messages(rt, publish_persons, topology) -> None:
    code = publish_persons()
    subject = topology.subject(code)
    not_json = b'{"id_number": "' + citizen_id(50).encode() + b'", full_name}'
    messages = [body(record(n)) for n in range(10)]
    messages += [messages[0], messages[1]]  # the same message sent twice: nothing added
    # the same record in other bytes: its batch is new, the record is not
    messages.append(json.dumps(record(2), sort_keys=True, indent=1).encode())
    messages.append(body({"rows": [record(10), record(11, valid=False)]}))
    messages += [not_json, not_json]  # a redelivered bad message is quarantined once
    messages.append(body([record(12)]))  # JSON, but an array

    async def publish(js) -> int:
        for m in messages:
            await js.publish(subject, m)
        return len(messages)

    info, worker, sent = asyncio.run(with_worker(rt, topology, code, publish))

    assert info.delivered.consumer_seq == sent  # each delivered once: nothing redelivered
    assert info.num_pending == 0 and info.num_ack_pending == 0  # all acknowledged
    assert count(rt, DatasetRecord) == 11  # records 0..10
    assert count(rt, IngestBatch, IngestBatch.content_sha256 == content_sha256(messages[0])) == 1
    with rt.context() as ctx:
        quarantined = list(ctx.db.scalars(select(QuarantinedRow).order_by(QuarantinedRow.id)))
        problems = [p for q in quarantined for p in q.problems]
    assert len(quarantined) == 3, problems
    json_problems = [p for p in problems if p["rule"] == "json"]
    assert len(json_problems) == 2
    bad = next(p for p in json_problems if "not JSON" in p["reason"])
    assert subject in bad["reason"]
    assert bad["byte_offset"] == not_json.index(b"full_name")
    assert f"at byte {bad['byte_offset']}" in bad["reason"]
    assert any("array, not an object" in p["reason"] for p in json_problems)
    invalid = [p for p in problems if p["rule"] != "json"]
    assert invalid and invalid[0]["field"] == "id_number"
    assert worker.ingestor is not None
    assert worker.ingestor.counts["retry"] == 0


def test_failure_before_commit_is_redelivered_and_stored_once(rt, publish_persons, topology,
                                                              monkeypatch) -> None:
    code = publish_persons()
    subject = topology.subject(code)
    doomed, other = body(record(1)), body(record(2))
    calls: list[bytes] = []
    groups: list[int] = []
    first_delivery = {"over": False}
    real_ingest, real_process = streams._ingest_one, streams.process_messages

    def crashing(ctx, topo, subj, raw):
        # Every attempt to store the doomed message's first delivery crashes (in a group
        # with the other message, then alone); its redelivery stores normally.
        calls.append(raw)
        if raw == doomed and not first_delivery["over"]:
            raise RuntimeError("simulated crash before commit")
        return real_ingest(ctx, topo, subj, raw)

    def process(rt_, messages, **kw):
        groups.append(len(messages))
        outcomes = real_process(rt_, messages, **kw)
        if any(o.status == "retry" for o in outcomes):
            first_delivery["over"] = True  # it is nacked now: the next one is a redelivery
        return outcomes

    monkeypatch.setattr(streams, "_ingest_one", crashing)
    monkeypatch.setattr(streams, "process_messages", process)
    monkeypatch.setattr(broker_mod, "RETRY_DELAY", 0.2)

    async def publish(js) -> int:
        await asyncio.gather(js.publish(subject, doomed), js.publish(subject, other))
        return 2

    info, worker, _ = asyncio.run(with_worker(rt, topology, code, publish))

    # Delivered together, the group fails and each is retried alone (the doomed one
    # failing again); delivered apart, the doomed one fails alone. Then it comes back.
    together = groups[0] == 2
    assert calls.count(doomed) == (3 if together else 2), groups
    # (in the group, the other one is tried only if it came before the doomed one)
    assert 1 <= calls.count(other) <= (2 if together else 1), groups
    assert info.delivered.consumer_seq == 3  # the broker delivered the doomed one again
    assert info.num_redelivered == 0 and info.num_ack_pending == 0  # all acknowledged
    assert count(rt, DatasetRecord) == 2
    assert count(rt, IngestBatch, IngestBatch.content_sha256 == content_sha256(doomed)) == 1
    assert worker.ingestor is not None and worker.ingestor.counts["retry"] == 1


def test_kill_9_mid_stream_loses_nothing_and_stores_once(rt, publish_persons, topology,
                                                         database_url, tmp_path) -> None:
    """A worker process killed with SIGKILL mid-stream; the next one finishes the job."""
    import nats

    code = publish_persons()
    subject = topology.subject(code)
    total = 3000
    messages = [body({"id_number": citizen_id(n), "full_name": f"李{n:05d}"})
                for n in range(total)]

    async def publish_all() -> None:
        from govbridge.bus.broker import jetstream

        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        cfg = jetstream(topology.stream, [f"{topology.prefix}.>"]).config
        await js.add_stream(config=cfg, subjects=[f"{topology.prefix}.>"])
        for i in range(0, total, 500):
            await asyncio.gather(*(js.publish(subject, m) for m in messages[i : i + 500]))
        await nc.close()

    asyncio.run(publish_all())
    env = {**os.environ, "GOVBRIDGE_HOME": str(tmp_path / "home"),
           "GOVBRIDGE_DATABASE_URL": database_url, "GOVBRIDGE_BUS_URL": NATS_URL}
    cmd = [sys.executable, "-m", "govbridge.cli.stream", "worker", "--prefix", topology.prefix,
           "--stream", topology.stream]

    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while count(rt, DatasetRecord) == 0:
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
            assert time.monotonic() < deadline, "the first worker stored nothing"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = count(rt, DatasetRecord)
    assert 0 < at_kill < total, f"killed too late to prove anything ({at_kill} stored)"

    second = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async def wait() -> Any:
            nc = await nats.connect(NATS_URL)
            try:
                # The killed worker's deliveries come back only after ack_wait (30 s); then
                # 3,000 committed batches, which a loaded 2-core machine takes a while for.
                return await drained(nc.jetstream(), topology, code, timeout=150)
            finally:
                await nc.close()

        info = asyncio.run(wait())
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    assert info.num_ack_pending == 0
    assert count(rt, DatasetRecord) == total
    assert count(rt, IngestBatch) == total  # one batch per message: no message stored twice
    with rt.context() as ctx:
        keys = ctx.db.scalar(select(func.count(func.distinct(DatasetRecord.record_key))))
    assert keys == total



def test_dataset_published_while_the_worker_runs_is_subscribed(rt, publish_persons,
                                                               topology, monkeypatch) -> None:
    import nats

    real_codes = streams.published_codes

    def database_away(rt_):
        raise ConnectionError("database briefly away")

    async def run() -> tuple[list[str], Any, Worker]:
        worker = Worker(rt, NATS_URL, topology=topology, rescan_seconds=3600)
        task = asyncio.create_task(worker.run())
        nc = await nats.connect(NATS_URL)
        try:
            await asyncio.wait_for(worker.ready.wait(), 10)
            assert worker.subscribers == {}
            code = await asyncio.to_thread(publish_persons)
            monkeypatch.setattr(streams, "published_codes", database_away)
            assert await worker.rescan() == []  # logged, tried again at the next look
            monkeypatch.setattr(streams, "published_codes", real_codes)
            added = await worker.rescan()
            js = nc.jetstream()
            await js.publish(topology.subject(code), body(record(1)))
            info = await drained(js, topology, code)
            assert await worker.rescan() == []  # nothing new: no second subscriber
        finally:
            worker.stop.set()
            await task
            await nc.close()
        return added, info, worker

    added, info, worker = asyncio.run(run())
    assert len(added) == 1 and set(worker.subscribers) == set(added)
    assert info.delivered.consumer_seq == 1 and info.num_ack_pending == 0
    assert count(rt, DatasetRecord) == 1
