"""Public certificate verification pages (no login, no nav entry).

- `/verify`: an upload form; POST checks the PDF or JSON (`verify_document`). It changes
  nothing, so it takes no CSRF token. A form without the file (or a broken one) and a JSON
  document nested deeper than `bodies.MAX_DEPTH` are answered on the form (422).
- `/verify/{identifier}`: what a certificate's QR code opens: status, type, issuer,
  validity, with the holder masked.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from govbridge.api.bodies import MAX_DEPTH, too_deep
from govbridge.api.deps import runtime
from govbridge.certificates import usecases
from govbridge.certificates.identifier import is_identifier
from govbridge.certificates.schemas import Verdict
from govbridge.core.errors import InvalidInput
from govbridge.web import session
from govbridge.web.forms import FormError, message
from govbridge.web.render import render
from govbridge.web.translations import N_

router = APIRouter(include_in_schema=False)


@router.get("/verify")
def verify_form(request: Request) -> Response:
    return render(request, "verify/form.html", session.language(request), verdict=None)


@router.post("/verify")
async def verify_upload(request: Request, file: UploadFile | None = None) -> Response:
    lang = session.language(request)
    data = await file.read() if file is not None else b""
    if not data:
        return render(request, "verify/form.html", lang, status=422, verdict=None,
                      errors=[message(lang, N_("Choose a file to verify."))])
    if too_deep(data):
        return render(request, "verify/form.html", lang, status=422, verdict=None,
                      errors=[message(lang, N_("The JSON in this file is nested deeper than "
                                                  "%(depth)s levels; it cannot be verified."),
                                      depth=MAX_DEPTH)])
    rt = runtime(request)

    def run() -> Verdict:
        with rt.context() as ctx:
            return usecases.verify_document(ctx, data)

    try:
        verdict = await run_in_threadpool(run)
    except InvalidInput as exc:
        return render(request, "verify/form.html", lang, status=422, verdict=None,
                      errors=[FormError(None, None, exc.detail)])
    return render(request, "verify/form.html", lang, verdict=verdict)


@router.get("/verify/{identifier}")
def verify_identifier(identifier: str, request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        if is_identifier(identifier):
            verdict = usecases.status_page(ctx, identifier)
        else:
            verdict = Verdict(status="unknown", identifier=identifier[:40],
                              reasons=["not a certificate identifier"])
    return render(request, "verify/form.html", lang, verdict=verdict,
                  status=200 if verdict.status != "unknown" else 404)
