"""SQLite: one writing transaction at a time in this process, handed over as soon as free.

The exchange's `record` queues here before it counts and appends (`hold_sqlite_writer`);
the lock is released by a session listener when the transaction ends, however it ends.
It belongs to storage, not to the exchange: it is about SQLite's single writer and a
session's transaction, and any hot writing path may use it. On PostgreSQL it does
nothing (row locks order the writers).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

WRITER_WAIT_SECONDS = 10.0  # as long as SQLite's own busy timeout (storage/engine.py)
_HELD = "govbridge.storage.writer"
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def hold_sqlite_writer(session: Session) -> None:
    """On SQLite, queue for this process's writer lock; held until the session's
    transaction ends.

    SQLite lets one transaction write at a time. The others wait in its busy handler, which
    sleeps in steps of up to 100 ms and so leaves the database idle while they sleep; under
    concurrent calls throughput fell and p99 rose past a second. Queueing here hands the
    write over as soon as it is free. SQLite's own lock still decides (other writers, other
    processes); this only orders this process's calls. A transaction that has written
    already holds SQLite's lock and does not queue: waiting here could deadlock with a
    holder of this lock that waits for SQLite's.
    """
    engine = session.get_bind()
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite" \
            or _HELD in session.info:
        return
    raw = session.connection().connection.dbapi_connection
    if raw is None or getattr(raw, "in_transaction", True):
        return
    lock = _WRITERS.get(engine)
    if lock is None:
        with _WRITERS_GUARD:
            lock = _WRITERS.setdefault(engine, threading.Lock())
    if lock.acquire(timeout=WRITER_WAIT_SECONDS):  # else go on: SQLite still serialises
        session.info[_HELD] = lock


@sa_event.listens_for(Session, "after_transaction_end")
def _release_writer(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        lock = session.info.pop(_HELD, None)
        if lock is not None:
            lock.release()
