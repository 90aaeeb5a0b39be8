"""The stored ledger: appends, receipts, proofs against the reference math, concurrency."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from govbridge.core.errors import NotFound
from govbridge.ledger import log
from govbridge.ledger.merkle import (
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from govbridge.ledger.models import LedgerEntry, LedgerNode
from govbridge.ledger.proof_files import check_proof_document


def _all_leaf_hashes(rt) -> list[bytes]:
    with rt.context() as ctx:
        return list(ctx.db.scalars(select(LedgerEntry.leaf_hash)
                                   .order_by(LedgerEntry.leaf_index)))


def test_receipts_prove_each_entry_in_the_tree_just_grown(rt):
    receipts = []
    for n in range(37):
        with rt.context() as ctx:
            receipts.append(log.append(ctx, "test.event", {"n": n, "名称": "营业执照"},
                                       subjects=[f"S{n % 5}"]))
    hashes = _all_leaf_hashes(rt)
    assert [r.leaf_index for r in receipts] == list(range(37))
    for r in receipts:
        assert r.tree_size == r.leaf_index + 1
        assert r.root == root_from_leaf_hashes(hashes[: r.tree_size])
        verify_inclusion(r.leaf_hash, r.leaf_index, r.tree_size, list(r.proof), r.root)
        check_proof_document(r.as_document())
    with rt.context() as ctx:
        assert log.tree_state(ctx) == (37, root_from_leaf_hashes(hashes))


def test_leaf_hash_is_over_the_stored_canonical_text(rt):
    with rt.context() as ctx:
        r = log.append(ctx, "k", {"b": 1, "a": "中文"})
        stored = log.entry(ctx, r.leaf_index)
    assert stored.leaf_hash == leaf_hash(stored.entry.encode()) == r.leaf_hash
    parsed = json.loads(stored.entry)
    assert parsed["kind"] == "k" and parsed["a"] == "中文"
    assert stored.entry.index('"a"') < stored.entry.index('"b"')  # sorted keys


def test_batch_append_and_proofs_for_old_leaves_and_consistency(rt):
    with rt.context() as ctx:
        first = log.append_many(ctx, [log.NewEntry("e", {"i": i}) for i in range(100)])
    assert first[-1].tree_size == 100 and {r.tree_size for r in first} == {100}
    with rt.context() as ctx:
        log.append_many(ctx, [log.NewEntry("e", {"i": i}) for i in range(100, 157)])
    hashes = _all_leaf_hashes(rt)
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(LedgerNode)) > 100
        for index, size in [(0, 1), (5, 100), (99, 157), (156, 157), (64, 65)]:
            r = log.inclusion(ctx, index, size)
            verify_inclusion(hashes[index], index, size, list(r.proof),
                             root_from_leaf_hashes(hashes[:size]))
        for size1, size2 in [(1, 157), (100, 157), (64, 128), (157, 157), (3, 7)]:
            root1, root2, proof = log.consistency(ctx, size1, size2)
            assert root2 == root_from_leaf_hashes(hashes[:size2])
            verify_consistency(size1, size2, root1, root2, proof)
        with pytest.raises(NotFound):
            log.inclusion(ctx, 0, 158)
        with pytest.raises(NotFound):
            log.consistency(ctx, 0, 10)


def test_subject_index_finds_entries_newest_first(rt):
    with rt.context() as ctx:
        for n in range(6):
            log.append(ctx, "exchange.query" if n % 2 else "agreement.approved", {"n": n},
                       subjects=["A", "A", "B"] if n < 3 else ["B"])
        a = log.entries_of_subject(ctx, "A")
        b = log.entries_of_subject(ctx, "B", kinds=["exchange.query"])
    assert [e.leaf_index for e in a] == [2, 1, 0]
    assert [e.leaf_index for e in b] == [5, 3, 1]


def test_a_rolled_back_append_leaves_no_gap(rt):
    with rt.context() as ctx:
        log.append(ctx, "e", {"i": 0})
    with pytest.raises(RuntimeError), rt.context() as ctx:
        log.append(ctx, "e", {"i": 1})
        raise RuntimeError("the call failed after recording")
    with rt.context() as ctx:
        r = log.append(ctx, "e", {"i": 2})
    assert r.leaf_index == 1
    hashes = _all_leaf_hashes(rt)
    assert r.root == root_from_leaf_hashes(hashes)


def test_concurrent_appends_are_gapless_and_consistent(rt):
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            for i in range(15):
                with rt.context() as ctx:
                    log.append(ctx, "e", {"w": w, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    hashes = _all_leaf_hashes(rt)
    assert len(hashes) == 60
    with rt.context() as ctx:
        size, root = log.tree_state(ctx)
        assert (size, root) == (60, root_from_leaf_hashes(hashes))
        for i in (0, 17, 59):
            r = log.inclusion(ctx, i, 60)
            verify_inclusion(hashes[i], i, 60, list(r.proof), root)
