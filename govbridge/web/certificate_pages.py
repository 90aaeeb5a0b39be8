"""Certificates issued without a case, on the second officer's page (四眼原则): the
issuing department's requests waiting for a decision, approve or refuse with a reason, and
the recent decisions.

The certificate use cases decide everything (`certificates.requests`: who may see and
decide a request, that the requester never decides their own, that an approved request
is checked again by every rule); this module only shows their results and posts the forms
through `frame.submit`. A holder's citizen ID is shown masked in the list and in full only
on the pending request a decider must check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.certificates import requests
from govbridge.runtime import Ctx
from govbridge.web import session
from govbridge.web.format import mask_subject
from govbridge.web.forms import FormError
from govbridge.web.frame import Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
RECENT = 50


def _requests_page(request: Request, lang: str, *, notice: str = "",
                   errors: dict[int, list[FormError]] | None = None,
                   status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        pending = requests.list_requests(ctx, viewer.actor, state="pending")
        decidable = {r.id for r in pending if requests.may_decide(ctx, viewer.actor, r.id)}
        decided = [r for r in requests.list_requests(ctx, viewer.actor, state=None,
                                                     limit=RECENT) if r.state != "pending"]
    return render(request, "certificates/requests.html", lang, status=status, viewer=viewer,
                  pending=pending, decided=decided, decidable=decidable, notice=notice,
                  form_errors=errors or {},
                  masked={r.id: mask_subject(r.holder_kind, r.holder_id)
                          for r in [*pending, *decided]})


@router.get("/certificates/requests")
@web_page
def requests_page(request: Request, notice: str = "") -> Response:
    return _requests_page(request, session.language(request), notice=notice[:20])


@router.post("/certificates/requests/{request_id}/approve")
@web_page
def approve(request_id: int, request: Request, csrf_token: FormStr = "") -> Response:
    lang = session.language(request)

    def run(ctx: Ctx, viewer: Viewer) -> object:
        return requests.approve_request(ctx, viewer.actor, request_id)

    return submit(request, run, csrf_token=csrf_token,
                  done=lambda _c: redirect("/certificates/requests?notice=approved"),
                  again=lambda errors, status: _requests_page(
                      request, lang, errors={request_id: errors}, status=status))


@router.post("/certificates/requests/{request_id}/refuse")
@web_page
def refuse(request_id: int, request: Request, reason: FormStr = "",
           csrf_token: FormStr = "") -> Response:
    lang = session.language(request)

    def run(ctx: Ctx, viewer: Viewer) -> object:
        return requests.refuse_request(ctx, viewer.actor, request_id, reason)

    return submit(request, run, csrf_token=csrf_token,
                  done=lambda _c: redirect("/certificates/requests?notice=refused"),
                  again=lambda errors, status: _requests_page(
                      request, lang, errors={request_id: errors}, status=status))

