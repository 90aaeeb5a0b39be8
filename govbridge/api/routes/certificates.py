"""Certificate routes (电子证照): issue, list, read, revoke, download; and the PUBLIC
verification of an uploaded PDF or sealed JSON (no login)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, UploadFile

from govbridge.api.deps import acting, runtime
from govbridge.certificates import usecases
from govbridge.certificates.schemas import CertificateIn, CertificateOut, RevokeIn, Verdict
from govbridge.core.errors import InvalidInput

router = APIRouter(prefix="/certificates", tags=["certificates"])
public = APIRouter(tags=["certificates"])


@router.get("", response_model=list[CertificateOut], summary="Certificates the caller may see")
def list_certificates(request: Request, holder_id: str | None = None) -> list[CertificateOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_certificates(ctx, actor, holder_id=holder_id)


@router.post("", response_model=CertificateOut, status_code=201,
             summary="Issue a certificate: sealed VC JSON and PAdES PDF, ledgered, shared")
def issue_certificate(body: CertificateIn, request: Request) -> CertificateOut:
    with acting(request) as (ctx, actor):
        return usecases.issue_certificate(ctx, actor, body)


@router.get("/{certificate_id}", response_model=CertificateOut, summary="One certificate")
def get_certificate(certificate_id: int, request: Request) -> CertificateOut:
    with acting(request) as (ctx, actor):
        return usecases.get_certificate(ctx, actor, certificate_id)


@router.post("/{certificate_id}/revoke", response_model=CertificateOut,
             summary="Revoke a certificate")
def revoke_certificate(certificate_id: int, body: RevokeIn, request: Request) -> CertificateOut:
    with acting(request) as (ctx, actor):
        return usecases.revoke_certificate(ctx, actor, certificate_id, body.reason)


@router.get("/{certificate_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}},
            summary="The sealed PDF (PAdES)")
def certificate_pdf(certificate_id: int, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        identifier, data = usecases.certificate_pdf(ctx, actor, certificate_id)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{identifier}.pdf"'})


@router.get("/{certificate_id}/vc", response_class=Response,
            responses={200: {"content": {"application/vc+jwt": {}}}},
            summary="The sealed W3C VC 2.0 (compact JWS)")
def certificate_vc(certificate_id: int, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        _, token = usecases.certificate_vc(ctx, actor, certificate_id)
    return Response(token, media_type="application/vc+jwt")


@public.post("/verify", response_model=Verdict,
             summary="Public: verify an uploaded certificate PDF or sealed JSON (no login)")
async def verify(request: Request, file: UploadFile | None = None) -> Verdict:
    data = await file.read() if file is not None else await request.body()
    if not data:
        raise InvalidInput.one("file", "upload the certificate PDF or JSON", None, "required")
    rt = runtime(request)

    def run() -> Verdict:
        with rt.context() as ctx:
            return usecases.verify_document(ctx, data)

    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(run)
