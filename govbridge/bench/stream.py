"""Bench: stream ingest messages per second through NATS JetStream, end to end.

End to end means: publish (JetStream PubAck) → delivered to the dataset's durable
consumer → parsed and validated by the element rules → committed → acknowledged.
The clock stops when the database holds every record and the consumer has nothing
pending or unacknowledged.

The worker stores in micro-batches (`stream_batch_messages`, `stream_batch_wait_ms`
in config.py; GOVBRIDGE_STREAM_BATCH_MESSAGES etc. apply here too); the result says
how many micro-batches it took (`micro_batches`).

Baseline in the same run: the same messages published the same way and consumed by a
bare nats-py pull consumer that only acknowledges (no parsing, validation or
storage). The ratio says what validation + storage cost on top of the broker.

The run uses its own throw-away database (SQLite in a temporary directory unless a
PostgreSQL server URL is given, in which case a temporary database is created on it
and dropped afterwards) and its own JetStream stream, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from govbridge.config import Settings
from govbridge.ingest.models import DatasetRecord
from govbridge.ingest.streams import Topology, Worker
from govbridge.runtime import Runtime
from govbridge.storage.migrate import upgrade

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class Leg:
    messages: int
    seconds: float
    publish_seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


@dataclass
class StreamBenchResult:
    messages: int
    database: str
    end_to_end: Leg
    baseline: Leg
    machine: dict[str, Any] = field(default_factory=dict)
    worker_counts: dict[str, int] = field(default_factory=dict)
    micro_batches: int = 0

    @property
    def ratio(self) -> float:
        return self.end_to_end.per_second / self.baseline.per_second

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["end_to_end"]["per_second"] = round(self.end_to_end.per_second, 1)
        out["baseline"]["per_second"] = round(self.baseline.per_second, 1)
        out["ratio"] = round(self.ratio, 3)
        return out

    def lines(self) -> list[str]:
        m = self.machine
        return [
            f"stream ingest bench: {self.messages} messages, NATS JetStream "
            f"{m.get('nats_server')}, database {self.database}",
            f"  end to end (publish → validate → commit → ack): "
            f"{self.end_to_end.per_second:,.0f} msg/s ({self.end_to_end.seconds:.2f} s)",
            f"  baseline (nats-py publish + ack only):         "
            f"{self.baseline.per_second:,.0f} msg/s ({self.baseline.seconds:.2f} s)",
            f"  ratio: {self.ratio:.2f} of the bare broker",
            f"  machine: {m.get('cpu')} × {m.get('cores')} cores, Python {m.get('python')}, "
            f"{m.get('system')}",
        ]


def _citizen_id(n: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=n // 500)
    body = f"110105{born:%Y%m%d}{(n % 500) * 2 + 1:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def bench_messages(count: int) -> list[bytes]:
    """`count` distinct valid person records, one JSON object per message."""
    import json

    return [
        json.dumps(
            {"id_number": _citizen_id(i), "full_name": f"测试{i:06d}",
             "birth_date": f"{date(1950, 1, 1) + timedelta(days=i // 500)}"},
            ensure_ascii=False,
        ).encode()
        for i in range(count)
    ]


def _machine(server_version: str) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}",
            "nats_server": server_version}


def _prepare(rt: Runtime) -> str:
    """Seed elements, one provider, one published person dataset; returns its code."""
    from stdnum.cn import uscc

    from govbridge.catalog import usecases
    from govbridge.catalog.schemas import DatasetIn
    from govbridge.identity import organizations
    from govbridge.identity.actor import Actor
    from govbridge.identity.schemas import OrganizationCreate
    from govbridge.standards.builtin import BUILTIN_ELEMENTS
    from govbridge.standards.usecases import seed_builtin_elements

    def element(validator: str | None, category: str | None, data_type: str) -> str:
        return next(s.code for s in BUILTIN_ELEMENTS
                    if s.validator == validator and s.data_type == data_type
                    and (category is None or s.category == category) and not s.code_table)

    operator = Actor.operator("bench")
    body = "11320500MB0000001"
    code = body + uscc.calc_check_digit(body)
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
        organizations.create_organization(
            ctx, operator, OrganizationCreate(code=code, name="基准测试局", level="city"))
        made = usecases.create_dataset(ctx, operator, DatasetIn(
            name="基准测试居民信息", abstract="流式接入基准测试数据。", provider_code=code,
            share_type="unconditional", subject_type="person", subject_field="id_number",
            fields=[
                {"name": "id_number", "title": "公民身份号码", "required": True,
                 "element": element("citizen_id", "person", "string"), "grade": "important"},
                {"name": "full_name", "title": "姓名",
                 "element": element(None, "person", "string"), "grade": "general-3"},
                {"name": "birth_date", "title": "出生日期",
                 "element": element(None, None, "date"), "grade": "general-2"},
            ]))
        usecases.submit(ctx, operator, made.resource_code)
        usecases.review(ctx, operator, made.resource_code, approve=True)
        return made.resource_code


async def _publish(js: Any, subject: str, bodies: list[bytes], window: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(bodies), window):
        await asyncio.gather(*(js.publish(subject, b) for b in bodies[i : i + window]))
    return time.perf_counter() - started


async def _baseline(nc: Any, topo: Topology, bodies: list[bytes], window: int) -> Leg:
    from nats.errors import TimeoutError as NatsTimeout

    js = nc.jetstream()
    subject = f"{topo.prefix}.baseline.raw"
    psub = await js.pull_subscribe(subject, durable="bench_baseline", stream=topo.stream)
    acked = 0
    done = asyncio.Event()

    async def consume() -> None:
        nonlocal acked
        while acked < len(bodies):
            try:
                msgs = await psub.fetch(batch=256, timeout=1.0)
            except NatsTimeout:
                continue
            for m in msgs:
                await m.ack()
            acked += len(msgs)
        done.set()

    started = time.perf_counter()
    task = asyncio.create_task(consume())
    publish_seconds = await _publish(js, subject, bodies, window)
    await done.wait()
    await task
    await nc.flush()
    return Leg(len(bodies), time.perf_counter() - started, publish_seconds)


async def _end_to_end(rt: Runtime, url: str, topo: Topology, code: str, nc: Any,
                      bodies: list[bytes], window: int, timeout: float) -> tuple[Leg, dict]:
    js = nc.jetstream()
    worker = Worker(rt, url, topology=topo, rescan_seconds=3600)
    task = asyncio.create_task(worker.run())
    await worker.ready.wait()
    started = time.perf_counter()
    publish_seconds = await _publish(js, topo.subject(code), bodies, window)
    deadline = started + timeout

    def stored() -> int:
        with rt.context() as ctx:
            return ctx.db.scalar(select(func.count()).select_from(DatasetRecord)) or 0

    while True:
        info = await js.consumer_info(topo.stream, topo.durable(code))
        if info.num_pending == 0 and info.num_ack_pending == 0:
            count = await asyncio.to_thread(stored)
            if count >= len(bodies):
                break
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {await asyncio.to_thread(stored)} of {len(bodies)} stored")
        await asyncio.sleep(0.02)
    seconds = time.perf_counter() - started
    worker.stop.set()
    await task
    counts = dict(worker.ingestor.counts) if worker.ingestor else {}
    counts["micro_batches"] = worker.ingestor.batches if worker.ingestor else 0
    return Leg(len(bodies), seconds, publish_seconds), counts


async def _run(rt: Runtime, url: str, code: str, count: int, window: int,
               timeout: float) -> StreamBenchResult:
    import nats

    from govbridge.bus.broker import jetstream

    tag = uuid.uuid4().hex[:8]
    topo = Topology(prefix=f"gbbench{tag}.ingest", stream=f"GBBENCH_{tag.upper()}")
    bodies = bench_messages(count)
    nc = await nats.connect(url)
    js = nc.jetstream()
    stream = jetstream(topo.stream, [f"{topo.prefix}.>"])
    await js.add_stream(config=stream.config, subjects=[f"{topo.prefix}.>"])
    try:
        baseline = await _baseline(nc, topo, bodies, window)
        e2e, counts = await _end_to_end(rt, url, topo, code, nc, bodies, window, timeout)
        machine = _machine(nc.connected_server_version.__str__())
    finally:
        try:
            await js.delete_stream(topo.stream)
        finally:
            await nc.close()
    batches = counts.pop("micro_batches", 0)
    return StreamBenchResult(count, rt.engine.dialect.name, e2e, baseline, machine, counts,
                             batches)


def run_stream_bench(
    messages: int = 20_000,
    nats_url: str = "nats://127.0.0.1:4222",
    *,
    database_url: str | None = None,
    window: int = 512,
    timeout: float = 600.0,
    say: Callable[[str], None] | None = None,
) -> StreamBenchResult:
    """Run the bench; `database_url` a PostgreSQL server URL to bench on PostgreSQL."""
    note = say or (lambda _m: None)
    with tempfile.TemporaryDirectory(prefix="gbbench-") as tmp:
        admin = None
        db_name = None
        if database_url and database_url.startswith("postgresql"):
            server = make_url(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
            db_name = f"gbbench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{db_name}"'))
            url = server.set(database=db_name).render_as_string(hide_password=False)
        else:
            url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(home=Path(tmp) / "home", database_url=url)
        rt = Runtime(settings)
        try:
            upgrade(rt.engine)
            code = _prepare(rt)
            note(f"publishing {messages} messages to NATS at {nats_url} ({rt.engine.dialect.name})")
            return asyncio.run(_run(rt, nats_url, code, messages, window, timeout))
        finally:
            rt.dispose()
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
                admin.dispose()
