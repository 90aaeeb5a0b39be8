"""Ingest way 3: event streams. A department system publishes records, the platform stores them.

The seed's pattern: a department's own system publishes each record (a JSON
object) or a batch (`{"rows": [...]}`) to the subject of a dataset,
`govbridge.ingest.<classification>.<sequence>` (resource code `301001001/000001` →
`govbridge.ingest.301001001.000001`). The platform runs one durable subscriber per
published dataset (`Worker`); each message is its own ingest batch, checked by the
same rules as any other way in (source "stream", the SHA-256 of the message body as
content hash, so a redelivered or re-sent message adds nothing).

Delivery guarantees on a broker (NATS JetStream, Kafka — one code path through
FastStream, `bus/broker.py`):
- messages come in micro-batches (at most `stream_batch_messages`, 500, collected for
  at most `stream_batch_wait_ms`, 200 ms: config.py), stored in one transaction
  (`stream_store.py`);
- a message is acknowledged only after the transaction holding its rows (or its
  quarantine entry) committed: an acknowledged message is never lost, and a crash
  before the commit (kill -9 included) means the broker delivers it again, when it
  is found stored already if the commit made it (at-least-once, stored once);
- a message that is not JSON, not a JSON object, or too large is kept in the
  dataset's quarantine with rule "json" (or "size"), naming the subject and the byte
  where parsing failed, and then acknowledged so it is not redelivered forever; a
  message that cannot be stored even alone is quarantined with rule "store", and one
  bad message never fails its micro-batch (it is split until the bad one is alone).

On the embedded default the in-process bus carries the same subjects
(`attach_inprocess`), each message its own micro-batch: a handler failure there is
counted by the bus, not redelivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from govbridge.bus.broker import (
    Durable,
    ensure_stream,
    kind_of,
    make_broker,
    publish_raw,
    subscribe_durable,
)
from govbridge.catalog.models import Dataset
from govbridge.ingest.stream_messages import (
    MessageOutcome,
    Topology,
    canonical_body,
    content_sha256,
)
from govbridge.ingest.stream_store import process_messages
from govbridge.runtime import Runtime

log = logging.getLogger("govbridge.ingest.streams")


# -- the subscriber side ------------------------------------------------------------------


class StreamIngestor:
    """What each durable subscriber calls with a micro-batch of its dataset's messages.

    `handle_batch` returns once the micro-batch's transaction committed (or failed),
    one flag per message: True to acknowledge it, False to have it redelivered.
    """

    def __init__(self, rt: Runtime, topology: Topology | None = None) -> None:
        self.rt = rt
        self.topology = topology or Topology()
        self.counts: Counter[str] = Counter()
        self.batches = 0  # micro-batches handled

    async def handle_batch(self, subject: str, bodies: list[bytes]) -> list[bool]:
        items = [(subject, body) for body in bodies]
        try:
            outcomes = await asyncio.to_thread(process_messages, self.rt, items,
                                               topology=self.topology)
        except Exception:  # logged; process_messages should not raise
            log.exception("storing a micro-batch on %s failed", subject)
            outcomes = [MessageOutcome(s, content_sha256(b), "retry") for s, b in items]
        self.batches += 1
        for outcome in outcomes:
            self.counts[outcome.status] += 1
        return [outcome.settled for outcome in outcomes]


def published_codes(rt: Runtime) -> list[str]:
    with rt.context() as ctx:
        return list(
            ctx.db.scalars(
                select(Dataset.resource_code)
                .where(Dataset.published_version.is_not(None), Dataset.status != "retired")
                .order_by(Dataset.resource_code)
            )
        )


def durable_for(ingestor: StreamIngestor, resource_code: str) -> Durable:
    """The dataset's durable subscription, micro-batches sized by the settings."""
    topology, settings = ingestor.topology, ingestor.rt.settings
    return Durable(
        subject=topology.subject(resource_code),
        name=topology.durable(resource_code),
        stream=topology.jstream(),
        batch_size=settings.stream_batch_messages,
        max_wait=settings.stream_batch_wait_ms / 1000,
    )


def attach(broker: Any, ingestor: StreamIngestor, resource_codes: Iterable[str]) -> dict[str, Any]:
    """One durable subscriber per dataset on a FastStream broker (NATS or Kafka)."""
    subs = {}
    for code in resource_codes:
        subs[code] = subscribe_durable(broker, durable_for(ingestor, code),
                                       ingestor.handle_batch)
    return subs


@dataclass
class Worker:
    """`govbridge stream worker`: subscribers for all published datasets until stopped."""

    rt: Runtime
    url: str
    topology: Topology = field(default_factory=Topology)
    rescan_seconds: float = 30.0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    on_attach: Callable[[str], None] | None = None
    broker: Any = None
    ingestor: StreamIngestor | None = None
    subscribers: dict[str, Any] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        self.broker = make_broker(self.url)
        self.ingestor = StreamIngestor(self.rt, self.topology)
        codes = await asyncio.to_thread(published_codes, self.rt)
        await self.broker.start()
        try:
            for code in codes:  # a subscriber that cannot start stops the worker here
                sub = subscribe_durable(self.broker, durable_for(self.ingestor, code),
                                        self.ingestor.handle_batch)
                await sub.start()
                self.subscribers[code] = sub
                self._announce(code)
            self.ready.set()
            while not self.stop.is_set():
                try:
                    await asyncio.wait_for(self.stop.wait(), self.rescan_seconds)
                except TimeoutError:
                    await self.rescan()
        finally:
            for sub in self.subscribers.values():
                with contextlib.suppress(Exception):  # stopping anyway
                    await sub.stop()
            await self.broker.stop()

    async def rescan(self) -> list[str]:
        """Subscribe datasets published since the last look; returns their codes.

        Never raises: a dataset whose subscriber could not start (broker or database
        briefly away) is left for the next look, and the worker keeps running.
        """
        assert self.broker is not None and self.ingestor is not None
        try:
            codes = await asyncio.to_thread(published_codes, self.rt)
            await ensure_stream(self.broker, self.topology.jstream())
        except Exception:  # logged; tried again at the next rescan
            log.warning("looking for new datasets failed; trying again later", exc_info=True)
            return []
        added = []
        for code in (c for c in codes if c not in self.subscribers):
            sub = subscribe_durable(self.broker, durable_for(self.ingestor, code),
                                    self.ingestor.handle_batch)
            try:
                await sub.start()
            except Exception:  # logged; tried again at the next rescan
                log.warning("subscribing %s failed; trying again later", code, exc_info=True)
                with contextlib.suppress(Exception):
                    await sub.stop()
                continue
            self.subscribers[code] = sub
            added.append(code)
            self._announce(code)
        return added

    def _announce(self, code: str) -> None:
        if self.on_attach is not None:
            self.on_attach(code)


# -- the embedded default -----------------------------------------------------------------


class InProcessIngest:
    """Stream ingest over the in-process bus: same subjects, same storing path."""

    def __init__(self, rt: Runtime, topology: Topology | None = None) -> None:
        self.rt = rt
        self.topology = topology or Topology()
        self.subjects: set[str] = set()
        self.outcomes: Counter[str] = Counter()

    def attach(self, resource_code: str) -> str:
        subject = self.topology.subject(resource_code)
        if subject not in self.subjects:
            self.subjects.add(subject)
            self.rt.bus.subscribe(subject, self._deliver)
        return subject

    def _deliver(self, topic: str, payload: dict[str, Any]) -> None:
        outcome = self.deliver_raw(topic, canonical_body(payload))
        if not outcome.settled:
            raise RuntimeError(f"message on {topic} could not be stored")

    def deliver_raw(self, subject: str, body: bytes) -> MessageOutcome:
        """Store one message as the subscriber would (also for bytes that are not JSON)."""
        outcome = process_messages(self.rt, [(subject, body)], topology=self.topology)[0]
        self.outcomes[outcome.status] += 1
        return outcome

    def _on_published(self, _topic: str, payload: dict[str, Any]) -> None:
        code = payload.get("resource_code")
        if isinstance(code, str):
            self.attach(code)


def attach_inprocess(rt: Runtime, topology: Topology | None = None) -> InProcessIngest:
    """Subscribe every published dataset on the runtime's in-process bus, and each
    dataset published later (on the `catalog.dataset.published` event)."""
    ingest = InProcessIngest(rt, topology)
    for code in published_codes(rt):
        ingest.attach(code)
    rt.bus.subscribe("catalog.dataset.published", ingest._on_published)
    return ingest


# -- the publishing side (what a department system does) ----------------------------------


@dataclass
class PublishReport:
    subject: str
    published: int = 0
    bus: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)


async def publish_lines(
    url: str, resource_code: str, lines: Iterable[bytes], *, topology: Topology | None = None,
    window: int = 256, connect_timeout: float = 5.0,
) -> PublishReport:
    """Publish one message per line to a broker, `window` at a time awaiting the PubAcks.

    Raises TimeoutError when the broker does not answer within `connect_timeout`
    (the broker client itself would keep reconnecting forever).
    """
    topo = topology or Topology()
    subject = topo.subject(resource_code)
    broker = make_broker(url, connect_timeout=connect_timeout)
    kind = kind_of(broker)
    if kind == "nats":
        broker.publisher(subject, stream=topo.jstream())  # declares the stream on start
    report = PublishReport(subject=subject, bus=kind)
    try:
        await asyncio.wait_for(broker.start(), connect_timeout)
        pending: list[Any] = []
        for line in lines:
            stream = topo.stream if kind == "nats" else None
            pending.append(publish_raw(broker, subject, line, stream=stream,
                                       msg_id=content_sha256(line)))
            if len(pending) >= window:
                await asyncio.gather(*pending)
                report.published += len(pending)
                pending = []
        if pending:
            await asyncio.gather(*pending)
            report.published += len(pending)
    finally:
        await broker.stop()
    return report


def publish_inprocess(
    ingest: InProcessIngest, resource_code: str, lines: Iterable[bytes]
) -> PublishReport:
    """Publish on the in-process bus; a line that is not a JSON object cannot travel as an
    event there, so it takes the subscriber's path for unreadable messages directly."""
    subject = ingest.attach(resource_code)
    report = PublishReport(subject=subject, bus="inprocess")
    before = Counter(ingest.outcomes)
    for line in lines:
        try:
            payload = json.loads(line)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            ingest.rt.bus.publish(subject, payload)
        else:
            ingest.deliver_raw(subject, line)
        report.published += 1
    report.outcomes = dict(ingest.outcomes - before)
    return report
