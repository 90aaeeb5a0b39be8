"""`ledger audit`: every kind of tampering with stored entries is found; a clean log passes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from govbridge.ledger import audit, log
from govbridge.ledger.merkle import leaf_hash
from govbridge.ledger.models import Checkpoint, LedgerEntry, LedgerNode


@pytest.fixture
def filled(rt):
    """40 entries with a checkpoint at 20 and at 40 (signatures are not checked here)."""
    for block in range(2):
        with rt.context() as ctx:
            log.append_many(ctx, [log.NewEntry("e", {"i": block * 20 + i}) for i in range(20)])
            size, root = log.tree_state(ctx)
            ctx.db.add(Checkpoint(tree_size=size, root_hash=root, timestamp_ms=0, key_id="k",
                                  signature=b"s", created_at=ctx.now()))
    return rt


def _audit(rt):
    with rt.context() as ctx:
        return audit.audit(ctx)


def _kinds(report) -> set[str]:
    return {f.kind for f in report.findings}


def test_clean_ledger_passes(filled):
    report = _audit(filled)
    assert report.ok, report.findings
    assert (report.entries, report.checkpoints) == (40, 2) and report.nodes > 30


def test_changed_entry_is_found(filled):
    with filled.context() as ctx:
        ctx.db.execute(update(LedgerEntry).where(LedgerEntry.leaf_index == 7)
                       .values(entry='{"at":0,"i":999,"kind":"e"}'))
    report = _audit(filled)
    assert ("changed", "entry 7") in {(f.kind, f.where) for f in report.findings}


def test_rewritten_entry_with_its_hash_is_caught_by_the_checkpoint(filled):
    forged = '{"at":0,"i":999,"kind":"e"}'
    with filled.context() as ctx:
        ctx.db.execute(update(LedgerEntry).where(LedgerEntry.leaf_index == 7)
                       .values(entry=forged, leaf_hash=leaf_hash(forged.encode())))
    report = _audit(filled)
    assert "checkpoint" in _kinds(report) and "changed" not in _kinds(report)


def test_deleted_entry_is_found(filled):
    with filled.context() as ctx:
        ctx.db.execute(delete(LedgerEntry).where(LedgerEntry.leaf_index == 30))
    report = _audit(filled)
    assert ("missing", "entries 30..30") in {(f.kind, f.where) for f in report.findings}


def test_inserted_entry_is_found(filled):
    text = '{"at":0,"i":40,"kind":"e"}'
    with filled.context() as ctx:
        ctx.db.add(LedgerEntry(leaf_index=40, kind="e", entry=text,
                               leaf_hash=leaf_hash(text.encode()), created_at=ctx.now()))
    assert "edge" in _kinds(_audit(filled))


def test_reordered_entries_are_found(filled):
    with filled.context() as ctx:
        a, b = (ctx.db.get(LedgerEntry, i) for i in (3, 4))
        a_vals = (a.entry, a.leaf_hash)
        a.entry, a.leaf_hash = b.entry, b.leaf_hash
        b.entry, b.leaf_hash = a_vals
    assert "checkpoint" in _kinds(_audit(filled))


def test_time_running_backwards_is_reported_as_reordering(rt):
    with rt.context() as ctx:
        log.append(ctx, "e", {"i": 0})
    rt.clock = lambda: datetime(2020, 1, 1, tzinfo=UTC)
    with rt.context() as ctx:
        log.append(ctx, "e", {"i": 1})
    assert "reordered" in _kinds(_audit(rt))


def test_forged_cached_node_is_found(filled):
    with filled.context() as ctx:
        node = ctx.db.scalars(select(LedgerNode).order_by(LedgerNode.level.desc())).first()
        node.hash = bytes(32)
    assert "node" in _kinds(_audit(filled))


def test_checkpoint_beyond_the_log_is_found(filled):
    with filled.context() as ctx:
        ctx.db.add(Checkpoint(tree_size=99, root_hash=bytes(32), timestamp_ms=0, key_id="k",
                              signature=b"s", created_at=ctx.now()))
    report = _audit(filled)
    assert any(f.kind == "checkpoint" and "only 40" in f.detail for f in report.findings)
