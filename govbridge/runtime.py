"""The running installation: settings, database and bus, and the use-case context.

API, CLI and web all hold one `Runtime` and run use cases through `Runtime.context()`,
so every operation gets one transaction and its events leave only after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from govbridge.bus.base import Event, EventBus, make_bus
from govbridge.config import Settings
from govbridge.storage.base import utcnow
from govbridge.storage.engine import make_engine, session_factory, unit_of_work


@dataclass
class Ctx:
    """What a use case may touch: one transaction, settings, a clock, pending events."""

    db: Session
    settings: Settings
    now: Callable[[], datetime] = utcnow
    events: list[Event] = field(default_factory=list)

    def emit(self, topic: str, payload: dict[str, Any]) -> None:
        self.events.append(Event(topic, payload))


class Runtime:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.resolved_database_url)
        self.sessions = session_factory(self.engine)
        self.bus: EventBus = make_bus(settings.bus_url)
        self.clock: Callable[[], datetime] = utcnow

    @contextmanager
    def context(self) -> Iterator[Ctx]:
        with unit_of_work(self.sessions) as db:
            ctx = Ctx(db=db, settings=self.settings, now=self.clock)
            yield ctx
        for event in ctx.events:
            self.bus.publish(event.topic, event.payload)

    def dispose(self) -> None:
        close = getattr(self.bus, "close", None)  # a broker bus holds a connection and a thread
        if callable(close):
            close()
        self.engine.dispose()
