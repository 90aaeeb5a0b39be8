"""Signed tree heads (checkpoints) and the witnesses' co-signatures.

A checkpoint is the C2SP tlog-checkpoint body — origin, tree size and base64
root hash, one per line — signed by the hub's ledger key. Size and root are
signed together because a proof binds a root, not a size (see merkle.py).

Witnesses are the departments' nodes. Each keeps, on its own side, the last
checkpoint it co-signed; shown a newer one, it asks for a consistency proof,
verifies it, and only then co-signs with its seal. A hub that rewrote history
cannot produce that proof, so no witness co-signs its new head.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.ledger import log
from govbridge.ledger.models import Checkpoint, WitnessSignature
from govbridge.runtime import Ctx

if TYPE_CHECKING:
    from govbridge.seals.signers import Signer

DEFAULT_ORIGIN = "govbridge.local/ledger"


def checkpoint_body(origin: str, size: int, root: bytes) -> bytes:
    """The signed text of a tree head (C2SP tlog-checkpoint, without extension lines)."""
    if "\n" in origin or not origin:
        raise ValueError("an origin is one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


@dataclass(frozen=True)
class TreeHead:
    origin: str
    tree_size: int
    root: bytes
    timestamp_ms: int
    key_id: str
    signature: bytes
    id: int | None = None
    witnesses: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "origin": self.origin, "tree_size": self.tree_size,
                "root": base64.b64encode(self.root).decode(), "timestamp_ms": self.timestamp_ms,
                "key_id": self.key_id, "signature": base64.b64encode(self.signature).decode(),
                "witnesses": self.witnesses}


def origin_of(ctx: Ctx) -> str:
    return getattr(ctx.settings, "ledger_origin", DEFAULT_ORIGIN)


def sign_tree_head(ctx: Ctx, size: int, root: bytes, signer: Signer | None = None) -> TreeHead:
    """Sign a tree head without storing it (what a receipt carries); `signer`, when the
    caller holds the ledger signer already, saves looking it up again."""
    if signer is None:
        from govbridge.seals.usecases import ledger_signer

        signer = ledger_signer(ctx)
    origin = origin_of(ctx)
    return TreeHead(origin, size, root, int(ctx.now().timestamp() * 1000), signer.kid,
                    signer.sign(checkpoint_body(origin, size, root)))


def _head(ctx: Ctx, row: Checkpoint) -> TreeHead:
    count = ctx.db.scalar(select(func.count()).where(WitnessSignature.checkpoint_id == row.id))
    return TreeHead(origin_of(ctx), row.tree_size, row.root_hash, row.timestamp_ms, row.key_id,
                    row.signature, row.id, int(count or 0))


def create_checkpoint(ctx: Ctx) -> TreeHead:
    """Sign and keep the current tree head (on a schedule and on demand); internal."""
    size, root = log.tree_state(ctx)
    latest = ctx.db.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    if latest is not None and latest.tree_size == size:
        return _head(ctx, latest)
    head = sign_tree_head(ctx, size, root)
    row = Checkpoint(tree_size=size, root_hash=root, timestamp_ms=head.timestamp_ms,
                     key_id=head.key_id, signature=head.signature, created_at=ctx.now())
    ctx.db.add(row)
    ctx.db.flush()
    return _head(ctx, row)


def checkpoint_now(ctx: Ctx, actor: Actor) -> TreeHead:
    require(actor, Permission.LEDGER_AUDIT)
    return create_checkpoint(ctx)


def latest_checkpoint(ctx: Ctx, actor: Actor) -> TreeHead:
    require(actor, Permission.LEDGER_READ)
    row = ctx.db.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    if row is None:
        raise NotFound("checkpoint", "latest")
    return _head(ctx, row)


def list_checkpoints(ctx: Ctx, actor: Actor, limit: int = 50) -> list[TreeHead]:
    require(actor, Permission.LEDGER_READ)
    rows = ctx.db.scalars(select(Checkpoint).order_by(Checkpoint.id.desc())
                          .limit(min(max(limit, 1), 500)))
    return [_head(ctx, r) for r in rows]


def get_checkpoint(ctx: Ctx, checkpoint_id: int) -> Checkpoint:
    row = ctx.db.get(Checkpoint, checkpoint_id)
    if row is None:
        raise NotFound("checkpoint", checkpoint_id)
    return row


# --- witnesses ---------------------------------------------------------------------------------

Verify = Callable[[bytes, bytes], None]  # (signature, data) -> None, raises when wrong


@dataclass(frozen=True)
class Seen:
    """What a witness remembers: the last tree head it co-signed."""

    tree_size: int
    root: bytes


class WitnessRefused(Conflict):
    """A witness will not co-sign: the new head does not extend what it saw, or is forged."""

    type_slug = "witness-refused"
    title = "Witness refused to co-sign"


def check_new_head(seen: Seen | None, head: TreeHead, body_verify: Verify, *,
                   origin: str, proof: list[bytes] | None) -> None:
    """The witness's decision, pure: hub signature valid, and consistent with what it saw."""
    from govbridge.ledger.merkle import ProofError, verify_consistency

    if head.origin != origin:
        raise WitnessRefused(f"checkpoint names origin {head.origin!r}, not {origin!r}")
    try:
        body_verify(head.signature, checkpoint_body(head.origin, head.tree_size, head.root))
    except Exception as exc:  # noqa: BLE001 - any failure of the hub's signature is a refusal
        raise WitnessRefused(f"the hub's signature on tree head {head.tree_size} is not valid "
                             f"({type(exc).__name__})") from None
    if seen is None or seen.tree_size == 0:
        return
    if head.tree_size < seen.tree_size:
        raise WitnessRefused(f"tree size {head.tree_size} is smaller than {seen.tree_size} "
                             "already witnessed: the log shrank")
    try:
        verify_consistency(seen.tree_size, head.tree_size, seen.root, head.root, proof or [])
    except ProofError as exc:
        raise WitnessRefused(f"tree head {head.tree_size} does not extend the witnessed "
                             f"head {seen.tree_size}: {exc.reason}") from None


def record_cosignature(ctx: Ctx, actor: Actor, checkpoint_id: int, organization_id: int,
                       key_id: str, signature: bytes) -> int:
    """Keep a witness's co-signature after checking it against the witness's seal.

    The signature itself proves which department co-signed, so any caller who may
    read the ledger may hand one in (a node relays its own).
    """
    require(actor, Permission.LEDGER_READ)
    row = get_checkpoint(ctx, checkpoint_id)
    body = checkpoint_body(origin_of(ctx), row.tree_size, row.root_hash)
    from govbridge.seals.usecases import verify_detached

    try:
        verify_detached(ctx, key_id, signature, body, organization_id=organization_id)
    except Exception as exc:  # noqa: BLE001 - a bad co-signature is refused, whatever failed
        raise InvalidInput.one("signature", f"not a valid co-signature by {key_id} "
                               f"({type(exc).__name__})", None, "signature") from None
    exists = ctx.db.scalar(select(WitnessSignature.id).where(
        WitnessSignature.checkpoint_id == checkpoint_id,
        WitnessSignature.organization_id == organization_id))
    if exists is not None:
        return int(exists)
    sig = WitnessSignature(checkpoint_id=checkpoint_id, organization_id=organization_id,
                           key_id=key_id, signature=signature, created_at=ctx.now())
    ctx.db.add(sig)
    ctx.db.flush()
    return sig.id

