"""Recompute the ledger from storage and say what does not match (`govbridge ledger audit`).

One pass over the entries in index order, in constant memory: each stored leaf
hash is recomputed from the stored entry bytes (a changed entry), indices must run
0, 1, 2, … without gaps or extras (a deleted or inserted entry), entry times may
not run backwards (a reordered entry), the root at every checkpoint's size must be
the signed root and the signature must verify (history rewritten under a
checkpoint), the stored right edge must be the recomputed one, and every cached
inner node must be the recomputed node (a forged node would forge proofs).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select

from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.ledger.checkpoints import checkpoint_body, origin_of
from govbridge.ledger.merkle import CompactRange, leaf_hash
from govbridge.ledger.models import Checkpoint, LedgerEntry, LedgerNode, LedgerState
from govbridge.runtime import Ctx

CHUNK = 5000
MAX_FINDINGS = 1000


@dataclass(frozen=True)
class Finding:
    kind: str  # changed | missing | unexpected | reordered | checkpoint | signature | edge | node
    where: str
    detail: str


@dataclass
class AuditReport:
    entries: int = 0
    checkpoints: int = 0
    nodes: int = 0
    findings: list[Finding] = field(default_factory=list)
    truncated: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, where: str, detail: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(kind, where, detail))
        else:
            self.truncated += 1


def _entries(ctx: Ctx) -> Iterator[tuple[int, str, bytes]]:
    stmt = (select(LedgerEntry.leaf_index, LedgerEntry.entry, LedgerEntry.leaf_hash)
            .order_by(LedgerEntry.leaf_index).execution_options(yield_per=CHUNK))
    result = ctx.db.execute(stmt)
    try:
        for row in result:
            yield int(row.leaf_index), row.entry, row.leaf_hash
    finally:
        result.close()


def _time_of(text: str) -> int | None:
    try:
        value = json.loads(text).get("at")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def audit(ctx: Ctx, verify_head: Callable[[Checkpoint, bytes], bool] | None = None,
          progress: Callable[[int], None] | None = None) -> AuditReport:
    """The audit itself (internal). `verify_head(checkpoint, body)` checks a signature."""
    report = AuditReport()
    checkpoints = list(ctx.db.scalars(select(Checkpoint).order_by(Checkpoint.tree_size,
                                                                  Checkpoint.id)))
    report.checkpoints = len(checkpoints)
    pending = iter(checkpoints)
    upcoming = next(pending, None)
    nodes: dict[tuple[int, int], bytes] = {}
    tree = CompactRange(on_node=lambda level, index, h: nodes.__setitem__((level, index), h))
    expected = 0
    last_time: int | None = None
    origin = origin_of(ctx)

    def settle_checkpoints(size: int) -> None:
        nonlocal upcoming
        while upcoming is not None and upcoming.tree_size <= size:
            if upcoming.tree_size == size:
                if tree.root() != upcoming.root_hash:
                    report.add("checkpoint", f"checkpoint {upcoming.id} (size {size})",
                               "the entries up to this size no longer hash to the signed root: "
                               "an entry before it was changed, inserted, removed or moved")
                body = checkpoint_body(origin, upcoming.tree_size, upcoming.root_hash)
                if verify_head is not None and not verify_head(upcoming, body):
                    report.add("signature", f"checkpoint {upcoming.id}",
                               f"signature by {upcoming.key_id} does not verify")
            upcoming = next(pending, None)

    settle_checkpoints(0)
    for index, text, stored_hash in _entries(ctx):
        report.entries += 1
        if index < expected:
            report.add("unexpected", f"entry {index}", "index out of order or duplicated")
            continue
        if index > expected:
            report.add("missing", f"entries {expected}..{index - 1}",
                       f"{index - expected} entries are missing (deleted)")
            break  # every later root is off; one clear finding beats thousands
        recomputed = leaf_hash(text.encode())
        if recomputed != stored_hash:
            report.add("changed", f"entry {index}",
                       "the stored entry no longer matches its leaf hash")
        at = _time_of(text)
        if at is not None and last_time is not None and at < last_time:
            report.add("reordered", f"entry {index}",
                       "recorded earlier than the entry before it")
        last_time = at if at is not None else last_time
        tree.append(recomputed)
        expected += 1
        settle_checkpoints(expected)
        if progress is not None and expected % CHUNK == 0:
            progress(CHUNK)
        if len(nodes) >= CHUNK:
            _check_nodes(ctx, nodes, report)
    _check_nodes(ctx, nodes, report)
    while upcoming is not None:
        report.add("checkpoint", f"checkpoint {upcoming.id} (size {upcoming.tree_size})",
                   f"the ledger holds only {expected} entries")
        upcoming = next(pending, None)
    state = ctx.db.get(LedgerState, 1)
    if state is not None and (state.size != tree.size
                              or state.edge != b"".join(tree.hashes)):
        report.add("edge", "ledger state", f"stored size {state.size} and right edge do not "
                   f"match the {tree.size} entries recomputed")
    return report


def _check_nodes(ctx: Ctx, computed: dict[tuple[int, int], bytes], report: AuditReport) -> None:
    if not computed:
        return
    levels = {lvl for lvl, _ in computed}
    for level in levels:
        indices = [i for lvl, i in computed if lvl == level]
        stmt = select(LedgerNode.index, LedgerNode.hash).where(
            LedgerNode.level == level, LedgerNode.index.in_(indices))
        for index, stored in ctx.db.execute(stmt):
            report.nodes += 1
            if stored != computed[(level, int(index))]:
                report.add("node", f"node level {level} index {index}",
                           "cached subtree hash differs from the recomputed one")
    computed.clear()


def audit_ledger(ctx: Ctx, actor: Actor,
                 progress: Callable[[int], None] | None = None) -> AuditReport:
    """Audit the whole ledger (auditor or bureau admin)."""
    require(actor, Permission.LEDGER_AUDIT)
    from govbridge.seals.usecases import PURPOSE_LEDGER, verify_detached

    def verify_head(row: Checkpoint, body: bytes) -> bool:
        try:
            verify_detached(ctx, row.key_id, row.signature, body, purpose=PURPOSE_LEDGER)
        except Exception:  # noqa: BLE001 - any failure is a finding, reported by the caller
            return False
        return True

    return audit(ctx, verify_head, progress)
