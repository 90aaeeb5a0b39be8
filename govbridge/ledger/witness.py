"""A department's witness: co-sign the hub's newest tree head if it extends what it saw.

What the witness saw last lives on the witness's side — a small JSON file in its
own directory (a node's data directory; in the embedded demo one file per
department under `GOVBRIDGE_HOME/witness/`) — never in the hub's database, so a
hub that rewrites its tables cannot rewrite the witnesses' memory with them.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.ledger import checkpoints, log
from govbridge.ledger.checkpoints import Seen, TreeHead, checkpoint_body
from govbridge.ledger.models import Checkpoint
from govbridge.runtime import Ctx

WITNESS_ACTOR = Actor.operator("witness")


class WitnessMemory:
    """The last tree head one witness co-signed, kept in a file it alone writes."""

    def __init__(self, directory: Path, organization_code: str) -> None:
        self.path = directory / f"{organization_code}.json"

    def load(self, origin: str) -> Seen | None:
        if not self.path.exists():
            return None
        data = json.loads(self.path.read_text("utf-8"))
        if data.get("origin") != origin:
            return None
        return Seen(int(data["tree_size"]), base64.b64decode(data["root"]))

    def save(self, origin: str, head: TreeHead) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"origin": origin, "tree_size": head.tree_size,
                                   "root": base64.b64encode(head.root).decode()}), "utf-8")
        os.replace(tmp, self.path)  # atomic: a crash never leaves half a memory


def _latest(ctx: Ctx) -> TreeHead | None:
    from sqlalchemy import select

    row = ctx.db.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    if row is None:
        return None
    return TreeHead(checkpoints.origin_of(ctx), row.tree_size, row.root_hash, row.timestamp_ms,
                    row.key_id, row.signature, row.id)


def witness_latest(ctx: Ctx, org: Organization, memory: WitnessMemory) -> int | None:
    """Co-sign the newest checkpoint for `org`; None when there is none or nothing new.

    Raises WitnessRefused when the hub's head is forged or does not extend the head
    this witness co-signed before.
    """
    from govbridge.seals.usecases import PURPOSE_LEDGER, signer_for, verify_detached

    head = _latest(ctx)
    if head is None or head.id is None:
        return None
    origin = checkpoints.origin_of(ctx)
    seen = memory.load(origin)
    if seen is not None and seen.tree_size == head.tree_size and seen.root == head.root:
        return None
    proof = None
    if seen is not None and 0 < seen.tree_size < head.tree_size:
        _root1, _root2, proof = log.consistency(ctx, seen.tree_size, head.tree_size)

    def hub_verify(signature: bytes, body: bytes) -> None:
        verify_detached(ctx, head.key_id, signature, body, purpose=PURPOSE_LEDGER)

    checkpoints.check_new_head(seen, head, hub_verify, origin=origin, proof=proof)
    signer = signer_for(ctx, org.id)
    signature = signer.sign(checkpoint_body(origin, head.tree_size, head.root))
    made = checkpoints.record_cosignature(ctx, WITNESS_ACTOR, head.id, org.id, signer.kid,
                                          signature)
    memory.save(origin, head)
    return made
