"""The agreements' pages: the lists, the request form, the provider's inbox and one
agreement (revoked from there).

Each handler calls the agreement use cases in one `Runtime.context()` and renders a
template; a form POST goes through `frame.submit`. A page that only shows a form checks
the permission its use case will check (as the catalog wizard does); the use cases still
check on every request. The fixed routes (`/agreements/new`, `/agreements/inbox`) come
before the agreement page `/agreements/{code}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from govbridge.agreements import policy
from govbridge.agreements import usecases as agreements
from govbridge.agreements.lookup import today
from govbridge.agreements.schemas import REASON_MAX, AgreementOut, AgreementRequestIn, DecisionIn
from govbridge.api.deps import runtime
from govbridge.catalog import search as catalog_search
from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetOut
from govbridge.core.errors import Conflict, DomainError, InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.runtime import Ctx
from govbridge.web import form_text, session
from govbridge.web.exchange_view import EXCHANGE, mask_label, may, org_id
from govbridge.web.forms import FormError, message
from govbridge.web.frame import Refused, Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import N_, text_for

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
TABS = ("consumer", "provider", "all")
# Masks a provider may pick per field (the use case checks every one; "" = by the rule).
MASK_CHOICES = ("raw", "redact", "surname", "year", "district", "hash", "null",
                "keep:6:4", "keep:3:4", "keep:1:1")
DEFAULT_VALIDITY_DAYS = 365


# --- agreements: the lists --------------------------------------------------------------------


def _tabs(viewer: Viewer) -> list[str]:
    tabs = []
    if org_id(viewer) is not None:
        tabs += ["consumer", "provider"]
    if Permission.AGREEMENT_READ in viewer.actor.permissions:
        tabs.append("all")
    return tabs


@router.get("/agreements")
@web_page
def agreements_page(request: Request, tab: str = "", state: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        tabs = _tabs(viewer)
        shown = tab if tab in tabs else (tabs[0] if tabs else "all")
        wanted = state if state in policy.STATES else None
        listed = agreements.list_agreements(ctx, viewer.actor, shown, wanted)  # type: ignore[arg-type]
        late = (agreements.overdue(ctx, viewer.actor)
                if Permission.AGREEMENT_READ in viewer.actor.permissions else [])
    return render(
        request, "agreements/list.html", lang, viewer=viewer, tabs=tabs, tab=shown, state=wanted,
        awaits_answer=policy.awaits_answer,
        states=policy.STATES, rows=listed, late=late,
        may_request=may(viewer, Permission.AGREEMENT_REQUEST),
        may_decide=may(viewer, Permission.AGREEMENT_DECIDE),
    )


# --- agreements: the request form -------------------------------------------------------------


class RequestForm(BaseModel):
    """The request form as posted."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    resource_code: str = ""
    fields: list[str] = []
    purpose_kind: str = ""
    purpose_code: str = ""
    purpose_text: str = ""
    valid_from: str = ""
    valid_until: str = ""
    rate_per_minute: str = ""
    daily_volume: str = ""


def _blank_request(ctx: Ctx, resource_code: str, fields: list[str]) -> dict[str, Any]:
    defaults = AgreementRequestIn.model_fields
    return {
        "resource_code": resource_code,
        "fields": fields,
        "purpose_kind": "legal_basis",
        "purpose_code": "",
        "purpose_text": "",
        "valid_from": "",
        "valid_until": (today(ctx) + timedelta(days=DEFAULT_VALIDITY_DAYS)).isoformat(),
        "rate_per_minute": str(defaults["rate_per_minute"].default),
        "daily_volume": str(defaults["daily_volume"].default),
    }


def _published(ctx: Ctx, viewer: Viewer, resource_code: str) -> DatasetOut:
    """The dataset as a consumer sees it: its published version."""
    shown = catalog.get_dataset(ctx, viewer.actor, resource_code)
    if shown.published_version is not None and shown.version != shown.published_version:
        shown = catalog.get_dataset(ctx, viewer.actor, resource_code, shown.published_version)
    return shown


def _request_page(
    request: Request,
    lang: str,
    *,
    resource_code: str = "",
    q: str = "",
    form: dict[str, Any] | None = None,
    errors: list[FormError] | None = None,
    status: int = 200,
) -> Response:
    errors = list(errors or [])
    dataset = None
    hits = None
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.AGREEMENT_REQUEST, organization_id=org_id(viewer))
        code = resource_code.strip()[:40]
        if code:
            try:
                dataset = _published(ctx, viewer, code)
            except NotFound:
                errors.append(message(
                    lang, N_("No published dataset has the code “%(code)s”."), code=code))
        if q.strip():
            hits = catalog_search.search(ctx, viewer.actor, q.strip()[:200], limit=20).hits
        if form is None:
            names = [f.name for f in dataset.fields] if dataset else []
            form = _blank_request(ctx, dataset.resource_code if dataset else code, names)
    return render(
        request, "agreements/new.html", lang, status=status, viewer=viewer, dataset=dataset,
        hits=hits, q=q, form=form, errors=errors, kinds=policy.PURPOSE_KINDS,
        org_name=viewer.org_name(lang),
        requestable=dataset is None or policy.requestable(dataset.share_type),
        granted_at_once=dataset is not None and policy.granted_at_once(dataset.share_type),
    )


@router.get("/agreements/new")
@web_page
def agreement_new_form(request: Request, resource_code: str = "", q: str = "") -> Response:
    return _request_page(request, session.language(request), resource_code=resource_code, q=q)


def _request_in(posted: RequestForm) -> AgreementRequestIn:
    """The use case's typed input (pydantic's ValidationError is shown as form errors)."""
    data: dict[str, Any] = {
        "resource_code": posted.resource_code.strip(),
        "fields": [f.strip() for f in posted.fields if f.strip()],
        "purpose_kind": posted.purpose_kind,
        "purpose_code": posted.purpose_code.strip() or None,
        "purpose_text": posted.purpose_text.strip(),
        "valid_from": posted.valid_from.strip() or None,
        "valid_until": posted.valid_until.strip(),
    }
    if posted.rate_per_minute.strip():
        data["rate_per_minute"] = posted.rate_per_minute.strip()
    if posted.daily_volume.strip():
        data["daily_volume"] = posted.daily_volume.strip()
    return AgreementRequestIn(**data)


@router.post("/agreements/new")
@web_page
def agreement_new_submit(request: Request, posted: Annotated[RequestForm, Form()]) -> Response:
    lang = session.language(request)
    form = posted.model_dump(exclude={"csrf_token"})

    def request_one(ctx: Ctx, viewer: Viewer) -> AgreementOut:
        try:
            return agreements.request_agreement(ctx, viewer.actor, _request_in(posted))
        except NotFound:
            raise Refused([message(lang, N_("No published dataset has the code “%(code)s”."),
                                   code=posted.resource_code[:40])], 404) from None

    def done(made: AgreementOut) -> Response:
        notice = "approved" if made.state in policy.GRANTED else "requested"
        return redirect(f"/agreements/{made.code}?notice={notice}")

    return submit(
        request, request_one, csrf_token=posted.csrf_token, wording=EXCHANGE, done=done,
        again=lambda errors, status: _request_page(request, lang,
                                                   resource_code=posted.resource_code,
                                                   form=form, errors=errors, status=status),
    )


# --- agreements: the provider's inbox ---------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    agreement: AgreementOut
    fields: list[dict[str, Any]]  # name, title, grade of each requested field


def _pending(ctx: Ctx, viewer: Viewer) -> list[Pending]:
    out = []
    for agr in agreements.list_agreements(ctx, viewer.actor, "provider", policy.REQUESTED):
        try:
            ds = catalog.get_dataset(ctx, viewer.actor, agr.resource_code, agr.dataset_version)
            facts = {f.name: f for f in ds.fields}
        except (NotFound, DomainError):
            facts = {}
        out.append(Pending(agr, [
            {"name": n, "title": facts[n].title if n in facts else "",
             "grade": facts[n].grade if n in facts else ""}
            for n in agr.fields
        ]))
    return out


def _inbox_page(
    request: Request,
    lang: str,
    *,
    errors: list[FormError] | None = None,
    failed: str | None = None,
    posted: dict[str, Any] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.AGREEMENT_DECIDE, organization_id=org_id(viewer))
        pending = _pending(ctx, viewer)
    return render(
        request, "agreements/inbox.html", lang, status=status, viewer=viewer, pending=pending,
        masks=[(m, mask_label(lang, m)) for m in MASK_CHOICES], errors=errors or [],
        failed=failed, posted=posted or {}, notice=notice, reason_max=REASON_MAX,
    )


@router.get("/agreements/inbox")
@web_page
def agreement_inbox(request: Request, done: str = "", code: str = "") -> Response:
    lang = session.language(request)
    notice = None
    if code:
        notice = text_for(lang).lookup(form_text.EXCHANGE_INBOX_DONE, done, code=code[:40])
    return _inbox_page(request, lang, notice=notice)


class DecisionForm(BaseModel):
    """The inbox's form: every requested field with its mask, the approved ones, a reason."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    code: str = ""
    decision: str = ""
    field: list[str] = []
    mask: list[str] = []
    approve: list[str] = []
    reason: str = ""


@router.post("/agreements/inbox")
@web_page
def agreement_decide(request: Request, posted: Annotated[DecisionForm, Form()]) -> Response:
    lang = session.language(request)
    masks = {f: m.strip() for f, m in zip(posted.field, posted.mask, strict=False) if m.strip()}
    reason = posted.reason.strip()
    # Built unchecked: the use case validates it (a reason over REASON_MAX, a control
    # character) and its InvalidInput is shown beside the form with the input kept.
    if posted.decision == "refuse":
        answer = DecisionIn.model_construct(decision="refuse", reason=reason)
    else:  # approve the fields ticked with their masks, or every requested field
        chosen = None if posted.decision == "approve_all" else posted.approve
        if chosen is not None:
            masks = {f: m for f, m in masks.items() if f in chosen}
        answer = DecisionIn.model_construct(decision="approve", fields=chosen,
                                            masks=masks or None)

    return submit(
        request, lambda ctx, viewer: agreements.answer(ctx, viewer.actor, posted.code, answer),
        csrf_token=posted.csrf_token, catch=(InvalidInput, Conflict),
        wording=EXCHANGE,
        done=lambda decided: redirect(
            f"/agreements/inbox?{urlencode({'done': decided.state, 'code': decided.code})}"),
        again=lambda errors, status: _inbox_page(
            request, lang, errors=errors, failed=posted.code, status=status,
            posted={"approve": set(posted.approve), "masks": masks, "reason": reason}),
    )


# --- agreements: one agreement ----------------------------------------------------------------


def _agreement_page(
    request: Request,
    lang: str,
    code: str,
    *,
    errors: list[FormError] | None = None,
    notice: str | None = None,
    reason: str = "",
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        agr = agreements.get_agreement(ctx, viewer.actor, code)
        allowed = agreements.allowed(ctx, viewer.actor, agr.code)
    return render(
        request, "agreements/detail.html", lang, status=status, viewer=viewer, agr=agr,
        grants=[(f, agr.grants.get(f)) for f in agr.fields],
        mask_label=lambda m: mask_label(lang, m),
        may_revoke=allowed.revoke, may_query=allowed.query, may_decide=allowed.decide,
        errors=errors or [], notice=notice, reason=reason, reason_max=REASON_MAX,
        awaits_answer=policy.awaits_answer(agr.state),
    )


@router.post("/agreements/{code}/revoke")
@web_page
def agreement_revoke(code: str, request: Request, reason: FormStr = "",
                     csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    return submit(
        request, lambda ctx, viewer: agreements.revoke(ctx, viewer.actor, code, reason),
        csrf_token=csrf_token, catch=(InvalidInput, Conflict), wording=EXCHANGE,
        done=lambda revoked: redirect(f"/agreements/{revoked.code}?notice=revoked"),
        again=lambda errors, status: _agreement_page(request, lang, code, errors=errors,
                                                     reason=reason, status=status),
    )


@router.get("/agreements/{code}")
@web_page
def agreement_page(code: str, request: Request, notice: str = "") -> Response:
    lang = session.language(request)
    shown = text_for(lang).lookup(form_text.EXCHANGE_AGREEMENT_NOTICE, notice)
    return _agreement_page(request, lang, code, notice=shown)


