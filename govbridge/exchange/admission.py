"""Admission: how many exchange queries do their work at once in one server process.

A sealed query is mostly interpreter work (checks, masking, canonical JSON, seal, receipt)
between a few short database round trips, and one process runs Python on one core at a
time. With every request thread inside a query at once, the threads contend for the
interpreter lock: each waits longer to get it back after every round trip, CPU per query
rises, and the ledger's state row (locked from a query's append to its commit) is held
longer, so throughput fell as callers were added (`govbridge bench exchange`, PostgreSQL,
2 cores: 157 queries/s at 8 callers, 123 at 32). Two queries at a time keep one on the
core while the other waits for the database (171 and 172 queries/s); the rest wait their
turn, holding nothing, not even a transaction. A query that waits longer than
`GOVBRIDGE_EXCHANGE_QUEUE_SECONDS` is answered 503 with Retry-After, nothing recorded.

Waiting on another system is not work: a query gives its slot back while a provider's node
or live source answers (`outside`), so one slow department does not hold up every other
department's queries.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from govbridge.core.errors import DomainError

RETRY_AFTER = 1  # seconds: the queue moves at hundreds of queries a second


class ExchangeBusy(DomainError):
    """Too many queries were waiting; nothing was recorded. Try again shortly."""

    status = 503
    type_slug = "exchange-busy"
    title = "Exchange busy"

    def __init__(self, waited: float, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(f"the exchange is busy: no slot came free in {waited:g} s; nothing "
                         f"was recorded, try again in {retry_after} s")
        self.retry_after = retry_after

    def extensions(self) -> dict[str, object]:
        return {"retry_after": self.retry_after}


@dataclass
class _Ticket:
    admission: Admission
    held: bool


_CURRENT: contextvars.ContextVar[_Ticket | None] = contextvars.ContextVar(
    "govbridge_exchange_slot", default=None)


class Admission:
    """At most `slots` queries at work at once; a caller waits up to `queue_seconds`."""

    def __init__(self, slots: int, queue_seconds: float) -> None:
        if slots < 1:
            raise ValueError(f"exchange slots must be at least 1, not {slots}")
        if queue_seconds <= 0:
            raise ValueError(f"exchange queue seconds must be positive, not {queue_seconds}")
        self.slots = slots
        self.queue_seconds = queue_seconds
        self._free = threading.Semaphore(slots)
        self._count = threading.Lock()
        self._in_use = 0
        self._waiting = 0
        self._refused = 0

    def free(self) -> int:
        """Slots free at this moment."""
        with self._count:
            return self.slots - self._in_use

    def figures(self) -> dict[str, int | float]:
        """For the health page: slots, in use, queries waiting, refused since the start."""
        with self._count:
            return {"slots": self.slots, "in_use": self._in_use, "waiting": self._waiting,
                    "refused": self._refused, "queue_seconds": self.queue_seconds}

    def _take(self) -> None:
        with self._count:
            self._waiting += 1
        got = self._free.acquire(timeout=self.queue_seconds)
        with self._count:
            self._waiting -= 1
            if got:
                self._in_use += 1
            else:
                self._refused += 1
        if not got:
            raise ExchangeBusy(self.queue_seconds)

    def _give_back(self) -> None:
        with self._count:
            self._in_use -= 1
        self._free.release()

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the block (a slot already held by this caller is reused)."""
        if _CURRENT.get() is not None:
            yield
            return
        self._take()
        ticket = _Ticket(self, held=True)
        token = _CURRENT.set(ticket)
        try:
            yield
        finally:
            _CURRENT.reset(token)
            if ticket.held:
                self._give_back()


@contextlib.contextmanager
def outside() -> Iterator[None]:
    """Give the caller's slot back while it waits on another system; queue for it after.

    Without a slot held (the CLI, the pages, a node) this does nothing."""
    ticket = _CURRENT.get()
    if ticket is None or not ticket.held:
        yield
        return
    ticket.held = False
    ticket.admission._give_back()
    yield  # if the block raises, the caller leaves without its slot: nothing to queue for
    ticket.admission._take()  # may raise ExchangeBusy, the ticket still not held
    ticket.held = True
