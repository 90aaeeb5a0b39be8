"""Seal routes: the organizations' seal keys, and the platform CA certificate (public)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from govbridge.api.deps import acting, runtime
from govbridge.seals import usecases
from govbridge.seals.schemas import SealIssueIn, SealOut, SealRevokeIn, SealRotateIn

router = APIRouter(prefix="/seals", tags=["seals"])

PEM_MEDIA_TYPE = "application/x-pem-file"


@router.get("/ca", summary="The platform CA certificate (PEM): trust anchor of every seal",
            response_class=Response,
            responses={200: {"content": {PEM_MEDIA_TYPE: {}}}})
def ca_certificate(request: Request) -> Response:
    with runtime(request).context() as ctx:
        pem = usecases.ca_certificate_pem(ctx)
    return Response(pem, media_type=PEM_MEDIA_TYPE)


@router.get("", response_model=list[SealOut], summary="Seal keys (public parts)")
def list_seals(request: Request, organization_code: str | None = None) -> list[SealOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_seals(ctx, actor, organization_code)


@router.post("", response_model=SealOut, status_code=201, summary="Issue an organization's seal")
def issue_seal(body: SealIssueIn, request: Request) -> SealOut:
    with acting(request) as (ctx, actor):
        return usecases.issue_seal(ctx, actor, body.organization_code, body.algorithm,
                                   validity_days=body.validity_days)


@router.post("/rotate", response_model=SealOut, status_code=201,
             summary="New active seal key; the old one is retired")
def rotate_seal(body: SealRotateIn, request: Request) -> SealOut:
    with acting(request) as (ctx, actor):
        return usecases.rotate_seal(ctx, actor, body.organization_code, body.algorithm,
                                    validity_days=body.validity_days)


@router.post("/{kid}/revoke", response_model=SealOut, summary="Revoke a seal key")
def revoke_seal(kid: str, body: SealRevokeIn, request: Request) -> SealOut:
    with acting(request) as (ctx, actor):
        return usecases.revoke_seal(ctx, actor, kid, body.reason)
