"""Ledger routes: checkpoints, witness co-signatures, proofs, entries, audit."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from govbridge.api import bodies
from govbridge.api.deps import acting, runtime
from govbridge.core.errors import InvalidInput
from govbridge.identity.organizations import referenced_organization
from govbridge.ledger import audit, checkpoints, queries
from govbridge.ledger.schemas import CosignatureIn

router = APIRouter(prefix="/ledger", tags=["ledger"])


@router.get("/checkpoints", summary="Signed tree heads, newest first, with witness counts")
def list_checkpoints(request: Request, limit: int = bodies.limit(50, 500)) -> list[dict[str, Any]]:
    with acting(request) as (ctx, actor):
        return [h.as_dict() for h in checkpoints.list_checkpoints(ctx, actor, limit)]


@router.get("/checkpoints/latest", summary="The newest signed tree head",
            responses={404: {"description": "No checkpoint has been signed yet"}})
def latest(request: Request) -> dict[str, Any]:
    with acting(request) as (ctx, actor):
        return checkpoints.latest_checkpoint(ctx, actor).as_dict()


@router.post("/checkpoints", status_code=201, summary="Sign and keep the current tree head now")
def checkpoint_now(request: Request) -> dict[str, Any]:
    with acting(request) as (ctx, actor):
        return checkpoints.checkpoint_now(ctx, actor).as_dict()


@router.post("/checkpoints/{checkpoint_id}/cosignatures", status_code=201,
             summary="Hand in a witness's co-signature (checked against its seal)")
def cosign(checkpoint_id: bodies.Id, body: CosignatureIn, request: Request) -> dict[str, Any]:
    with acting(request) as (ctx, actor):
        try:
            signature = base64.b64decode(body.signature, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput.one("signature", "not base64", body.signature[:80],
                                   "base64") from None
        org = referenced_organization(ctx, body.organization_code, "organization_code")
        made = checkpoints.record_cosignature(ctx, actor, checkpoint_id, org.id, body.key_id,
                                              signature)
    return {"id": made, "checkpoint_id": checkpoint_id}


@router.get("/keys/{kid}/certificate", response_class=Response,
            responses={200: {"content": {"application/x-pem-file": {}}}},
            summary="Certificate (PEM) of a ledger key: public, for witnesses and verifiers")
def ledger_key_certificate(kid: str, request: Request) -> Response:
    from govbridge.seals.usecases import ledger_certificate_pem

    with runtime(request).context() as ctx:
        pem = ledger_certificate_pem(ctx, kid)
    return Response(pem, media_type="application/x-pem-file")


@router.get("/proofs/inclusion", summary="Inclusion proof (verify-proof document format)")
def inclusion(request: Request, leaf_index: int = Query(ge=0, le=bodies.MAX_INT),
              tree_size: int | None = bodies.query_int(1)) -> dict[str, Any]:
    with acting(request) as (ctx, actor):
        return queries.inclusion_proof(ctx, actor, leaf_index, tree_size)


@router.get("/proofs/consistency", summary="Consistency proof (verify-proof document format)")
def consistency(request: Request, size1: int = Query(ge=0, le=bodies.MAX_INT),
                size2: int | None = bodies.query_int(1)) -> dict[str, Any]:
    with acting(request) as (ctx, actor):
        return queries.consistency_proof(ctx, actor, size1, size2)


@router.get("/entries/{leaf_index}", summary="One entry as hashed (auditors)")
def entry(leaf_index: bodies.Index, request: Request) -> dict[str, Any]:
    with acting(request) as (ctx, actor):
        return queries.get_entry(ctx, actor, leaf_index)


@router.get("/audit", summary="Recompute the ledger from storage and list what does not match")
def run_audit(request: Request) -> dict[str, Any]:
    with acting(request) as (ctx, actor):
        report = audit.audit_ledger(ctx, actor)
    return {"ok": report.ok, "entries": report.entries, "checkpoints": report.checkpoints,
            "nodes": report.nodes, "truncated": report.truncated,
            "findings": [vars(f) for f in report.findings]}
