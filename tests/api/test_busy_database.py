"""A write that finds the database locked by another writer past its busy timeout answers
503 with Retry-After (nothing was written; retry), never 500 (issue 11, finding 8)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from govbridge.api.problems import busy_database
from govbridge.core.permissions import Role


def _real_lock_error(tmp_path) -> OperationalError:
    """SQLite's own 'database is locked', raised by a second writer with no busy timeout."""
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return OperationalError("BEGIN IMMEDIATE", {}, exc)
    finally:
        holder.rollback()
        holder.close()
        other.close()
    raise AssertionError("the second writer got the lock")


def test_a_locked_database_is_busy_and_other_errors_are_not(tmp_path):
    busy = busy_database(_real_lock_error(tmp_path))
    assert busy is not None and busy.status == 503 and busy.retry_after >= 1
    other = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    assert busy_database(other) is None


@pytest.mark.slow
def test_a_write_waiting_out_the_lock_gets_503_with_retry_after(rt, client, token_for):
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    token = token_for(Role.BUREAU_ADMIN)
    holder = sqlite3.connect(rt.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write
    try:
        resp = client.post("/api/v1/ledger/checkpoints",
                           headers={"Authorization": f"Bearer {token}"})
    finally:
        holder.rollback()
        holder.close()
    assert resp.status_code == 503, resp.text
    assert resp.headers["retry-after"] == "1"
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "busy" in resp.json()["detail"]
    # once the lock is gone the same call goes through
    again = client.post("/api/v1/ledger/checkpoints",
                        headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 201, again.text
