"""Certificate routes (电子证照): issue (on a case: 201 with the certificate; without one:
202 with a pending issuance request), the requests a second officer approves or refuses,
list, read, revoke, download; and the PUBLIC verification of an uploaded PDF or sealed
JSON (no login). A certificate the caller may not read answers 404 like a missing one."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from govbridge.api.bodies import MAX_DEPTH, Id, too_deep, upload_or_body
from govbridge.api.deps import acting, runtime
from govbridge.certificates import requests, usecases
from govbridge.certificates.schemas import (
    CertificateIn,
    CertificateOut,
    IssuanceRequestOut,
    RefuseIn,
    RequestState,
    RevokeIn,
    Verdict,
)
from govbridge.core.errors import InvalidInput

router = APIRouter(prefix="/certificates", tags=["certificates"])
public = APIRouter(tags=["certificates"])


@router.get("", response_model=list[CertificateOut], summary="Certificates the caller may see")
def list_certificates(request: Request, holder_id: str | None = None) -> list[CertificateOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_certificates(ctx, actor, holder_id=holder_id)


@router.post("", response_model=CertificateOut, status_code=201,
             responses={202: {"model": IssuanceRequestOut,
                              "description": "No case: a pending issuance request"}},
             summary="Issue a certificate on a case (sealed VC JSON and PAdES PDF, "
                     "ledgered, shared), or request it for a second officer's approval")
def issue_certificate(body: CertificateIn, request: Request) -> CertificateOut | JSONResponse:
    with acting(request) as (ctx, actor):
        made = usecases.issue_certificate(ctx, actor, body)
    if isinstance(made, IssuanceRequestOut):
        return JSONResponse(made.model_dump(mode="json"), status_code=202)
    return made


@router.get("/requests", response_model=list[IssuanceRequestOut],
            summary="Issuance requests the caller may decide on (default: pending)")
def list_requests(request: Request, state: RequestState | Literal["all"] = "pending",
                  ) -> list[IssuanceRequestOut]:
    with acting(request) as (ctx, actor):
        return requests.list_requests(ctx, actor, state=None if state == "all" else state)


@router.get("/requests/{request_id}", response_model=IssuanceRequestOut,
            summary="One issuance request")
def get_request(request_id: Id, request: Request) -> IssuanceRequestOut:
    with acting(request) as (ctx, actor):
        return requests.get_request(ctx, actor, request_id)


@router.post("/requests/{request_id}/approve", response_model=CertificateOut, status_code=201,
             summary="Approve another officer's request: the certificate is issued")
def approve_request(request_id: Id, request: Request) -> CertificateOut:
    with acting(request) as (ctx, actor):
        return requests.approve_request(ctx, actor, request_id)


@router.post("/requests/{request_id}/refuse", response_model=IssuanceRequestOut,
             summary="Refuse another officer's request, with a reason")
def refuse_request(request_id: Id, body: RefuseIn, request: Request) -> IssuanceRequestOut:
    with acting(request) as (ctx, actor):
        return requests.refuse_request(ctx, actor, request_id, body.reason)


@router.get("/{certificate_id}", response_model=CertificateOut, summary="One certificate")
def get_certificate(certificate_id: Id, request: Request) -> CertificateOut:
    with acting(request) as (ctx, actor):
        return usecases.get_certificate(ctx, actor, certificate_id)


@router.post("/{certificate_id}/revoke", response_model=CertificateOut,
             summary="Revoke a certificate")
def revoke_certificate(certificate_id: Id, body: RevokeIn, request: Request) -> CertificateOut:
    with acting(request) as (ctx, actor):
        return usecases.revoke_certificate(ctx, actor, certificate_id, body.reason)


@router.get("/{certificate_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}},
            summary="The sealed PDF (PAdES)")
def certificate_pdf(certificate_id: Id, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        identifier, data = usecases.certificate_pdf(ctx, actor, certificate_id)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{identifier}.pdf"'})


@router.get("/{certificate_id}/vc", response_class=Response,
            responses={200: {"content": {"application/vc+jwt": {}}}},
            summary="The sealed W3C VC 2.0 (compact JWS)")
def certificate_vc(certificate_id: Id, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        _, token = usecases.certificate_vc(ctx, actor, certificate_id)
    return Response(token, media_type="application/vc+jwt")


@public.post("/verify", response_model=Verdict,
             summary="Public: verify an uploaded certificate PDF or sealed JSON (no login)")
async def verify(request: Request, file: UploadFile | None = None) -> Verdict:
    data = await upload_or_body(request, file)
    if not data:
        raise InvalidInput.one("file", "upload the certificate PDF or JSON", None, "required")
    if too_deep(data):
        raise InvalidInput.one("file", f"JSON nested deeper than {MAX_DEPTH} levels", None,
                               "too_deep")
    rt = runtime(request)

    def run() -> Verdict:
        with rt.context() as ctx:
            return usecases.verify_document(ctx, data)

    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(run)
