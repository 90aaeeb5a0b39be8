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
from govbridge.ingest import stream_store, streams
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


async def publish_first(topology: Topology, subject: str, messages: list[bytes]) -> list[int]:
    """Create the stream and publish before any worker runs (so the first fetch finds
    them all); returns each message's stream sequence."""
    import nats

    from govbridge.bus.broker import jetstream

    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    cfg = jetstream(topology.stream, [f"{topology.prefix}.>"]).config
    await js.add_stream(config=cfg, subjects=[f"{topology.prefix}.>"])
    seqs: list[int] = []
    # 100 in flight, each given 30 s: on a loaded 2-vCPU CI machine 500 concurrent publishes
    # missed nats-py's 5 s default and failed the set-up, not the guarantee under test.
    for i in range(0, len(messages), 100):
        acks = await asyncio.gather(*(js.publish(subject, m, timeout=30)
                                      for m in messages[i : i + 100]))
        seqs += [a.seq for a in acks]
    await nc.close()
    return seqs


def test_micro_batch_failing_for_a_passing_reason_is_redelivered_and_stored_once(
        rt, publish_persons, topology, monkeypatch) -> None:
    """The database goes away during the first micro-batch's transaction: nothing is
    acknowledged, the broker delivers every message again, each is stored once."""
    from sqlalchemy.exc import OperationalError

    code = publish_persons()
    subject = topology.subject(code)
    messages = [body(record(n)) for n in range(40)]
    real = stream_store.store_micro_batch
    seen: list[int] = []

    def database_away_once(ctx, topo, items):
        seen.append(len(items))
        out = real(ctx, topo, items)  # the rows are written; the commit never happens
        if len(seen) == 1:
            raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))
        return out

    monkeypatch.setattr(stream_store, "store_micro_batch", database_away_once)
    monkeypatch.setattr(broker_mod, "RETRY_DELAY", 0.2)
    asyncio.run(publish_first(topology, subject, messages))

    async def nothing(js) -> int:
        return 0

    info, worker, _ = asyncio.run(with_worker(rt, topology, code, nothing))

    assert seen[0] == len(messages), seen  # delivered together: one micro-batch
    assert worker.ingestor is not None
    assert worker.ingestor.counts["retry"] == len(messages)  # all nacked, none acked
    assert worker.ingestor.counts["stored"] == len(messages)  # then each stored once
    assert info.delivered.consumer_seq == 2 * len(messages)  # the broker delivered all again
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert count(rt, DatasetRecord) == len(messages)
    assert count(rt, IngestBatch) == len(messages)


def test_one_message_that_cannot_be_stored_is_split_out_and_quarantined(
        rt, publish_persons, topology, monkeypatch) -> None:
    """A message that breaks storing (here: the checker trips over it) fails its
    micro-batch; the batch is split until it is alone, the others commit, it goes to
    the quarantine with rule "store", and nothing is redelivered."""
    code = publish_persons()
    subject = topology.subject(code)
    messages = [body(record(n)) for n in range(64)]
    poison = messages[37]
    real_check = stream_store._DatasetMessages._check
    tries: list[int] = []

    def tripping(self, ds, validate, msg, rows):
        if msg.sha == content_sha256(poison):
            tries.append(1)
            raise TypeError("a checker that trips over this one message")
        return real_check(self, ds, validate, msg, rows)

    monkeypatch.setattr(stream_store._DatasetMessages, "_check", tripping)
    asyncio.run(publish_first(topology, subject, messages))

    async def nothing(js) -> int:
        return 0

    info, worker, _ = asyncio.run(with_worker(rt, topology, code, nothing))

    assert worker.ingestor is not None
    assert worker.ingestor.counts == {"stored": 63, "rejected": 1}
    assert info.delivered.consumer_seq == 64  # each delivered once: nothing redelivered
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert len(tries) <= 1 + 6 + 1  # halves: 64 → 32 → … → 1, not one try per message
    assert count(rt, DatasetRecord) == 63
    with rt.context() as ctx:
        q = ctx.db.scalars(select(QuarantinedRow)).one()
        assert q.raw["body"] == poison.decode()
        assert q.problems[0]["rule"] == "store"
        assert "TypeError" in q.problems[0]["reason"] and subject in q.problems[0]["reason"]
    # sent again, it is known: a duplicate, not a second quarantine entry
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(IngestBatch).where(
            IngestBatch.content_sha256 == content_sha256(poison))) == 1


def test_kill_9_mid_batch_loses_nothing_acknowledged_and_stores_once(
        rt, publish_persons, topology, database_url, tmp_path) -> None:
    """A worker process killed with SIGKILL while a micro-batch is delivered and not yet
    acknowledged. At that moment every acknowledged message is stored; the next worker
    gets the unacknowledged ones again and each message ends up stored exactly once."""
    import nats

    code = publish_persons()
    subject = topology.subject(code)
    total = 6000
    messages = [body({"id_number": citizen_id(n), "full_name": f"李{n:05d}"})
                for n in range(total)]
    seqs = asyncio.run(publish_first(topology, subject, messages))
    key_of_seq = {seq: citizen_id(n) for n, seq in enumerate(seqs)}
    env = {**os.environ, "GOVBRIDGE_HOME": str(tmp_path / "home"),
           "GOVBRIDGE_DATABASE_URL": database_url, "GOVBRIDGE_BUS_URL": NATS_URL}
    cmd = [sys.executable, "-m", "govbridge.cli.stream", "worker", "--prefix", topology.prefix,
           "--stream", topology.stream]

    async def consumer() -> Any:
        nc = await nats.connect(NATS_URL)
        try:
            return await nc.jetstream().consumer_info(topology.stream, topology.durable(code))
        finally:
            await nc.close()

    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:  # a micro-batch acknowledged, and the next one delivered, not yet
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
            assert time.monotonic() < deadline, "the first worker got nowhere"
            if count(rt, DatasetRecord) > 0:
                try:
                    info = asyncio.run(consumer())
                except Exception:  # noqa: BLE001 - not created yet
                    continue
                if info.ack_floor.stream_seq > 0 and info.num_ack_pending > 0:
                    break
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    killed = asyncio.run(consumer())
    stored_at_kill = count(rt, DatasetRecord)
    assert 0 < stored_at_kill < total, f"killed too late to prove anything ({stored_at_kill})"
    # Killed mid-batch: messages delivered to the dead worker, never acknowledged.
    assert killed.num_ack_pending > 0, killed
    # Everything acknowledged before the kill is stored (acknowledged only after commit).
    acked = [key_of_seq[s] for s in seqs if s <= killed.ack_floor.stream_seq]
    assert acked, killed
    with rt.context() as ctx:
        keys = set(ctx.db.scalars(select(DatasetRecord.record_key)))
    assert set(acked) <= keys

    second = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async def wait() -> Any:
            nc = await nats.connect(NATS_URL)
            try:
                # The killed worker's deliveries come back only after ack_wait (30 s).
                return await drained(nc.jetstream(), topology, code, timeout=150)
            finally:
                await nc.close()

        info = asyncio.run(wait())
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert info.num_redelivered == 0  # the redeliveries were all acknowledged
    assert count(rt, DatasetRecord) == total
    assert count(rt, IngestBatch) == total  # one batch per message: no message stored twice
    with rt.context() as ctx:
        keys_now = ctx.db.scalar(select(func.count(func.distinct(DatasetRecord.record_key))))
    assert keys_now == total


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
