"""Check a saved exchange response offline: seal, binding to the ledger, proof, tree head.

Needs nothing but the response document and the platform CA's certificate (the
trust anchor, `govbridge seal ca`): the provider's seal certificate travels in the
JWS header and the ledger key's certificate in the receipt, both issued by the CA.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from govbridge.core.errors import DomainError
from govbridge.ledger.checkpoints import checkpoint_body
from govbridge.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from govbridge.seals import jcs
from govbridge.seals.jws import SealInvalid, VerifiedSeal, trusted_key, verify_json
from govbridge.seals.signers import verifier_for


class ResponseInvalid(DomainError):
    """A saved response does not verify; `part` says which check failed."""

    status = 422
    type_slug = "response-invalid"
    title = "Response does not verify"

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {"part": self.part, "reason": self.reason}


@dataclass(frozen=True)
class VerifiedResponse:
    seal: VerifiedSeal
    leaf_index: int
    tree_size: int
    rows: int
    query_id: str


def _b64(value: Any, part: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ResponseInvalid(part, "not base64") from None


def verify_response(doc: Any, *, trust_anchor_pem: str, at: datetime | None = None,
                    revoked: frozenset[str] = frozenset()) -> VerifiedResponse:
    if not isinstance(doc, dict) or not isinstance(doc.get("receipt"), dict):
        raise ResponseInvalid("document", "expected an object with `sealed` and `receipt`")
    receipt = doc["receipt"]
    try:
        seal = verify_json(str(doc.get("sealed", "")), trust_anchor_pem=trust_anchor_pem,
                           at=at, revoked=revoked)
    except SealInvalid as exc:
        raise ResponseInvalid("seal", exc.detail) from None
    if "data" in doc and doc["data"] != seal.payload:
        raise ResponseInvalid("data", "the decoded data differs from the sealed payload")
    text = receipt.get("entry")
    if not isinstance(text, str):
        raise ResponseInvalid("receipt", "no ledger entry")
    try:
        entry = json.loads(text)
    except ValueError:
        raise ResponseInvalid("receipt", "the ledger entry is not JSON") from None
    digest = hashlib.sha256(jcs.canonical(seal.payload)).hexdigest()
    if entry.get("response_sha256") != digest or entry.get("query_id") != seal.payload.get(
            "query_id"):
        raise ResponseInvalid("binding", "the ledger entry records another response")
    hashed = leaf_hash(text.encode())
    if _b64(receipt.get("leafHash"), "receipt") != hashed:
        raise ResponseInvalid("receipt", "leafHash is not the hash of the entry")
    root = _b64(receipt.get("root"), "receipt")
    try:
        index, size = int(receipt["leafIdx"]), int(receipt["treeSize"])
        proof = [_b64(p, "receipt") for p in receipt.get("proof") or []]
        verify_inclusion(hashed, index, size, proof, root)
    except (KeyError, TypeError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, ProofError) else f"malformed ({exc})"
        raise ResponseInvalid("proof", reason) from None
    head = receipt.get("tree_head") or {}
    if head.get("tree_size") != size or _b64(head.get("root"), "tree_head") != root:
        raise ResponseInvalid("tree_head", "signs another tree than the proof")
    try:
        public, kid = trusted_key(str(receipt.get("ledger_certificate", "")),
                                  trust_anchor_pem=trust_anchor_pem, at=at)
    except SealInvalid as exc:
        raise ResponseInvalid("ledger_certificate", exc.detail) from None
    verifier = verifier_for("EdDSA", public)
    body = checkpoint_body(str(head.get("origin", "")), size, root)
    if verifier is None or kid != head.get("key_id") or not verifier.verify(
            body, _b64(head.get("signature"), "tree_head")):
        raise ResponseInvalid("tree_head", "the tree head signature does not verify")
    return VerifiedResponse(seal, index, size, len(seal.payload.get("rows", [])),
                            str(seal.payload.get("query_id")))
