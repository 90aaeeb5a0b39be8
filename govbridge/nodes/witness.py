"""A node witnessing the hub's ledger over the hub's API (one round; the loop is in server).

The node fetches the newest checkpoint, fetches the ledger key's certificate and checks
it against the platform CA (it must be the hub's ledger key, not some department's
seal), asks for a consistency proof from the head it co-signed before, and lets the
pure `checkpoints.check_new_head` decide. Only then does it co-sign with its own seal
key and hand the co-signature in; its memory (`ledger.witness.WitnessMemory`) lives in
the node directory, never in the hub's database.

The node authenticates to the hub's public API with the API key made at enrolment
(`Authorization: Bearer`); nothing it sends needs secrecy and the co-signature proves
itself, so the demo's plain-HTTP hub API is acceptable for this direction.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509

from govbridge.ledger import checkpoints
from govbridge.ledger.checkpoints import TreeHead, checkpoint_body
from govbridge.ledger.witness import WitnessMemory
from govbridge.nodes.config import API_KEY, CA, WITNESS_DIR, NodeConfig, load_seal_signer
from govbridge.seals.certs import subject_info
from govbridge.seals.jws import trusted_key
from govbridge.seals.signers import verifier_for
from govbridge.seals.usecases import LEDGER_OWNER_NAME


@dataclass(frozen=True)
class Witnessed:
    checkpoint_id: int | None
    tree_size: int
    cosigned: bool


def _head(doc: dict[str, Any]) -> TreeHead:
    return TreeHead(str(doc["origin"]), int(doc["tree_size"]), base64.b64decode(doc["root"]),
                    int(doc["timestamp_ms"]), str(doc["key_id"]),
                    base64.b64decode(doc["signature"]), int(doc["id"]))


def hub_http(directory: Path, cfg: NodeConfig, timeout: float = 5.0) -> httpx.Client:
    key = (directory / API_KEY).read_text().strip()
    return httpx.Client(base_url=cfg.hub_url, timeout=timeout, trust_env=False,
                        headers={"Authorization": f"Bearer {key}"})


def witness_once(directory: Path, cfg: NodeConfig, http: httpx.Client) -> Witnessed:
    """Co-sign the hub's newest checkpoint if it extends what this node saw.

    Raises `checkpoints.WitnessRefused` when it does not (or is forged), httpx errors
    when the hub cannot be reached.
    """
    resp = http.get("/api/v1/ledger/checkpoints/latest")
    if resp.status_code == 404:
        return Witnessed(None, 0, False)
    resp.raise_for_status()
    head = _head(resp.json())
    memory = WitnessMemory(directory / WITNESS_DIR, cfg.organization_code)
    seen = memory.load(cfg.ledger_origin)
    if seen is not None and (seen.tree_size, seen.root) == (head.tree_size, head.root):
        return Witnessed(head.id, head.tree_size, False)
    proof = None
    if seen is not None and 0 < seen.tree_size < head.tree_size:
        got = http.get("/api/v1/ledger/proofs/consistency",
                       params={"size1": seen.tree_size, "size2": head.tree_size})
        got.raise_for_status()
        proof = [base64.b64decode(p) for p in got.json()["proof"]]
    cert = http.get(f"/api/v1/ledger/keys/{head.key_id}/certificate")
    cert.raise_for_status()
    anchor = (directory / CA).read_text("ascii")

    def hub_verify(signature: bytes, body: bytes) -> None:
        public, kid = trusted_key(cert.text, trust_anchor_pem=anchor)
        info = subject_info(x509.load_pem_x509_certificate(cert.text.encode()))
        if kid != head.key_id or info.organization_code is not None or (
                info.organization_name != LEDGER_OWNER_NAME):
            raise ValueError("not the hub's ledger key")
        verifier = verifier_for("EdDSA", public)
        if verifier is None or not verifier.verify(body, signature):
            raise ValueError("bad signature")

    checkpoints.check_new_head(seen, head, hub_verify, origin=cfg.ledger_origin, proof=proof)
    signer = load_seal_signer(directory, cfg.seal_kid)
    signature = signer.sign(checkpoint_body(cfg.ledger_origin, head.tree_size, head.root))
    posted = http.post(f"/api/v1/ledger/checkpoints/{head.id}/cosignatures", json={
        "organization_code": cfg.organization_code, "key_id": signer.kid,
        "signature": base64.b64encode(signature).decode()})
    posted.raise_for_status()
    memory.save(cfg.ledger_origin, head)
    return Witnessed(head.id, head.tree_size, True)
