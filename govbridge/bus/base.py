"""The bus interface and the in-process bus of the embedded default."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

Handler = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Event:
    topic: str
    payload: dict[str, Any]


class EventBus(Protocol):
    kind: str

    def publish(self, topic: str, payload: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str, handler: Handler) -> None: ...

    def health(self) -> dict[str, Any]: ...


@dataclass
class InProcessBus:
    """Synchronous fan-out inside one process; a handler's failure is isolated."""

    kind: str = "inprocess"
    _handlers: dict[str, list[Handler]] = field(default_factory=lambda: defaultdict(list))
    published: int = 0
    failures: int = 0

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.published += 1
        for pattern, handlers in list(self._handlers.items()):
            if _matches(pattern, topic):
                for handler in handlers:
                    try:
                        handler(topic, payload)
                    except Exception:  # noqa: BLE001 - one bad subscriber must not break the publisher
                        self.failures += 1

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "kind": self.kind, "published": self.published}


def _matches(pattern: str, topic: str) -> bool:
    """NATS-style subjects: `*` matches one token, `>` the rest."""
    p, t = pattern.split("."), topic.split(".")
    for i, part in enumerate(p):
        if part == ">":
            return len(t) > i
        if i >= len(t) or (part != "*" and part != t[i]):
            return False
    return len(p) == len(t)


def make_bus(url: str) -> EventBus:
    """`inprocess://` (embedded default), `nats://host:4222` (JetStream) or `kafka://host:9092`."""
    if url.startswith("inprocess"):
        return InProcessBus()
    from govbridge.bus.broker import DEFAULT_INGEST_STREAM, BrokerBus, broker_kind

    if broker_kind(url) is not None:
        return BrokerBus(url, ingest_stream=DEFAULT_INGEST_STREAM)
    raise ValueError(
        f"unsupported bus URL scheme in {url.split('://')[0]!r}; "
        "use inprocess://, nats://host:port or kafka://host:port"
    )
