"""A real message broker behind the bus: NATS JetStream or Kafka, one code path via FastStream.

`GOVBRIDGE_BUS_URL` picks the broker: `nats://host:4222` (JetStream; what our machines
run and CI tests for real) or `kafka://host:9092` (FastStream's KafkaBroker, same
handlers; tested here only with FastStream's in-memory TestKafkaBroker).

Two things live here:

- the async building blocks the stream worker uses (`make_broker`, `subscribe_durable`,
  `publish_raw`): one durable consumer per subject delivering micro-batches (up to
  `batch_size` messages, collected for at most `max_wait` seconds), raw message bytes
  handed to the handler untouched (so a body that is not JSON still reaches it), and
  a manual acknowledgement of each message only after the handler says it is settled
  (NATS acknowledges message by message; Kafka commits the batch's offsets, so when
  one message of a Kafka batch must come back the whole batch does, and the settled
  ones are then duplicates that add nothing);
- `BrokerBus`, the synchronous `EventBus` the `Runtime` holds: it runs the broker on
  a private event loop thread, publishes domain events after commit (best effort,
  failures counted and logged like the in-process bus), and its `health()` really
  asks the broker (a NATS PING/PONG round trip and JetStream account info; a Kafka
  cluster description).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from faststream import Context
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy

log = logging.getLogger("govbridge.bus")
# FastStream's own logger prints to stdout, which would corrupt `--json` output of the
# CLI; ours has no handler of its own and goes wherever the process sends its logs.
broker_log = logging.getLogger("govbridge.bus.faststream")

BrokerKind = Literal["nats", "kafka"]
Handler = Callable[[str, dict[str, Any]], None]
# Takes (subject, raw bodies of a micro-batch); returns one flag per body: True when
# that message is settled (stored, duplicate or quarantined: acknowledge it), False
# when it must come back later.
BatchHandler = Callable[[str, list[bytes]], Awaitable[list[bool]]]
T = TypeVar("T")

DEFAULT_INGEST_STREAM = "GOVBRIDGE_INGEST"  # JetStream stream over `govbridge.ingest.>`
DEFAULT_STREAM_MAX_AGE = 7 * 24 * 3600.0  # seconds a message stays replayable in JetStream
RETRY_DELAY = 2.0  # seconds before an unsettled message is offered again


def broker_kind(url: str) -> BrokerKind | None:
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("nats", "tls"):
        return "nats"
    if scheme == "kafka":
        return "kafka"
    return None


def safe_url(url: str) -> str:
    """The broker address without credentials, for health output and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    creds = "***@" if parts.username or parts.password else ""
    return f"{parts.scheme}://{creds}{host}"


def _servers(url: str) -> list[str]:
    """`nats://a:4222,b:4222` or `kafka://a:9092,b:9092` → the server list."""
    scheme, rest = url.split("://", 1)
    rest = rest.split("/", 1)[0]
    userinfo = ""
    if "@" in rest:
        userinfo, rest = rest.rsplit("@", 1)
        userinfo += "@"
    hosts = [h for h in rest.split(",") if h]
    if scheme.lower() == "kafka":
        return hosts
    return [f"{scheme}://{userinfo}{h}" for h in hosts]


def make_broker(url: str, *, connect_timeout: float = 3.0, log_level: int = logging.DEBUG) -> Any:
    """A FastStream broker for `url`, not yet connected.

    Per-message "Received/Processed" lines go to DEBUG so a busy stream does not
    flood the log (and does not cost throughput).
    """
    kind = broker_kind(url)
    if kind == "nats":
        from faststream.nats import NatsBroker

        return NatsBroker(
            _servers(url),
            connect_timeout=max(1, round(connect_timeout)),
            max_reconnect_attempts=-1,
            logger=broker_log,
            log_level=log_level,
        )
    if kind == "kafka":
        from faststream.kafka import KafkaBroker

        return KafkaBroker(
            _servers(url), request_timeout_ms=int(connect_timeout * 1000), logger=broker_log,
            log_level=log_level,
        )
    raise ValueError(f"not a broker URL: {url.split('://', 1)[0]!r}; use nats:// or kafka://")


def kind_of(broker: Any) -> BrokerKind:
    from faststream.kafka import KafkaBroker

    return "kafka" if isinstance(broker, KafkaBroker) else "nats"


async def raw_body(msg: StreamMessage[Any]) -> bytes:
    """Decoder that keeps the body exactly as sent: parsing is the handler's job,
    so a message that is not JSON is reported, not dropped by the framework."""
    return bytes(msg.body)


async def raw_bodies(msg: StreamMessage[Any]) -> list[bytes]:
    """`raw_body` for a micro-batch: each body exactly as sent, in delivery order."""
    return [bytes(b) for b in msg.body]


def jetstream(name: str, subjects: list[str], max_age: float = DEFAULT_STREAM_MAX_AGE) -> Any:
    """The JetStream stream over the ingest subjects.

    Limits retention: an acknowledged message stays replayable until `max_age`; a
    consumer created later (a dataset published later) starts from the beginning.
    The 2-minute duplicate window drops re-sends carrying the same `Nats-Msg-Id`.
    """
    from faststream.nats import JStream

    return JStream(name, subjects=subjects, max_age=max_age, duplicate_window=120.0)


@dataclass(frozen=True)
class Durable:
    """One durable subscription: a subject (Kafka: topic), a consumer (Kafka: group).

    Messages come in micro-batches of at most `batch_size`, collected for at most
    `max_wait` seconds (config.py: `stream_batch_messages`, `stream_batch_wait_ms`).
    """

    subject: str
    name: str
    stream: Any = None  # the JStream for NATS; unused by Kafka
    batch_size: int = 500
    max_wait: float = 0.2


def subscribe_durable(broker: Any, spec: Durable, handler: BatchHandler) -> Any:
    """A durable, manually acknowledged micro-batch subscription; call `await sub.start()`
    once the broker is started (Kafka: registering before the start is enough).

    A message is acknowledged only after `handler` said it is settled (for ingest:
    after the database commit of its micro-batch), so an acknowledged message is never
    lost; one the handler did not settle (or all, when the handler fails) is
    negatively acknowledged and comes back after RETRY_DELAY.

    NATS: our own pull loop over the broker's connection (`NatsBatchConsumer`), not
    FastStream's batch subscriber, which (0.7.8 with nats-py 2.16) lets nats-py's bare
    `asyncio.TimeoutError` escape its collecting loop when a batch is not full at the
    deadline: the task restarts and the messages collected so far wait out the
    consumer's 30-second ack wait. Kafka: FastStream's batch subscriber (`getmany`).
    """
    if kind_of(broker) == "nats":
        return NatsBatchConsumer(broker, spec, handler)
    sub = broker.subscriber(
        spec.subject,
        group_id=spec.name,
        auto_offset_reset="earliest",
        batch=True,
        max_records=spec.batch_size,
        batch_timeout_ms=max(1, round(spec.max_wait * 1000)),
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_bodies,
    )

    # One body parameter (FastStream hands it the decoded bodies whole) and the message
    # from the context; a second plain parameter would make FastStream unpack the body.
    async def on_batch(bodies: list[bytes], message: Any = Context("message")) -> None:
        settled = await _settle(handler, spec.subject, bodies)
        if all(settled):
            await message.ack()  # commits the batch's offsets
        else:
            await asyncio.sleep(RETRY_DELAY)  # seek back to the batch; pause: no hot loop
            await message.nack()

    sub(on_batch)
    return sub


async def _settle(handler: BatchHandler, subject: str, bodies: list[bytes]) -> list[bool]:
    try:
        settled = await handler(subject, bodies)
    except Exception:
        log.exception("handler failed on %s; %d messages will be redelivered", subject,
                      len(bodies))
        return [False] * len(bodies)
    if len(settled) != len(bodies):
        log.error("handler settled %d of %d messages on %s; all will be redelivered",
                  len(settled), len(bodies), subject)
        return [False] * len(bodies)
    return settled


class NatsBatchConsumer:
    """A JetStream durable pull consumer handing micro-batches to a handler.

    A micro-batch closes when it holds `batch_size` messages or `max_wait` seconds
    after its first message arrived, whichever comes first; an idle consumer asks the
    server again every IDLE_POLL seconds. Each message is acknowledged on its own once
    the handler settled it (one lost acknowledgement only means a redelivery, which
    the handler finds stored already); the others are negatively acknowledged with
    RETRY_DELAY. The consumer is created if missing (explicit acknowledgement, the
    server's 30-second ack wait: a killed worker's unacknowledged messages come back
    after it).
    """

    IDLE_POLL = 1.0

    def __init__(self, broker: Any, spec: Durable, handler: BatchHandler) -> None:
        self.broker, self.spec, self.handler = broker, spec, handler
        self.batches = 0
        self._psub: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await ensure_stream(self.broker, self.spec.stream)
        js = self.broker.connection.jetstream()
        stream = getattr(self.spec.stream, "name", None)
        self._psub = await js.pull_subscribe(self.spec.subject, durable=self.spec.name,
                                             stream=stream)
        self._task = asyncio.create_task(self._run(), name=f"nats-batch-{self.spec.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._psub is not None:
            with contextlib.suppress(Exception):  # the connection may be gone already
                await self._psub.unsubscribe()
            self._psub = None

    async def _run(self) -> None:
        from nats.errors import ConnectionClosedError
        from nats.js.errors import ServiceUnavailableError

        # The next micro-batch is collected while the last one is being stored; it is
        # handed over only once that one is settled, so micro-batches are stored one
        # at a time, in delivery order.
        storing: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    msgs = await self._collect()
                except (ConnectionClosedError, ServiceUnavailableError, ConnectionError):
                    log.warning("NATS unavailable for %s; trying again", self.spec.subject)
                    await asyncio.sleep(self.IDLE_POLL)
                    continue
                except Exception:  # logged; what was fetched and not acked comes back later
                    log.exception("fetching from %s failed; trying again", self.spec.subject)
                    await asyncio.sleep(self.IDLE_POLL)
                    continue
                if storing is not None:
                    await asyncio.shield(storing)  # a stop lets it settle (finally)
                    storing = None
                if msgs:
                    storing = asyncio.create_task(self._deliver(msgs))
        finally:
            if storing is not None:  # stopping: let the one being stored settle
                await asyncio.shield(storing)

    async def _collect(self) -> list[Any]:
        msgs: list[Any] = []
        size, closes = self.spec.batch_size, None
        while len(msgs) < size:
            wait = self.IDLE_POLL if closes is None else closes - time.monotonic()
            if wait <= 0.001:
                break
            try:
                msgs += await self._psub.fetch(batch=size - len(msgs), timeout=wait)
            except TimeoutError:  # nats-py raises its own and the bare asyncio one
                if closes is None:
                    continue
                break
            if closes is None and msgs:
                closes = time.monotonic() + self.spec.max_wait
        return msgs

    async def _deliver(self, msgs: list[Any]) -> None:
        settled = await _settle(self.handler, self.spec.subject, [bytes(m.data) for m in msgs])
        self.batches += 1
        for msg, done in zip(msgs, settled, strict=True):
            try:
                if done:
                    await msg.ack()
                else:
                    await msg.nak(delay=RETRY_DELAY)
            except Exception:  # noqa: BLE001 - unacknowledged: redelivered, found stored
                log.warning("acknowledging a message on %s failed", self.spec.subject)


async def ensure_stream(broker: Any, stream: Any) -> None:
    """Create a JetStream stream unless it exists.

    The broker declares the streams of the subscribers it has when it starts; one
    subscribed later (a dataset published while the worker runs, on a server where
    no ingest stream exists yet) finds no stream to attach its consumer to.
    """
    if stream is None or kind_of(broker) != "nats":
        return
    from nats.js.errors import NotFoundError

    js = broker.connection.jetstream()
    try:
        await js.stream_info(stream.name)
    except NotFoundError:
        await js.add_stream(config=stream.config, subjects=list(stream.subjects))


async def publish_raw(
    broker: Any, subject: str, body: bytes, *, stream: str | None = None, msg_id: str | None = None
) -> None:
    """Publish bytes as a department system would: JetStream (with its PubAck) or Kafka."""
    if kind_of(broker) == "nats":
        headers = {"Nats-Msg-Id": msg_id} if msg_id else None
        await broker.publish(body, subject, stream=stream, headers=headers)
    else:
        await broker.publish(body, subject)


async def check(broker: Any, *, timeout: float = 3.0, stream: str | None = None) -> dict[str, Any]:
    """Ask the connected broker whether it answers; raises when it does not."""
    started = time.perf_counter()
    out: dict[str, Any] = {}
    if kind_of(broker) == "nats":
        nc = broker.connection
        if nc is None or not nc.is_connected:
            raise ConnectionError("not connected to NATS")
        await nc.flush(timeout=timeout)  # PING/PONG round trip
        js = nc.jetstream()
        account = await asyncio.wait_for(js.account_info(), timeout)
        out["jetstream"] = {"streams": account.streams, "consumers": account.consumers}
        if stream:
            try:
                info = await asyncio.wait_for(js.stream_info(stream), timeout)
                out["jetstream"]["ingest_stream"] = {
                    "name": stream,
                    "messages": info.state.messages,
                    "consumers": info.state.consumer_count,
                }
            except Exception:  # noqa: BLE001 - not created until the first subscriber starts
                out["jetstream"]["ingest_stream"] = {"name": stream, "exists": False}
    elif not await broker.ping(timeout=timeout):
        raise ConnectionError("Kafka cluster did not answer")
    out["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return out


class BrokerBus:
    """The `EventBus` over a real broker, usable from synchronous code.

    The broker runs on a private event-loop thread and connects on first use, so
    building a `Runtime` never blocks on the network. Domain events are published
    as JSON (core NATS subjects / Kafka topics); like the in-process bus, a failed
    publish is counted and logged, never raised into a committed use case.
    """

    def __init__(self, url: str, *, timeout: float = 3.0, ingest_stream: str | None = None) -> None:
        kind = broker_kind(url)
        if kind is None:
            raise ValueError(f"not a broker URL: {url.split('://', 1)[0]!r}")
        self.kind: str = kind
        self.url = url
        self.shown = safe_url(url)
        self.timeout = timeout
        self.ingest_stream = ingest_stream
        self.published = 0
        self.failures = 0
        self._broker: Any = None
        self._handlers: list[tuple[str, Handler]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self._connect_lock: asyncio.Lock | None = None

    # -- the private loop ---------------------------------------------------------------

    def _run(self, factory: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
        with self._guard:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name=f"govbridge-bus-{self.kind}", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
        fut: Future[T] = asyncio.run_coroutine_threadsafe(factory(), self._loop)
        try:
            return fut.result(timeout)
        except TimeoutError:
            fut.cancel()
            raise

    async def _connected(self) -> Any:
        if self._connect_lock is None:
            self._connect_lock = asyncio.Lock()
        async with self._connect_lock:
            if self._broker is None:
                broker = make_broker(self.url, connect_timeout=self.timeout)
                for topic, handler in self._handlers:
                    self._register(broker, topic, handler)
                await asyncio.wait_for(broker.start(), self.timeout + 1)
                self._broker = broker
            return self._broker

    def _register(self, broker: Any, topic: str, handler: Handler) -> Any:
        async def deliver(body: bytes) -> None:
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                self.failures += 1
                log.warning("event on %s is not JSON; skipped", topic)
                return
            try:
                await asyncio.to_thread(handler, topic, payload)
            except Exception:
                self.failures += 1
                log.exception("event handler for %s failed", topic)

        sub = broker.subscriber(topic, decoder=raw_body)
        sub(deliver)
        return sub

    # -- EventBus -----------------------------------------------------------------------

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()

        async def send() -> None:
            broker = await self._connected()
            await broker.publish(body, topic, headers={"content-type": "application/json"})

        try:
            self._run(send, self.timeout + 2)
            self.published += 1
        except Exception as exc:  # noqa: BLE001 - events are best effort after commit
            self.failures += 1
            log.warning("could not publish %s to %s: %s", topic, self.shown, type(exc).__name__)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers.append((topic, handler))
        if self._broker is None:
            return

        async def attach() -> None:
            sub = self._register(self._broker, topic, handler)
            await sub.start()

        self._run(attach, self.timeout + 2)

    def health(self) -> dict[str, Any]:
        base: dict[str, Any] = {"kind": self.kind, "server": self.shown,
                                "published": self.published, "failures": self.failures}

        async def probe() -> dict[str, Any]:
            broker = await self._connected()
            return await check(broker, timeout=self.timeout, stream=self.ingest_stream)

        try:
            return {"status": "ok", **base, **self._run(probe, self.timeout * 3 + 2)}
        except Exception as exc:  # noqa: BLE001 - health reports, never raises
            return {"status": "down", **base, "error": type(exc).__name__}

    def close(self) -> None:
        if self._loop is None:
            return
        if self._broker is not None:

            async def stop() -> None:
                await self._broker.stop()

            try:
                self._run(stop, self.timeout + 2)
            except Exception:
                log.debug("broker stop failed", exc_info=True)
            self._broker = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop.close()
        self._loop = self._thread = None
