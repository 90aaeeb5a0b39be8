"""The exchange console: a consumer queries through one of its granted agreements (subjects,
fields, purpose), sees the sealed response with who sealed it, and downloads it as a file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError

from govbridge.agreements import policy
from govbridge.agreements import usecases as agreements
from govbridge.agreements.policy import AgreementDenied
from govbridge.agreements.schemas import AgreementOut
from govbridge.api.deps import runtime
from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.exchange import gateway
from govbridge.exchange.case_binding import PurposeNotBound
from govbridge.exchange.gateway import LimitExceeded
from govbridge.exchange.schemas import MAX_ROWS, MAX_SUBJECTS, ExchangeResponse, QueryIn
from govbridge.exchange.verify import ResponseInvalid, verify_response
from govbridge.identity.access import require
from govbridge.runtime import Ctx
from govbridge.seals.usecases import ca_certificate_pem
from govbridge.web import session
from govbridge.web.exchange_view import EXCHANGE, mask_label, org_id
from govbridge.web.forms import FormError, message
from govbridge.web.frame import Refused, Viewer, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import N_

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
_SUBJECTS = re.compile(r"[\s,，、;；]+")


# --- the exchange console ---------------------------------------------------------------------


class ConsoleForm(BaseModel):
    """The console's query form as posted."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    agreement: str = ""
    subject_ids: str = ""
    fields: list[str] = []
    purpose_kind: str = ""
    purpose_code: str = ""
    purpose_case: str = ""
    purpose_text: str = ""
    limit: str = ""


@dataclass(frozen=True)
class Seal:
    kid: str
    alg: str
    organization_code: str | None
    organization_name: str | None
    valid: bool
    reason: str | None


def _form_of(agr: AgreementOut | None) -> dict[str, Any]:
    if agr is None:
        return {"agreement": "", "subject_ids": "", "fields": [], "purpose_kind": "legal_basis",
                "purpose_code": "", "purpose_case": "", "purpose_text": "", "limit": "100"}
    return {"agreement": agr.code, "subject_ids": "", "fields": [],
            "purpose_kind": agr.purpose_kind, "purpose_code": agr.purpose_code or "",
            "purpose_case": "", "purpose_text": agr.purpose_text, "limit": "100"}


def _seal_of(ctx: Ctx, doc: dict[str, Any]) -> Seal:
    """Who sealed the response, checked against the platform CA (as `exchange verify` does)."""
    try:
        checked = verify_response(doc, trust_anchor_pem=ca_certificate_pem(ctx))
    except ResponseInvalid as exc:
        return Seal("", "", None, None, False, f"{exc.part}: {exc.reason}")
    s = checked.seal
    return Seal(s.kid, s.alg, s.organization_code, s.organization_name, True, None)


def _console_page(
    request: Request,
    lang: str,
    *,
    chosen: str = "",
    form: dict[str, Any] | None = None,
    errors: list[FormError] | None = None,
    result: ExchangeResponse | None = None,
    status: int = 200,
) -> Response:
    seal = None
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.EXCHANGE_QUERY, organization_id=org_id(viewer))
        active = [a for a in agreements.list_agreements(ctx, viewer.actor, "consumer")
                  if a.state in policy.GRANTED]
        code = (form or {}).get("agreement") or chosen
        agr = next((a for a in active if a.code == code.strip().upper()), None)
        if agr is None and not code and len(active) == 1:
            agr = active[0]
        if result is not None:
            seal = _seal_of(ctx, result.model_dump(mode="json"))
    document = result.model_dump_json(indent=2) if result is not None else None
    return render(
        request, "exchange/console.html", lang, status=status, viewer=viewer, active=active,
        agr=agr, form=form or _form_of(agr), errors=errors or [], result=result, seal=seal,
        document=document, kinds=policy.PURPOSE_KINDS, max_subjects=MAX_SUBJECTS,
        max_rows=MAX_ROWS, mask_label=lambda m: mask_label(lang, m),
    )


@router.get("/exchange/console")
@web_page
def console_form(request: Request, agreement: str = "") -> Response:
    return _console_page(request, session.language(request), chosen=agreement[:40])


def _query_in(posted: ConsoleForm) -> QueryIn:
    subjects = [s for s in _SUBJECTS.split(posted.subject_ids) if s]
    if not subjects:
        raise InvalidInput.one("subject_ids", "enter at least one subject ID", None, "required")
    purpose: dict[str, Any] = {"kind": posted.purpose_kind}
    if posted.purpose_code.strip():
        purpose["code"] = posted.purpose_code.strip()
    if posted.purpose_case.strip() and posted.purpose_kind == "service_item":
        purpose["case"] = posted.purpose_case.strip()
    if posted.purpose_text.strip():
        purpose["text"] = posted.purpose_text.strip()
    data: dict[str, Any] = {"subject_ids": subjects, "purpose": purpose,
                            "fields": [f for f in posted.fields if f.strip()] or None}
    if posted.limit.strip():
        data["limit"] = posted.limit.strip()
    return QueryIn(**data)


@router.post("/exchange/console")
@web_page
def console_submit(request: Request, posted: Annotated[ConsoleForm, Form()]) -> Response:
    lang = session.language(request)
    form = posted.model_dump(exclude={"csrf_token"})

    def query(ctx: Ctx, viewer: Viewer) -> ExchangeResponse:
        try:
            agr = agreements.get_agreement(ctx, viewer.actor, posted.agreement)
            return gateway.query(ctx, viewer.actor, agr.resource_code, _query_in(posted))
        except NotFound:
            raise Refused([message(lang, N_("Choose an active agreement."))]) from None

    return submit(
        request, query, csrf_token=posted.csrf_token, wording=EXCHANGE,
        catch=(InvalidInput, Conflict, ValidationError, AgreementDenied, LimitExceeded,
               PurposeNotBound),
        done=lambda result: _console_page(request, lang, form=form, result=result),
        again=lambda errors, status: _console_page(request, lang, form=form, errors=errors,
                                                   status=status),
    )


@router.post("/exchange/console/download")
@web_page
def console_download(
    request: Request, document: FormStr = "", csrf_token: FormStr = ""
) -> Response:
    """The response just shown, as a file; only a document that verifies is handed back."""

    def anchor(ctx: Ctx, viewer: Viewer) -> str:
        require(viewer.actor, Permission.EXCHANGE_QUERY, organization_id=org_id(viewer))
        return ca_certificate_pem(ctx)

    return submit(request, anchor, csrf_token=csrf_token,
                  done=lambda pem: _download(document, pem))


def _download(document: str, anchor: str) -> Response:
    try:
        doc = json.loads(document)
        checked = verify_response(doc, trust_anchor_pem=anchor)
    except ValueError as exc:
        raise InvalidInput.one("document", f"not JSON ({exc})", None, "format") from None
    name = f"response-{checked.query_id}.json"
    return Response(
        json.dumps(doc, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )


