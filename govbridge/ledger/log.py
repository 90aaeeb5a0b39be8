"""The ledger's storage: append entries, build proofs, read entries back.

An append is part of the caller's transaction: the entry, the access it records
and the response all commit together or not at all, so nothing is ever half
recorded. Appends serialise on the one `ledger_state` row (its conditional update
is the first write, so the row stays locked until commit), which keeps leaf
indices gapless under concurrent callers on SQLite and PostgreSQL alike. The update is
conditional on the size and edge the append extends; a process remembers what it last
wrote and tries that first (no read), reading the state under its lock only when another
writer moved it on. On PostgreSQL the update and the append's inserts are one statement.

Every append also stores the inner perfect-subtree hashes it completes, so a
proof for any leaf later costs O(log n) lookups; a proof for a leaf just
appended needs no read at all (its path is the right edge of the tree before it).

An entry names the persons and enterprises it concerns only by keyed commitments
(`ledger.commitments`): callers hand the raw IDs to `append`, which commits them under the
current subject key and a fresh salt, writes the commitments into the entry as `subjects`
(with `subject_salt`) and indexes the entry by the subjects' hub-only index keys. No raw ID
is stored, hashed or handed out in a receipt, and no commitment links two entries.
"""

from __future__ import annotations

import base64
import contextlib
import json
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import TextClause, and_, bindparam, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from govbridge.core.errors import Conflict, NotFound
from govbridge.ledger import commitments
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
_INSERT_ENTRY = insert(LedgerEntry.__table__)
_INSERT_NODE = insert(LedgerNode.__table__)
_INSERT_SUBJECT = insert(LedgerSubject.__table__)


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
    """An entry to append; `subjects` are the raw IDs it concerns (committed, never stored)."""

    kind: str
    payload: Mapping[str, Any]
    subjects: Sequence[str] = ()

    def committed(self, key: commitments.SubjectKey | None) -> tuple[dict[str, Any], list[str]]:
        """The payload naming its subjects by (salted) commitment, and the index keys."""
        if "subjects" in self.payload or "subject_salt" in self.payload:
            raise ValueError("a ledger payload names its subjects through `subjects=` only")
        if key is None:
            return dict(self.payload), []
        made = commitments.commit_entry(key, self.subjects)
        return {**self.payload, **made.fields}, made.index_keys


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


def _swap(ctx: Ctx, size: int, edge: bytes | None, tree: CompactRange) -> bool:
    """Move the state from `size` (and `edge`, when given) to `tree`; False if it moved on.

    The condition is checked on the row's latest committed version (PostgreSQL re-checks
    it after waiting for a concurrent writer's lock; SQLite holds its write lock), so two
    appends can never both move the state from the same size.
    """
    stmt = _SWAP_FROM_EDGE if edge is not None else _SWAP_FROM_SIZE
    moved = ctx.db.connection().execute(stmt, {
        "old_size": size, "old_edge": edge, "size": tree.size,
        "edge": b"".join(tree.hashes), "updated_at": ctx.now()})
    return moved.rowcount == 1


_STATE = LedgerState.__table__
_SWAP_FROM_SIZE = (update(_STATE)
                   .where(_STATE.c.id == STATE_ID, _STATE.c.size == bindparam("old_size"))
                   .values(size=bindparam("size"), edge=bindparam("edge"),
                           updated_at=bindparam("updated_at")))
_SWAP_FROM_EDGE = _SWAP_FROM_SIZE.where(_STATE.c.edge == bindparam("old_edge"))


# PostgreSQL: the swap and every insert of an append in one statement (one round trip while
# the state row is locked, instead of four). The inserts happen only if the swap did.
_SWAP_AND_INSERT = text("""
WITH moved AS (
    UPDATE ledger_state SET size = :size, edge = :edge, updated_at = :now
    WHERE id = :state_id AND size = :old_size AND edge = :old_edge
    RETURNING id
), entries AS (
    INSERT INTO ledger_entries (leaf_index, kind, entry, leaf_hash, created_at)
    SELECT e.leaf_index, e.kind, e.entry, e.leaf_hash, :now
    FROM unnest(CAST(:leaf_indices AS BIGINT[]), CAST(:kinds AS VARCHAR[]),
                CAST(:texts AS TEXT[]), CAST(:hashes AS BYTEA[]))
         AS e(leaf_index, kind, entry, leaf_hash)
    WHERE EXISTS (SELECT 1 FROM moved)
), nodes AS (
    INSERT INTO ledger_nodes (level, "index", hash)
    SELECT n.level, n.idx, n.hash
    FROM unnest(CAST(:levels AS INTEGER[]), CAST(:indices AS BIGINT[]),
                CAST(:node_hashes AS BYTEA[])) AS n(level, idx, hash)
    WHERE EXISTS (SELECT 1 FROM moved)
), subjects AS (
    INSERT INTO ledger_subjects (commitment, leaf_index)
    SELECT s.commitment, s.leaf_index
    FROM unnest(CAST(:subject_refs AS VARCHAR[]), CAST(:subject_leaves AS BIGINT[]))
         AS s(commitment, leaf_index)
    WHERE EXISTS (SELECT 1 FROM moved)
)
SELECT count(*) FROM moved
""")


# Sent in binary: in text form psycopg quotes every '"' of every entry's JSON with a regular
# expression, which cost more than the rest of the statement.
_ARRAY_PARAMS = ("leaf_indices", "kinds", "texts", "hashes", "levels", "indices",
                 "node_hashes", "subject_refs", "subject_leaves")


@dataclass
class CompanionStatement:
    """A statement of the caller's that goes with an append, in its round trip (the
    exchange's usage count): run once, before the append's own, in the same round trip
    where the backend allows (PostgreSQL pipelines the two). Its result rows land in
    `rows`."""

    statement: TextClause
    params: Mapping[str, Any]
    rows: list[Any] = field(default_factory=list)

    def run(self, ctx: Ctx) -> None:
        self.rows = list(ctx.db.connection().execute(self.statement, self.params))


_DRIVER_SQL: dict[tuple[int, str], tuple[TextClause, str]] = {}


def _driver_sql(ctx: Ctx, statement: TextClause, binary: Sequence[str] = ()) -> str:
    """The statement as the driver takes it (psycopg's %(name)s), compiled once; the
    parameters named in `binary` are sent in binary form (%(name)b)."""
    dialect = ctx.db.get_bind().dialect
    known = _DRIVER_SQL.get((id(statement), dialect.name))
    if known is None or known[0] is not statement:
        sql = str(statement.compile(dialect=dialect))
        for name in binary:
            sql = sql.replace(f"%({name})s", f"%({name})b")
        known = (statement, sql)
        _DRIVER_SQL[(id(statement), dialect.name)] = known
    return known[1]


def _swap_and_insert(ctx: Ctx, size: int, edge: bytes, tree: CompactRange,
                     entries: Sequence[NewEntry], texts: Sequence[str],
                     hashes: Sequence[bytes], completed: Mapping[tuple[int, int], bytes],
                     subjects: Sequence[tuple[str, int]], now: Any,
                     companion: CompanionStatement | None = None) -> bool:
    """`_swap` from `size` and `edge`, and the append's rows, at once; False (nothing
    written) if the state moved on. `companion` runs first, in the same round trip."""
    params = {
        "state_id": STATE_ID, "old_size": size, "old_edge": edge, "size": tree.size,
        "edge": b"".join(tree.hashes), "now": now,
        "leaf_indices": [size + i for i in range(len(entries))],
        "kinds": [e.kind for e in entries], "texts": list(texts), "hashes": list(hashes),
        "levels": [lvl for lvl, _ in completed], "indices": [idx for _, idx in completed],
        "node_hashes": list(completed.values()),
        "subject_refs": [s for s, _ in subjects],
        "subject_leaves": [size + i for _, i in subjects],
    }
    if companion is None:
        return bool(ctx.db.connection().execute(_SWAP_AND_INSERT, params).scalar())
    # Both statements in one round trip: while the first one's row locks are held, the
    # call waits for the database once, not twice (and for the interpreter lock once).
    raw = ctx.db.connection().connection.dbapi_connection
    assert raw is not None
    with raw.pipeline():  # type: ignore[attr-defined]
        first = raw.execute(_driver_sql(ctx, companion.statement), dict(companion.params))
        second = raw.execute(_driver_sql(ctx, _SWAP_AND_INSERT, _ARRAY_PARAMS), params)
    companion.rows = first.fetchall()
    got = second.fetchone()
    return bool(got and got[0])


# The (size, edge) this process last moved the state to, per database (engine).
_LAST_STATE: weakref.WeakKeyDictionary[Any, tuple[int, bytes]] = weakref.WeakKeyDictionary()


def append_many(ctx: Ctx, entries: Sequence[NewEntry], *,
                companion: CompanionStatement | None = None,
                subject_key: commitments.SubjectKey | None = None) -> list[Receipt]:
    """Append entries in order; each receipt proves its entry in the tree after all of them.

    `companion`, a statement of the caller's, runs once before the append's own writes.
    `subject_key`, the current subject key if the caller read it already (else read here)."""
    if not entries:
        return []
    at_ms = int(ctx.now().timestamp() * 1000)
    key = subject_key if subject_key is not None or not any(e.subjects for e in entries) \
        else commitments.current_key(ctx)
    committed = [e.committed(key) if key is not None and e.subjects else e.committed(None)
                 for e in entries]
    texts = [canonical_entry(e.kind, payload, at_ms)
             for e, (payload, _refs) in zip(entries, committed, strict=True)]
    hashes = [leaf_hash(t.encode()) for t in texts]
    completed: dict[tuple[int, int], bytes] = {}

    def keep(level: int, index: int, h: bytes) -> None:
        completed[(level, index)] = h

    # The caller's pending changes are written first, as a query would autoflush them, so
    # every transaction takes its row locks in the same order: its own rows, then the log.
    ctx.db.flush()
    now = ctx.now()
    subjects = [(ref, i) for i, (_payload, refs) in enumerate(committed) for ref in refs]
    engine = ctx.db.get_bind()
    last = _LAST_STATE.get(engine)  # type: ignore[arg-type]
    tree: CompactRange | None = None
    written = False
    pipelined = last is not None and engine.dialect.name == "postgresql"
    if companion is not None and not pipelined:
        companion.run(ctx)
    if last is not None:
        # What this process last wrote is usually still the state: extend it and swap it
        # in with one conditional update on size and edge (no read, no lock first).
        size, raw = last
        edge = _split_edge(raw)
        tree = CompactRange.from_state(size, edge, on_node=keep)
        tree.extend(hashes)
        if engine.dialect.name == "postgresql":
            written = _swap_and_insert(ctx, size, raw, tree, entries, texts, hashes,
                                       completed, subjects, now, companion)
            if not written:
                tree = None
        elif not _swap(ctx, size, raw, tree):
            tree = None
    if tree is None:
        for _ in range(MAX_ATTEMPTS):
            size, edge = _lock_state(ctx)
            completed.clear()
            tree = CompactRange.from_state(size, edge, on_node=keep)
            tree.extend(hashes)
            if _swap(ctx, size, None, tree):
                break
        else:
            raise Conflict("the ledger is busy; try again", "ledger", None)
    # Kept before commit: if this transaction rolls back, the next swap finds another
    # size (or edge) and falls back to reading the state under its lock.
    _LAST_STATE[engine] = (tree.size, b"".join(tree.hashes))  # type: ignore[index]
    if not written:
        # Core statements on the transaction's connection: plain inserts need no ORM.
        conn = ctx.db.connection()
        conn.execute(_INSERT_ENTRY, [
            {"leaf_index": size + i, "kind": e.kind, "entry": t, "leaf_hash": h,
             "created_at": now}
            for i, (e, t, h) in enumerate(zip(entries, texts, hashes, strict=True))])
        if completed:
            conn.execute(_INSERT_NODE, [
                {"level": lvl, "index": idx, "hash": h} for (lvl, idx), h in completed.items()])
        if subjects:
            conn.execute(_INSERT_SUBJECT, [{"commitment": s, "leaf_index": size + i}
                                           for s, i in subjects])
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
           subjects: Iterable[str] = (), companion: CompanionStatement | None = None,
           subject_key: commitments.SubjectKey | None = None) -> Receipt:
    """Append one entry (an access, an agreement change, an issuance) in the caller's
    transaction; `subjects` are the person or enterprise IDs it concerns, which the entry
    names by commitment (see the module docstring)."""
    return append_many(ctx, [NewEntry(kind, payload, tuple(subjects))],
                       companion=companion, subject_key=subject_key)[0]


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
                       limit: int = 200, before: int | None = None,
                       keys: Sequence[commitments.SubjectKey] | None = None,
                       ) -> list[LedgerEntry]:
    """Entries concerning one person or enterprise, newest first (internal: no actor);
    found by the subject's index key under every epoch of the subject key (`keys`, read
    here unless the caller has them already)."""
    every = keys if keys is not None else commitments.all_keys(ctx)
    found = (select(LedgerSubject.leaf_index)
             .where(LedgerSubject.commitment.in_(commitments.lookup_values(every, subject_id))))
    stmt = select(LedgerEntry).where(LedgerEntry.leaf_index.in_(found))
    if kinds:
        stmt = stmt.where(LedgerEntry.kind.in_(kinds))
    if before is not None:
        stmt = stmt.where(LedgerEntry.leaf_index < before)
    stmt = stmt.order_by(LedgerEntry.leaf_index.desc()).limit(min(max(limit, 1), 1000))
    return list(ctx.db.scalars(stmt))
