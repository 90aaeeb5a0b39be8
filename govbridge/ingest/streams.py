"""Ingest way 3: event streams. A department system publishes records, the platform stores them.

The seed's pattern: a department's own system publishes each record (a JSON
object) or a batch (`{"rows": [...]}`) to the subject of a dataset,
`govbridge.ingest.<classification>.<sequence>` (resource code `301001001/000001` →
`govbridge.ingest.301001001.000001`). The platform runs one durable subscriber per
published dataset; every message goes through `ingest_rows` like any other way in
(source "stream", the SHA-256 of the message body as content hash, so a redelivered
or re-sent message adds nothing).

Delivery guarantees on a broker (NATS JetStream, Kafka):
- a message is acknowledged only after the transaction holding its rows (or its
  quarantine entry) committed: an acknowledged message is never lost, and a crash
  before the commit means the broker delivers it again;
- a message that is not JSON, not a JSON object, or too large is kept in the
  dataset's quarantine with rule "json" (or "size"), naming the subject and the byte
  where parsing failed, and then acknowledged so it is not redelivered forever;
- messages delivered together are stored in one transaction (group commit) and
  acknowledged each on its own; if the group fails, each message is retried alone,
  so one bad message never holds back the others.

On the embedded default the in-process bus carries the same subjects
(`attach_inprocess`): a handler failure there is counted by the bus, not redelivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select

from govbridge.bus.broker import (
    DEFAULT_INGEST_STREAM,
    Durable,
    ensure_stream,
    jetstream,
    kind_of,
    make_broker,
    publish_raw,
    subscribe_durable,
)
from govbridge.catalog.models import Dataset
from govbridge.core.errors import DomainError, InvalidInput
from govbridge.core.permissions import Permission
from govbridge.identity.actor import Actor
from govbridge.ingest.models import IngestBatch, QuarantinedRow
from govbridge.ingest.pipeline import ingest_numbered
from govbridge.ingest.schemas import BatchReport
from govbridge.runtime import Ctx, Runtime

log = logging.getLogger("govbridge.ingest.streams")

DEFAULT_PREFIX = "govbridge.ingest"
MAX_SHOWN = 200  # characters of a bad message kept in its problem's `value`
MAX_KEPT = 8192  # characters of a bad message kept in quarantine

# The subscriber acts for the platform: it may ingest, nothing else. Who may publish
# to a dataset's subject is the broker's business (NATS accounts / Kafka ACLs per
# department).
STREAM_ACTOR = Actor(kind="operator", name="stream",
                     permissions=frozenset({Permission.DATA_INGEST}))

Status = Literal["stored", "duplicate", "rejected", "retry"]


@dataclass(frozen=True)
class Topology:
    """Where ingest messages travel: a subject prefix and the JetStream stream over it."""

    prefix: str = DEFAULT_PREFIX
    stream: str = DEFAULT_INGEST_STREAM

    def subject(self, resource_code: str) -> str:
        classification, _, sequence = resource_code.strip().partition("/")
        if not classification or not sequence or "/" in sequence:
            raise InvalidInput.one(
                "resource_code", "expected classification/sequence", resource_code, "format"
            )
        return f"{self.prefix}.{classification}.{sequence}"

    def resource_code(self, subject: str) -> str:
        head = self.prefix + "."
        tokens = subject[len(head) :].split(".") if subject.startswith(head) else []
        if len(tokens) != 2 or not all(tokens):
            raise ValueError(f"{subject!r} is not an ingest subject under {self.prefix!r}")
        return "/".join(tokens)

    def durable(self, resource_code: str) -> str:
        """Consumer (Kafka: group) name; JetStream allows no dots or slashes in it."""
        return re.sub(r"[^A-Za-z0-9_-]", "_", f"{self.prefix}.{resource_code}")

    def jstream(self) -> Any:
        return jetstream(self.stream, [f"{self.prefix}.>"])


@dataclass
class MessageOutcome:
    """What became of one message. `settled` ones are acknowledged, `retry` ones come back."""

    subject: str
    content_sha256: str
    status: Status
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batch_id: int | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        return self.status != "retry"


class MessageRejected(Exception):
    """The message as a whole cannot be read; carries the problem to quarantine."""

    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(problem["reason"])
        self.problem = problem


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _problem(subject: str, rule: str, reason: str, body: bytes, offset: int | None) -> dict:
    text = body.decode("utf-8", errors="replace")
    return {
        "row": None,
        "field": "message",
        "value": text[:MAX_SHOWN],
        "rule": rule,
        "reason": reason,
        "subject": subject,
        "byte_offset": offset,
    }


def parse_message(
    subject: str, body: bytes, *, max_bytes: int | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a message: one JSON object, or `{"rows": [objects]}`.

    Raises MessageRejected naming the subject and, for a parse error, the byte offset.
    """
    if max_bytes is not None and len(body) > max_bytes:
        raise MessageRejected(
            _problem(
                subject,
                "size",
                f"message on {subject} has {len(body)} bytes, more than the {max_bytes} allowed",
                body[:MAX_SHOWN],
                None,
            )
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f"message on {subject} is not UTF-8 JSON: invalid byte at offset {exc.start}",
                body,
                exc.start,
            )
        ) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        offset = len(text[: exc.pos].encode())
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f"message on {subject} is not JSON: {exc.msg} at byte {offset} "
                f"(line {exc.lineno}, column {exc.colno})",
                body,
                offset,
            )
        ) from None
    except ValueError as exc:
        raise MessageRejected(
            _problem(subject, "json", f"message on {subject} is not JSON: {exc}", body, None)
        ) from None
    if not isinstance(data, dict):
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f"message on {subject} is a JSON {_json_type(data)}, not an object: send one "
                'record as an object or a batch as {"rows": [...]}',
                body,
                0,
            )
        )
    if set(data) != {"rows"}:
        return [(1, data)]
    rows = data["rows"]
    if not isinstance(rows, list) or not rows:
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f'message on {subject}: "rows" must be a non-empty list of objects',
                body,
                None,
            )
        )
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise MessageRejected(
                _problem(
                    subject,
                    "json",
                    f"message on {subject}: rows[{i}] is a JSON {_json_type(row)}, not an object",
                    body,
                    None,
                )
            )
    return list(enumerate(rows, start=1))


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def content_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_body(payload: dict[str, Any]) -> bytes:
    """Bytes of an in-process event, stable across runs (for its content hash)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- storing ------------------------------------------------------------------------------


def _store_rejection(
    ctx: Ctx, resource_code: str, subject: str, sha: str, body: bytes, problems: list[dict]
) -> MessageOutcome:
    """Keep an unreadable message in its dataset's quarantine, once per content hash."""
    ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == resource_code))
    if ds is None:
        raise LookupError(f"no dataset {resource_code} for {subject}")
    seen = ctx.db.scalar(
        select(IngestBatch.id).where(
            IngestBatch.dataset_id == ds.id, IngestBatch.content_sha256 == sha
        )
    )
    if seen is not None:
        return MessageOutcome(subject, sha, "duplicate", batch_id=seen, problems=problems)
    report = {"subject": subject, "accepted": 0, "rejected": 1, "problems": problems}
    batch = IngestBatch(
        dataset_id=ds.id,
        dataset_version=ds.published_version or 0,
        source="stream",
        content_sha256=sha,
        filename=subject,
        received=1,
        accepted=0,
        duplicates=0,
        rejected=1,
        report=report,
        created_by=STREAM_ACTOR.label,
        created_at=ctx.now(),
    )
    ctx.db.add(batch)
    ctx.db.flush()
    text = body.decode("utf-8", errors="replace")
    ctx.db.add(
        QuarantinedRow(
            dataset_id=ds.id,
            batch_id=batch.id,
            row_number=None,
            raw={"subject": subject, "body": text[:MAX_KEPT], "bytes": len(body)},
            problems=problems,
            created_at=ctx.now(),
        )
    )
    return MessageOutcome(subject, sha, "rejected", received=1, rejected=1, batch_id=batch.id,
                          problems=problems)


def _ingest_one(ctx: Ctx, topology: Topology, subject: str, body: bytes) -> MessageOutcome:
    sha = content_sha256(body)
    code = topology.resource_code(subject)
    try:
        rows = parse_message(subject, body, max_bytes=ctx.settings.max_body_bytes)
    except MessageRejected as exc:
        return _store_rejection(ctx, code, subject, sha, body, [exc.problem])
    report = ingest_numbered(
        ctx, STREAM_ACTOR, code, rows, source="stream", content_sha256=sha, filename=subject
    )
    return _outcome_of(subject, sha, report)


def _outcome_of(subject: str, sha: str, report: BatchReport) -> MessageOutcome:
    """The message's outcome from its batch report.

    A message whose content was ingested before (`duplicate_batch`) added nothing: its
    report is the first one's, so its counts are not counted again here. A new message
    whose rows all were stored before is a duplicate too; one with no row accepted and
    some rejected is rejected (its rows are in the quarantine).
    """
    problems = [p.model_dump() for p in report.problems[:20]]
    if report.duplicate_batch:
        return MessageOutcome(subject, sha, "duplicate", received=report.received,
                              duplicates=report.received, batch_id=report.batch_id,
                              problems=problems)
    status: Status = "stored"
    if report.accepted == 0:
        status = "rejected" if report.rejected > 0 else "duplicate"
    return MessageOutcome(
        subject,
        sha,
        status,
        received=report.received,
        accepted=report.accepted,
        duplicates=report.duplicates,
        rejected=report.rejected,
        batch_id=report.batch_id,
        problems=problems,
    )


def _domain_rejection(
    rt: Runtime, topology: Topology, subject: str, body: bytes, exc: DomainError
) -> MessageOutcome:
    """ingest_rows refused the message as a whole (e.g. dataset retired): quarantine it."""
    sha = content_sha256(body)
    if isinstance(exc, InvalidInput):
        problems = [
            {"row": p.row, "field": p.field, "value": p.value, "rule": p.code, "reason": p.reason,
             "subject": subject}
            for p in exc.problems
        ]
    else:
        problems = [{"row": None, "field": "message", "value": None, "rule": exc.type_slug,
                     "reason": f"message on {subject}: {exc.detail}", "subject": subject}]
    try:
        with rt.context() as ctx:
            return _store_rejection(ctx, topology.resource_code(subject), subject, sha, body,
                                    problems)
    except LookupError:
        log.error("message on %s dropped: %s (no such dataset)", subject, exc.detail)
        return MessageOutcome(subject, sha, "rejected", received=1, rejected=1, problems=problems)


def process_messages(
    rt: Runtime, messages: Sequence[tuple[str, bytes]], *, topology: Topology | None = None
) -> list[MessageOutcome]:
    """Store messages (subject, body): all in one transaction, else each alone.

    Never raises: a message whose storing failed for a passing reason (database
    down, lock timeout) comes back as status "retry" and must be redelivered.
    """
    topo = topology or Topology()
    if not messages:
        return []
    if len(messages) > 1:
        try:
            return _process_group(rt, topo, messages)
        except Exception:  # logged below; fall back to one transaction per message
            log.debug("group of %d failed; storing one by one", len(messages), exc_info=True)
    return [_process_alone(rt, topo, subject, body) for subject, body in messages]


def _process_group(
    rt: Runtime, topology: Topology, messages: Sequence[tuple[str, bytes]]
) -> list[MessageOutcome]:
    out: list[MessageOutcome] = []
    first: dict[tuple[str, str], MessageOutcome] = {}
    with rt.context() as ctx:
        for subject, body in messages:
            key = (subject, content_sha256(body))
            if key in first:  # the same message twice in one delivery
                out.append(MessageOutcome(subject, key[1], "duplicate",
                                          batch_id=first[key].batch_id))
                continue
            outcome = _ingest_one(ctx, topology, subject, body)
            first[key] = outcome
            out.append(outcome)
    return out


def _process_alone(rt: Runtime, topology: Topology, subject: str, body: bytes) -> MessageOutcome:
    try:
        with rt.context() as ctx:
            return _ingest_one(ctx, topology, subject, body)
    except DomainError as exc:
        return _domain_rejection(rt, topology, subject, body, exc)
    except ValueError as exc:  # a subject outside the topology: nothing to store it under
        log.error("message on %s dropped: %s", subject, exc)
        return MessageOutcome(subject, content_sha256(body), "rejected", received=1, rejected=1)
    except Exception:  # logged; redelivered later, the broker keeps it meanwhile
        log.warning("storing a message on %s failed; it will be redelivered", subject,
                    exc_info=True)
        return MessageOutcome(subject, content_sha256(body), "retry")


# -- the subscriber side ------------------------------------------------------------------


class StreamIngestor:
    """Collects messages delivered concurrently and stores them with one commit.

    `handle` is what each durable subscriber calls; it returns only after the
    message's transaction committed (True: acknowledge) or failed (False: redeliver).
    """

    def __init__(self, rt: Runtime, topology: Topology | None = None, *,
                 max_group: int = 500) -> None:
        self.rt = rt
        self.topology = topology or Topology()
        self.max_group = max_group
        self.counts: Counter[str] = Counter()
        self._pending: list[tuple[str, bytes, asyncio.Future[MessageOutcome]]] = []
        self._flushing = False
        self._flush_task: asyncio.Task[None] | None = None  # kept: the loop holds tasks weakly

    async def handle(self, subject: str, body: bytes) -> bool:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[MessageOutcome] = loop.create_future()
        self._pending.append((subject, body, fut))
        if not self._flushing:
            self._flushing = True
            self._flush_task = loop.create_task(self._flush())
        outcome = await fut
        return outcome.settled

    async def _flush(self) -> None:
        try:
            await asyncio.sleep(0)  # let the other deliveries of this fetch join the group
            while self._pending:
                group = self._pending[: self.max_group]
                del self._pending[: self.max_group]
                items = [(s, b) for s, b, _ in group]
                try:
                    outcomes = await asyncio.to_thread(
                        process_messages, self.rt, items, topology=self.topology
                    )
                except Exception:  # logged; process_messages should not raise
                    log.exception("storing a group failed")
                    outcomes = [MessageOutcome(s, content_sha256(b), "retry") for s, b in items]
                for (_, _, fut), outcome in zip(group, outcomes, strict=True):
                    self.counts[outcome.status] += 1
                    if not fut.done():
                        fut.set_result(outcome)
        finally:
            self._flushing = False


def published_codes(rt: Runtime) -> list[str]:
    with rt.context() as ctx:
        return list(
            ctx.db.scalars(
                select(Dataset.resource_code)
                .where(Dataset.published_version.is_not(None), Dataset.status != "retired")
                .order_by(Dataset.resource_code)
            )
        )


def durable_for(topology: Topology, resource_code: str, *, batch_size: int = 256) -> Durable:
    return Durable(
        subject=topology.subject(resource_code),
        name=topology.durable(resource_code),
        stream=topology.jstream(),
        batch_size=batch_size,
    )


def attach(broker: Any, ingestor: StreamIngestor, resource_codes: Iterable[str]) -> dict[str, Any]:
    """One durable subscriber per dataset on a FastStream broker (NATS or Kafka)."""
    subs = {}
    for code in resource_codes:
        subs[code] = subscribe_durable(broker, durable_for(ingestor.topology, code),
                                       ingestor.handle)
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
        self.subscribers = attach(self.broker, self.ingestor, codes)
        for code in codes:
            self._announce(code)
        await self.broker.start()
        self.ready.set()
        try:
            while not self.stop.is_set():
                try:
                    await asyncio.wait_for(self.stop.wait(), self.rescan_seconds)
                except TimeoutError:
                    await self.rescan()
        finally:
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
            sub = subscribe_durable(self.broker, durable_for(self.topology, code),
                                    self.ingestor.handle)
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
