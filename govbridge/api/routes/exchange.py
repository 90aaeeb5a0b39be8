"""Exchange routes: the gateway query, and checking a saved response."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from govbridge.api.deps import acting, admission, runtime
from govbridge.exchange import gateway
from govbridge.exchange.schemas import ExchangeResponse, QueryIn
from govbridge.exchange.verify import verify_response
from govbridge.seals.usecases import ca_certificate_pem

router = APIRouter(prefix="/exchange", tags=["exchange"])

REFUSALS = {
    403: {"description": "No agreement covers the call (`reason` says why) or no permission"},
    429: {"description": "The agreement's rate or daily volume is used up; see `Retry-After`"},
    502: {"description": "The provider's node answered with something the hub refuses"},
    503: {"description": "The provider's node is unreachable, or too many queries were "
                         "waiting; nothing was recorded; see `Retry-After`"},
}


@router.post("/{classification}/{sequence}/query", response_model=ExchangeResponse,
             responses=REFUSALS,
             summary="Query a dataset for a purpose: masked rows, the provider's seal, a receipt")
def query(classification: str, sequence: str, body: QueryIn,
          request: Request) -> ExchangeResponse:
    with admission(request).slot(), acting(request) as (ctx, actor):
        return gateway.query(ctx, actor, f"{classification}/{sequence}", body)


@router.post("/verify", summary="Check a saved response: seal, ledger binding, proof, tree head")
def verify(body: dict[str, Any], request: Request) -> dict[str, Any]:
    with runtime(request).context() as ctx:
        anchor = ca_certificate_pem(ctx)
    checked = verify_response(body, trust_anchor_pem=anchor)
    return {"valid": True, "query_id": checked.query_id, "leaf_index": checked.leaf_index,
            "tree_size": checked.tree_size, "rows": checked.rows,
            "provider": checked.seal.organization_name, "kid": checked.seal.kid}
