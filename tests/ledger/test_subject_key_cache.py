"""The current subject key is read once per transaction, and a rotation is seen at once."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.ledger import commitments, log

BUREAU = Actor.for_user(user_id=1, username="admin", roles=frozenset({Role.BUREAU_ADMIN}),
                        organization_id=None, subject_id=None)
CITIZEN = "320102199001011234"


@pytest.fixture
def key_reads(rt) -> Iterator[list[str]]:
    """The statements reading the subject key, as they run."""
    seen: list[str] = []

    def note(conn, cursor, statement, params, context, executemany):
        if "FROM ledger_subject_keys" in statement:
            seen.append(statement)

    event.listen(rt.engine, "before_cursor_execute", note)
    yield seen
    event.remove(rt.engine, "before_cursor_execute", note)


def _epoch(receipt: log.Receipt) -> str:
    return json.loads(receipt.entry)["subjects"][0].partition(":")[0]


def test_appends_of_one_transaction_read_the_key_once(rt, key_reads):
    with rt.context() as ctx:
        commitments.current_key(ctx)  # epoch 1 exists (read once)
    reads = key_reads
    reads.clear()
    with rt.context() as ctx:
        first = log.append(ctx, "test", {"n": 1}, subjects=[CITIZEN])
        second = log.append(ctx, "test", {"n": 2}, subjects=[CITIZEN])
    assert len(reads) == 1
    assert _epoch(first) == _epoch(second) == "sc1"
    with rt.context() as ctx:  # another transaction reads it again
        log.append(ctx, "test", {"n": 3}, subjects=[CITIZEN])
    assert len(reads) == 2


def test_a_rotation_in_the_transaction_is_used_by_its_next_append(rt):
    with rt.context() as ctx:
        before = log.append(ctx, "test", {"n": 1}, subjects=[CITIZEN])
        commitments.rotate_subject_key(ctx, BUREAU, "compromise drill")
        after = log.append(ctx, "test", {"n": 2}, subjects=[CITIZEN])
    assert (_epoch(before), _epoch(after)) == ("sc1", "sc2")


def test_a_rotation_by_another_transaction_is_seen_by_the_next_one(rt):
    with rt.context() as ctx:
        log.append(ctx, "test", {"n": 1}, subjects=[CITIZEN])
    with rt.context() as other:
        commitments.rotate_subject_key(other, BUREAU, "yearly rotation")
    with rt.context() as ctx:
        assert _epoch(log.append(ctx, "test", {"n": 2}, subjects=[CITIZEN])) == "sc2"
        assert commitments.current_key(ctx).epoch == 2


def test_a_key_read_in_a_rolled_back_savepoint_is_not_kept(rt):
    with rt.context() as ctx:
        savepoint = ctx.db.begin_nested()
        made = commitments.current_key(ctx)  # epoch 1 made inside the savepoint
        savepoint.rollback()
        again = commitments.current_key(ctx)  # made afresh, not the one rolled back
        log.append(ctx, "test", {"n": 1}, subjects=[CITIZEN])
    assert made.epoch == again.epoch == 1 and made.key != again.key
    with rt.context() as ctx:
        assert commitments.current_key(ctx).key == again.key
