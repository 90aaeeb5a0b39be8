"""Ledger reads for callers: proofs for anyone who may read the ledger, entries for auditors.

Proofs carry only hashes. Entries name subjects (ID numbers), so reading one is an
auditor's or bureau admin's right; a citizen sees their own through the access log.
"""

from __future__ import annotations

import json
from typing import Any

from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.ledger import log
from govbridge.runtime import Ctx


def inclusion_proof(ctx: Ctx, actor: Actor, leaf_index: int,
                    tree_size: int | None = None) -> dict[str, Any]:
    require(actor, Permission.LEDGER_READ)
    size = tree_size if tree_size is not None else log.tree_state(ctx)[0]
    return log.inclusion(ctx, leaf_index, size).as_document()


def consistency_proof(ctx: Ctx, actor: Actor, size1: int,
                      size2: int | None = None) -> dict[str, Any]:
    require(actor, Permission.LEDGER_READ)
    second = size2 if size2 is not None else log.tree_state(ctx)[0]
    root1, root2, proof = log.consistency(ctx, size1, second)
    return {"size1": size1, "size2": second, "root1": log.b64(root1), "root2": log.b64(root2),
            "proof": [log.b64(p) for p in proof]}


def get_entry(ctx: Ctx, actor: Actor, leaf_index: int) -> dict[str, Any]:
    require(actor, Permission.LEDGER_AUDIT)
    row = log.entry(ctx, leaf_index)
    return {"leaf_index": row.leaf_index, "kind": row.kind, "entry": json.loads(row.entry),
            "entry_text": row.entry, "leaf_hash": log.b64(row.leaf_hash),
            "created_at": row.created_at.isoformat()}
