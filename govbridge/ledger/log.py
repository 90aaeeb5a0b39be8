"""The ledger's storage: append entries, build proofs, read entries back.

An append is part of the caller's transaction: the entry, the access it records
and the response all commit together or not at all, so nothing is ever half
recorded. Appends serialise on the one `ledger_state` row (its conditional update
is the first write, so the row stays locked until commit), which keeps leaf
indices gapless under concurrent callers on SQLite and PostgreSQL alike.

Every append also stores the inner perfect-subtree hashes it completes, so a
proof for any leaf later costs O(log n) lookups; a proof for a leaf just
appended needs no read at all (its path is the right edge of the tree before it).
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from govbridge.core.errors import Conflict, NotFound
from govbridge.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    ProofBuilder,
    leaf_hash,
)
from govbridge.ledger.models import LedgerEntry, LedgerNode, LedgerState, LedgerSubject
from govbridge.runtime import Ctx

STATE_ID = 1
MAX_ATTEMPTS = 5


def canonical_entry(kind: str, payload: Mapping[str, Any], at_ms: int) -> str:
    """The exact text a leaf hashes: sorted keys, no spaces, UTF-8 (no ASCII escapes)."""
    return json.dumps({"kind": kind, "at": at_ms, **payload}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@dataclass(frozen=True)
class Receipt:
    """Where an entry stands: its leaf, the tree that first holds it, and the proof."""

    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    root: bytes
    proof: tuple[bytes, ...]
    entry: str = ""  # the canonical text the leaf hashes

    def as_document(self) -> dict[str, Any]:
        """The inclusion proof as `govbridge ledger verify-proof` reads it."""
        return {"leafIdx": self.leaf_index, "treeSize": self.tree_size, "root": b64(self.root),
                "leafHash": b64(self.leaf_hash), "proof": [b64(p) for p in self.proof]}


@dataclass(frozen=True)
class NewEntry:
    kind: str
    payload: Mapping[str, Any]
    subjects: Sequence[str] = ()


def _edge_nodes(size: int, edge: Sequence[bytes]) -> Iterator[tuple[int, int, bytes]]:
    """(level, index, hash) of each right-edge perfect subtree of a tree of `size` leaves."""
    start = 0
    hashes = iter(edge)
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            yield level, start >> level, next(hashes)
            start += 1 << level


def _split_edge(raw: bytes) -> list[bytes]:
    return [raw[i:i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)]


class _StoredNodes(MutableMapping[tuple[int, int], bytes]):
    """Perfect-subtree hashes: this call's own first, then the `ledger_nodes` table."""

    def __init__(self, ctx: Ctx, local: dict[tuple[int, int], bytes]) -> None:
        self.ctx, self.local = ctx, local

    def __getitem__(self, key: tuple[int, int]) -> bytes:
        if key in self.local:
            return self.local[key]
        found = self.ctx.db.scalar(select(LedgerNode.hash).where(
            LedgerNode.level == key[0], LedgerNode.index == key[1]))
        if found is None:
            raise KeyError(key)
        self.local[key] = found
        return found

    def get(self, key: tuple[int, int], default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: tuple[int, int], value: bytes) -> None:
        self.local[key] = value

    def __delitem__(self, key: tuple[int, int]) -> None:
        raise TypeError("ledger nodes are never removed")

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.local)

    def __len__(self) -> int:
        return len(self.local)


def _builder(ctx: Ctx, leaves: dict[int, bytes] | None = None,
             nodes: dict[tuple[int, int], bytes] | None = None) -> ProofBuilder:
    known = leaves or {}

    def leaf(i: int) -> bytes:
        if i in known:
            return known[i]
        found = ctx.db.scalar(select(LedgerEntry.leaf_hash).where(LedgerEntry.leaf_index == i))
        if found is None:
            raise NotFound("ledger entry", i)
        return found

    return ProofBuilder(leaf, _StoredNodes(ctx, nodes if nodes is not None else {}))


_DUMMY = bytes(HASH_SIZE)


class _Wanted(MutableMapping[tuple[int, int], bytes]):
    """A dry run's node store: notes every (level, index) asked for, answers a dummy."""

    def __init__(self) -> None:
        self.keys: set[tuple[int, int]] = set()

    def __getitem__(self, key: tuple[int, int]) -> bytes:
        self.keys.add(key)
        return _DUMMY

    def get(self, key: tuple[int, int], default: Any = None) -> Any:
        return self[key]

    def __setitem__(self, key: tuple[int, int], value: bytes) -> None:
        pass

    def __delitem__(self, key: tuple[int, int]) -> None:
        raise TypeError("ledger nodes are never removed")

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _prefetched(ctx: Ctx, work: Callable[[ProofBuilder], object]) -> ProofBuilder:
    """A builder holding, read in a few queries, every stored hash `work` will ask for.

    A dry run of `work` on dummy hashes names the nodes and leaves it reads (with
    every node stored, that is all of them); they are then read at once instead of one
    query each. Anything missing is still read, or computed, one by one as before.
    """
    leaves_wanted: set[int] = set()

    def note_leaf(i: int) -> bytes:
        leaves_wanted.add(i)
        return _DUMMY

    nodes_wanted = _Wanted()
    with contextlib.suppress(ValueError):  # the real run raises it again
        work(ProofBuilder(note_leaf, nodes_wanted))
    nodes: dict[tuple[int, int], bytes] = {}
    by_level: dict[int, list[int]] = {}
    for level, index in sorted(nodes_wanted.keys):
        by_level.setdefault(level, []).append(index)
    if by_level:
        # One term per level, so each is a primary-key lookup (a row-value IN list is not,
        # on SQLite).
        for level, index, h in ctx.db.execute(
                select(LedgerNode.level, LedgerNode.index, LedgerNode.hash)
                .where(or_(*(and_(LedgerNode.level == level, LedgerNode.index.in_(indices))
                             for level, indices in by_level.items())))):
            nodes[(int(level), int(index))] = h
    leaves: dict[int, bytes] = {}
    if leaves_wanted:
        for i, h in ctx.db.execute(select(LedgerEntry.leaf_index, LedgerEntry.leaf_hash)
                                   .where(LedgerEntry.leaf_index.in_(sorted(leaves_wanted)))):
            leaves[int(i)] = h
    return _builder(ctx, leaves, nodes)


def _lock_state(ctx: Ctx) -> tuple[int, list[bytes]]:
    stmt = select(LedgerState.size, LedgerState.edge).where(
        LedgerState.id == STATE_ID).with_for_update()
    row = ctx.db.execute(stmt).first()
    if row is None:  # a new database: concurrent first appends may both get here
        dialect = ctx.db.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        ctx.db.execute(upsert(LedgerState).values(
            id=STATE_ID, size=0, edge=b"", updated_at=ctx.now()).on_conflict_do_nothing())
        row = ctx.db.execute(stmt).one()
    return int(row.size), _split_edge(row.edge)


def append_many(ctx: Ctx, entries: Sequence[NewEntry]) -> list[Receipt]:
    """Append entries in order; each receipt proves its entry in the tree after all of them."""
    if not entries:
        return []
    at_ms = int(ctx.now().timestamp() * 1000)
    texts = [canonical_entry(e.kind, e.payload, at_ms) for e in entries]
    hashes = [leaf_hash(t.encode()) for t in texts]
    completed: dict[tuple[int, int], bytes] = {}

    def keep(level: int, index: int, h: bytes) -> None:
        completed[(level, index)] = h

    for _ in range(MAX_ATTEMPTS):
        size, edge = _lock_state(ctx)
        completed.clear()
        tree = CompactRange.from_state(size, edge, on_node=keep)
        tree.extend(hashes)
        moved = ctx.db.execute(
            update(LedgerState).where(LedgerState.id == STATE_ID, LedgerState.size == size)
            .values(size=tree.size, edge=b"".join(tree.hashes), updated_at=ctx.now()))
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            break
    else:
        raise Conflict("the ledger is busy; try again", "ledger", None)
    ctx.db.execute(insert(LedgerEntry.__table__), [
        {"leaf_index": size + i, "kind": e.kind, "entry": t, "leaf_hash": h,
         "created_at": ctx.now()}
        for i, (e, t, h) in enumerate(zip(entries, texts, hashes, strict=True))])
    if completed:
        ctx.db.execute(insert(LedgerNode.__table__), [
            {"level": lvl, "index": idx, "hash": h} for (lvl, idx), h in completed.items()])
    subjects = [{"subject_id": s[:64], "leaf_index": size + i}
                for i, e in enumerate(entries) for s in dict.fromkeys(e.subjects) if s]
    if subjects:
        ctx.db.execute(insert(LedgerSubject.__table__), subjects)
    # Everything a proof for the new leaves needs is at hand: the old edge and this call.
    leaves = {size + i: h for i, h in enumerate(hashes)}
    nodes = dict(completed)
    for level, index, h in _edge_nodes(size, edge):
        if level == 0:
            leaves[index] = h
        else:
            nodes[(level, index)] = h
    builder = _builder(ctx, leaves, nodes)
    root = tree.root()
    return [Receipt(size + i, tree.size, h, root,
                    tuple(builder.inclusion_proof(size + i, tree.size)), texts[i])
            for i, h in enumerate(hashes)]


def append(ctx: Ctx, kind: str, payload: Mapping[str, Any], *,
           subjects: Iterable[str] = ()) -> Receipt:
    """Append one entry (an access, an agreement change, an issuance) in the caller's
    transaction; `subjects` are the person or enterprise IDs it concerns."""
    return append_many(ctx, [NewEntry(kind, payload, tuple(subjects))])[0]


def tree_state(ctx: Ctx) -> tuple[int, bytes]:
    """Current size and root."""
    row = ctx.db.execute(select(LedgerState.size, LedgerState.edge)
                         .where(LedgerState.id == STATE_ID)).first()
    if row is None or row.size == 0:
        return 0, EMPTY_ROOT
    return int(row.size), CompactRange.from_state(int(row.size), _split_edge(row.edge)).root()


def _check_size(ctx: Ctx, tree_size: int) -> None:
    size, _root = tree_state(ctx)
    if not 0 < tree_size <= size:
        raise NotFound("ledger tree of size", tree_size)


def inclusion(ctx: Ctx, leaf_index: int, tree_size: int) -> Receipt:
    """The inclusion proof of a stored leaf in the tree of the first `tree_size` leaves."""
    _check_size(ctx, tree_size)
    if not 0 <= leaf_index < tree_size:
        raise NotFound("ledger entry", leaf_index)

    def work(b: ProofBuilder) -> None:
        b.perfect_hash(0, leaf_index)
        b.root(tree_size)
        b.inclusion_proof(leaf_index, tree_size)

    builder = _prefetched(ctx, work)
    return Receipt(leaf_index, tree_size, builder.perfect_hash(0, leaf_index),
                   builder.root(tree_size), tuple(builder.inclusion_proof(leaf_index, tree_size)),
                   entry(ctx, leaf_index).entry)


def consistency(ctx: Ctx, size1: int, size2: int) -> tuple[bytes, bytes, list[bytes]]:
    """(root1, root2, proof) showing the tree of size2 extends the tree of size1."""
    _check_size(ctx, size2)
    if not 0 < size1 <= size2:
        raise NotFound("ledger tree of size", size1)

    def work(b: ProofBuilder) -> None:
        b.root(size1)
        b.root(size2)
        b.consistency_proof(size1, size2)

    builder = _prefetched(ctx, work)
    return builder.root(size1), builder.root(size2), builder.consistency_proof(size1, size2)


def entry(ctx: Ctx, leaf_index: int) -> LedgerEntry:
    found = ctx.db.get(LedgerEntry, leaf_index)
    if found is None:
        raise NotFound("ledger entry", leaf_index)
    return found


def entries_of_subject(ctx: Ctx, subject_id: str, *, kinds: Sequence[str] | None = None,
                       limit: int = 200, before: int | None = None) -> list[LedgerEntry]:
    """Entries concerning one person or enterprise, newest first (internal: no actor)."""
    stmt = (select(LedgerEntry).join(LedgerSubject,
                                     LedgerSubject.leaf_index == LedgerEntry.leaf_index)
            .where(LedgerSubject.subject_id == subject_id))
    if kinds:
        stmt = stmt.where(LedgerEntry.kind.in_(kinds))
    if before is not None:
        stmt = stmt.where(LedgerEntry.leaf_index < before)
    stmt = stmt.order_by(LedgerEntry.leaf_index.desc()).limit(min(max(limit, 1), 1000))
    return list(ctx.db.scalars(stmt))
