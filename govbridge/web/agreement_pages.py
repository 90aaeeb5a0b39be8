"""The exchange's pages: agreements (lists, request form, the provider's inbox, one
agreement), the exchange console, the ledger explorer, the citizen's access log and
the auditor's flags.

Each handler parses its form, calls the agreement, gateway, ledger and transparency
use cases in one `Runtime.context()` and renders a template, exactly like
`govbridge.web.routes`. A page that only shows a form checks the permission its use
case will check (as the catalog wizard does); the use cases still check on every
request. The fixed routes (`/agreements/new`, `/agreements/inbox`) come before the
agreement page `/agreements/{code}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError

from govbridge.agreements import policy
from govbridge.agreements import usecases as agreements
from govbridge.agreements.policy import AgreementDenied
from govbridge.agreements.schemas import AgreementOut, AgreementRequestIn
from govbridge.api.deps import runtime
from govbridge.catalog import search as catalog_search
from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetOut
from govbridge.core.errors import Conflict, DomainError, InvalidInput, NotFound
from govbridge.core.permissions import Permission, allows
from govbridge.exchange import gateway, transparency
from govbridge.exchange.case_binding import PurposeNotBound
from govbridge.exchange.gateway import LimitExceeded
from govbridge.exchange.schemas import MAX_ROWS, MAX_SUBJECTS, ExchangeResponse, QueryIn
from govbridge.exchange.verify import ResponseInvalid, verify_response
from govbridge.identity.access import require
from govbridge.ledger import checkpoints, queries
from govbridge.ledger.merkle import ProofError
from govbridge.ledger.proof_files import InclusionProof, ProofDocumentError, parse_proof_document
from govbridge.runtime import Ctx
from govbridge.seals.usecases import ca_certificate_pem
from govbridge.web import csrf, session
from govbridge.web.forms import FormError, Problem, message, problems_of
from govbridge.web.frame import Viewer, web_page
from govbridge.web.frame import redirect as _redirect
from govbridge.web.frame import viewer_of as _viewer
from govbridge.web.i18n import has, t
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
TABS = ("consumer", "provider", "all")
FLAG_STATUSES = ("open", "confirmed", "dismissed")
REQUEST_NOTICES = {"requested", "approved", "revoked"}
INBOX_DONE = {"approved", "partially_approved", "refused"}
# Masks a provider may pick per field (the use case checks every one; "" = by the rule).
MASK_CHOICES = ("raw", "redact", "surname", "year", "district", "hash", "null",
                "keep:6:4", "keep:3:4", "keep:1:1")
PROOF_MAX = 200_000
TEXT_MAX = 2000
DEFAULT_VALIDITY_DAYS = 365
_INDEX = re.compile(r"\[\d+\]|\.\d+$")
_KEEP = re.compile(r"^keep:(\d+):(\d+)$")
_SUBJECTS = re.compile(r"[\s,，、;；]+")


# --- errors of these forms --------------------------------------------------------------------


def describe(lang: str, problems: list[Problem]) -> list[FormError]:
    """Form errors naming the field and the problem; `fields[2]` is labelled as `fields`."""
    out = []
    for p in problems:
        field = p.field or ""
        base = _INDEX.sub("", field).split(".")[0] if field else ""
        label = t(lang, f"xchg.field.{base}") if has(lang, f"xchg.field.{base}") else (
            field or None)
        for key in (f"xchg.problem.{base}.{p.code}", f"xchg.problem.{p.code}"):
            if has(lang, key):
                text = t(lang, key, **{**p.params, "value": p.value or ""})
                break
        else:
            text = p.reason
        if p.value and p.code not in ("conflict",):
            text += t(lang, "xchg.problem.value", value=p.value)
        out.append(FormError(field or None, label, text))
    return out


def errors_of(lang: str, exc: Exception) -> tuple[list[FormError], int]:
    """The form errors and the status of a refused submission."""
    if isinstance(exc, (InvalidInput, Conflict, ValidationError)):
        return describe(lang, problems_of(exc)), 409 if isinstance(exc, Conflict) else 422
    if isinstance(exc, AgreementDenied):
        key = f"xchg.denied.{exc.reason}"
        text = t(lang, key) if has(lang, key) else exc.detail
        return [message(lang, "xchg.denied", reason=text, detail=exc.detail)], exc.status
    if isinstance(exc, LimitExceeded):
        return [message(lang, "xchg.limit", limit=t(lang, f"xchg.limit.{exc.limit}"),
                        seconds=exc.retry_after)], exc.status
    if isinstance(exc, PurposeNotBound):
        return [message(lang, "xchg.unbound", reason=t(lang, f"xchg.unbound.{exc.reason}"))
                ], exc.status
    if isinstance(exc, DomainError):
        return [FormError(None, None, exc.detail)], exc.status
    raise exc


def _mask_label(lang: str, value: str) -> str:
    keep = _KEEP.match(value)
    if keep:
        return t(lang, "mask.keep", first=keep.group(1), last=keep.group(2))
    return t(lang, f"mask.{value}") if has(lang, f"mask.{value}") else value


def _org_id(viewer: Viewer) -> int | None:
    return viewer.actor.organization_id


def _may(viewer: Viewer, permission: Permission) -> bool:
    return allows(viewer.actor.permissions, permission, actor_org_id=_org_id(viewer),
                  target_org_id=_org_id(viewer))


# --- agreements: the lists --------------------------------------------------------------------


def _tabs(viewer: Viewer) -> list[str]:
    tabs = []
    if _org_id(viewer) is not None:
        tabs += ["consumer", "provider"]
    if Permission.AGREEMENT_READ in viewer.actor.permissions:
        tabs.append("all")
    return tabs


@router.get("/agreements")
@web_page
def agreements_page(request: Request, tab: str = "", state: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        tabs = _tabs(viewer)
        shown = tab if tab in tabs else (tabs[0] if tabs else "all")
        wanted = state if state in policy.STATES else None
        listed = agreements.list_agreements(ctx, viewer.actor, shown, wanted)  # type: ignore[arg-type]
        late = (agreements.overdue(ctx, viewer.actor)
                if Permission.AGREEMENT_READ in viewer.actor.permissions else [])
    return render(
        request, "agreements.html", lang, viewer=viewer, tabs=tabs, tab=shown, state=wanted,
        states=policy.STATES, rows=listed, late=late,
        may_request=_may(viewer, Permission.AGREEMENT_REQUEST),
        may_decide=_may(viewer, Permission.AGREEMENT_DECIDE),
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
        "valid_until": (agreements.today(ctx) + timedelta(days=DEFAULT_VALIDITY_DAYS)).isoformat(),
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
        viewer = _viewer(ctx, request)
        require(viewer.actor, Permission.AGREEMENT_REQUEST, organization_id=_org_id(viewer))
        code = resource_code.strip()[:40]
        if code:
            try:
                dataset = _published(ctx, viewer, code)
            except NotFound:
                errors.append(message(lang, "xchg.request.no_dataset", code=code))
        if q.strip():
            hits = catalog_search.search(ctx, viewer.actor, q.strip()[:200], limit=20).hits
        if form is None:
            names = [f.name for f in dataset.fields] if dataset else []
            form = _blank_request(ctx, dataset.resource_code if dataset else code, names)
    return render(
        request, "agreement_new.html", lang, status=status, viewer=viewer, dataset=dataset,
        hits=hits, q=q, form=form, errors=errors, kinds=policy.PURPOSE_KINDS,
        org_name=viewer.org_name(lang),
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
    try:
        with runtime(request).context() as ctx:
            viewer = _viewer(ctx, request)
            csrf.check(posted.csrf_token, viewer.csrf)
            made = agreements.request_agreement(ctx, viewer.actor, _request_in(posted))
    except (InvalidInput, Conflict, ValidationError, NotFound) as exc:
        if isinstance(exc, NotFound):
            errors, status = [message(lang, "xchg.request.no_dataset",
                                      code=posted.resource_code[:40])], 404
        else:
            errors, status = errors_of(lang, exc)
        return _request_page(request, lang, resource_code=posted.resource_code, form=form,
                             errors=errors, status=status)
    notice = "approved" if made.state in policy.GRANTED else "requested"
    return _redirect(f"/agreements/{made.code}?notice={notice}")


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
        viewer = _viewer(ctx, request)
        require(viewer.actor, Permission.AGREEMENT_DECIDE, organization_id=_org_id(viewer))
        pending = _pending(ctx, viewer)
    return render(
        request, "agreement_inbox.html", lang, status=status, viewer=viewer, pending=pending,
        masks=[(m, _mask_label(lang, m)) for m in MASK_CHOICES], errors=errors or [],
        failed=failed, posted=posted or {}, notice=notice,
    )


@router.get("/agreements/inbox")
@web_page
def agreement_inbox(request: Request, done: str = "", code: str = "") -> Response:
    lang = session.language(request)
    notice = None
    if done in INBOX_DONE and code:
        notice = t(lang, f"xchg.inbox.done.{done}", code=code[:40])
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
    reason = posted.reason.strip()[:TEXT_MAX]
    try:
        with runtime(request).context() as ctx:
            viewer = _viewer(ctx, request)
            csrf.check(posted.csrf_token, viewer.csrf)
            if posted.decision == "refuse":
                decided = agreements.decide(ctx, viewer.actor, posted.code, refuse_reason=reason)
            else:
                chosen = None if posted.decision == "approve_all" else posted.approve
                if chosen is not None:
                    masks = {f: m for f, m in masks.items() if f in chosen}
                decided = agreements.decide(ctx, viewer.actor, posted.code,
                                            approve_fields=chosen, masks=masks or None)
    except (InvalidInput, Conflict) as exc:
        errors, status = errors_of(lang, exc)
        return _inbox_page(
            request, lang, errors=errors, failed=posted.code, status=status,
            posted={"approve": set(posted.approve), "masks": masks, "reason": reason},
        )
    query = urlencode({"done": decided.state, "code": decided.code})
    return _redirect(f"/agreements/inbox?{query}")


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
        viewer = _viewer(ctx, request)
        agr = agreements.get_agreement(ctx, viewer.actor, code)
    mine = viewer.profile.organization_code
    is_consumer = mine == agr.consumer_code
    is_provider = mine == agr.provider_code
    return render(
        request, "agreement.html", lang, status=status, viewer=viewer, agr=agr,
        grants=[(f, agr.grants.get(f)) for f in agr.fields],
        mask_label=lambda m: _mask_label(lang, m),
        may_revoke=agr.state in policy.REVOCABLE and (
            (is_consumer and _may(viewer, Permission.AGREEMENT_REQUEST))
            or (is_provider and _may(viewer, Permission.AGREEMENT_DECIDE))
            or Permission.CATALOG_REVIEW in viewer.actor.permissions),
        may_query=is_consumer and agr.state in policy.GRANTED
        and _may(viewer, Permission.EXCHANGE_QUERY),
        may_decide=is_provider and agr.state == policy.REQUESTED
        and _may(viewer, Permission.AGREEMENT_DECIDE),
        errors=errors or [], notice=notice, reason=reason,
    )


@router.post("/agreements/{code}/revoke")
@web_page
def agreement_revoke(code: str, request: Request, reason: FormStr = "",
                     csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    reason = reason.strip()[:TEXT_MAX]
    try:
        with runtime(request).context() as ctx:
            viewer = _viewer(ctx, request)
            csrf.check(csrf_token, viewer.csrf)
            revoked = agreements.revoke(ctx, viewer.actor, code, reason)
    except (InvalidInput, Conflict) as exc:
        errors, status = errors_of(lang, exc)
        return _agreement_page(request, lang, code, errors=errors, reason=reason, status=status)
    return _redirect(f"/agreements/{revoked.code}?notice=revoked")


@router.get("/agreements/{code}")
@web_page
def agreement_page(code: str, request: Request, notice: str = "") -> Response:
    lang = session.language(request)
    shown = t(lang, f"xchg.agr.notice.{notice}") if notice in REQUEST_NOTICES else None
    return _agreement_page(request, lang, code, notice=shown)


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
        viewer = _viewer(ctx, request)
        require(viewer.actor, Permission.EXCHANGE_QUERY, organization_id=_org_id(viewer))
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
        request, "exchange_console.html", lang, status=status, viewer=viewer, active=active,
        agr=agr, form=form or _form_of(agr), errors=errors or [], result=result, seal=seal,
        document=document, kinds=policy.PURPOSE_KINDS, max_subjects=MAX_SUBJECTS,
        max_rows=MAX_ROWS, mask_label=lambda m: _mask_label(lang, m),
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
    rt = runtime(request)
    try:
        with rt.context() as ctx:
            viewer = _viewer(ctx, request)
            csrf.check(posted.csrf_token, viewer.csrf)
            agr = agreements.get_agreement(ctx, viewer.actor, posted.agreement)
            result = gateway.query(ctx, viewer.actor, agr.resource_code, _query_in(posted))
    except NotFound:
        errors = [message(lang, "xchg.console.no_agreement")]
        return _console_page(request, lang, form=form, errors=errors, status=422)
    except (InvalidInput, Conflict, ValidationError, AgreementDenied, LimitExceeded,
            PurposeNotBound) as exc:
        errors, status = errors_of(lang, exc)
        return _console_page(request, lang, form=form, errors=errors, status=status)
    return _console_page(request, lang, form=form, result=result)


@router.post("/exchange/console/download")
@web_page
def console_download(
    request: Request, document: FormStr = "", csrf_token: FormStr = ""
) -> Response:
    """The response just shown, as a file; only a document that verifies is handed back."""
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        csrf.check(csrf_token, viewer.csrf)
        require(viewer.actor, Permission.EXCHANGE_QUERY, organization_id=_org_id(viewer))
        anchor = ca_certificate_pem(ctx)
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


# --- the ledger explorer ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProofCheck:
    ok: bool
    kind: str  # inclusion | consistency | "" (unreadable)
    reason: str | None
    matches_ledger: bool | None  # the roots are this ledger's (None: not known here)


def _check_proof(ctx: Ctx, viewer: Viewer, text: str) -> ProofCheck:
    """Parse and verify a pasted proof document, then compare it with this ledger's roots."""
    try:
        doc = json.loads(text, parse_constant=_no_constant)
        proof = parse_proof_document(doc)
    except ProofDocumentError as exc:
        return ProofCheck(False, "", str(exc), None)
    except ValueError as exc:
        return ProofCheck(False, "", f"not JSON: {exc}", None)
    kind = "inclusion" if isinstance(proof, InclusionProof) else "consistency"
    try:
        proof.verify()
    except ProofError as exc:
        return ProofCheck(False, kind, exc.reason, None)
    try:
        if isinstance(proof, InclusionProof):
            mine = queries.inclusion_proof(ctx, viewer.actor, proof.leaf_index, proof.tree_size)
            same = mine["root"] == doc["root"] and mine["leafHash"] == doc["leafHash"]
        else:
            mine = queries.consistency_proof(ctx, viewer.actor, proof.size1, proof.size2)
            same = mine["root1"] == doc["root1"] and mine["root2"] == doc["root2"]
    except (NotFound, InvalidInput, Conflict):
        return ProofCheck(True, kind, None, None)
    return ProofCheck(True, kind, None, same)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


def _ledger_page(
    request: Request,
    lang: str,
    *,
    proof_text: str = "",
    check: ProofCheck | None = None,
    fetched: dict[str, Any] | None = None,
    errors: list[FormError] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        heads = checkpoints.list_checkpoints(ctx, viewer.actor)
        if check is None and proof_text:
            check = _check_proof(ctx, viewer, proof_text)
    return render(
        request, "ledger.html", lang, status=status, viewer=viewer, heads=heads,
        latest=heads[0] if heads else None, proof_text=proof_text, check=check,
        fetched=json.dumps(fetched, indent=2) if fetched else None, errors=errors or [],
        notice=notice, may_checkpoint=Permission.LEDGER_AUDIT in viewer.actor.permissions,
    )


@router.get("/ledger")
@web_page
def ledger_page(
    request: Request, leaf: str = "", size: str = "", size1: str = "", size2: str = "",
    notice: str = "",
) -> Response:
    """The explorer; `?leaf=` (and `size`) fetches an inclusion proof, `?size1=` a
    consistency proof."""
    lang = session.language(request)
    fetched = None
    errors: list[FormError] = []
    status = 200
    try:
        with runtime(request).context() as ctx:
            viewer = _viewer(ctx, request)
            if leaf.strip():
                fetched = queries.inclusion_proof(ctx, viewer.actor, _int(leaf, "leaf"),
                                                  _int(size, "size") if size.strip() else None)
            elif size1.strip():
                fetched = queries.consistency_proof(
                    ctx, viewer.actor, _int(size1, "size1"),
                    _int(size2, "size2") if size2.strip() else None)
    except (InvalidInput, NotFound) as exc:
        if isinstance(exc, NotFound):
            errors, status = [message(lang, "xchg.ledger.not_found", detail=exc.detail)], 404
        else:
            errors, status = errors_of(lang, exc)
    shown = t(lang, "xchg.ledger.notice.checkpoint") if notice == "checkpoint" else None
    return _ledger_page(request, lang, fetched=fetched, errors=errors, notice=shown,
                        status=status)


def _int(value: str, field: str) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 19:
        raise InvalidInput.one(field, "a whole number", text[:20], "int_parsing")
    return int(text)


@router.post("/ledger/verify")
@web_page
def ledger_verify(request: Request, proof: FormStr = "", csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    text = proof.strip()
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        csrf.check(csrf_token, viewer.csrf)
        require(viewer.actor, Permission.LEDGER_READ)
        if not text or len(text) > PROOF_MAX:
            check = ProofCheck(False, "", t(lang, "xchg.ledger.proof_required"), None)
        else:
            check = _check_proof(ctx, viewer, text)
    return _ledger_page(request, lang, proof_text=text[:PROOF_MAX], check=check,
                        status=200 if check.ok else 422)


@router.post("/ledger/checkpoint")
@web_page
def ledger_checkpoint(request: Request, csrf_token: FormStr = "") -> Response:
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        csrf.check(csrf_token, viewer.csrf)
        checkpoints.checkpoint_now(ctx, viewer.actor)
    return _redirect("/ledger?notice=checkpoint")


# --- the citizen's access log -----------------------------------------------------------------


@router.get("/me/accesses")
@web_page
def my_accesses_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        listed = transparency.my_accesses(ctx, viewer.actor)
    rows = [(a, json.dumps(a.proof, indent=2)) for a in listed]
    return render(request, "my_accesses.html", lang, viewer=viewer, rows=rows)


# --- the auditor's flags ----------------------------------------------------------------------


def _flags_page(
    request: Request,
    lang: str,
    status_shown: str,
    *,
    errors: list[FormError] | None = None,
    failed: int | None = None,
    note: str = "",
    notice: str | None = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        flags = transparency.list_flags(ctx, viewer.actor, status=status_shown)
    return render(
        request, "audit_flags.html", lang, status=status, viewer=viewer, flags=flags,
        shown=status_shown, statuses=FLAG_STATUSES, errors=errors or [], failed=failed,
        note=note, notice=notice,
    )


@router.get("/audit/flags")
@web_page
def flags_page(request: Request, status: str = "open", done: str = "", flag: str = "") -> Response:
    lang = session.language(request)
    notice = None
    if done in ("confirmed", "dismissed") and flag.isdigit():
        notice = t(lang, f"xchg.flags.done.{done}", id=flag)
    return _flags_page(request, lang, status if status in FLAG_STATUSES else "open",
                       notice=notice)


@router.post("/audit/flags/{flag_id}/review")
@web_page
def flag_review(flag_id: int, request: Request, verdict: FormStr = "", note: FormStr = "",
                csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    note = note.strip()[:TEXT_MAX]
    try:
        with runtime(request).context() as ctx:
            viewer = _viewer(ctx, request)
            csrf.check(csrf_token, viewer.csrf)
            transparency.review_flag(ctx, viewer.actor, flag_id, verdict, note)  # type: ignore[arg-type]
    except (InvalidInput, Conflict) as exc:
        errors, status = errors_of(lang, exc)
        return _flags_page(request, lang, "open", errors=errors, failed=flag_id, note=note,
                           status=status)
    return _redirect(f"/audit/flags?{urlencode({'done': verdict, 'flag': flag_id})}")
