"""Case pages (办件): the applicant's cases (list, one case with its timeline, materials,
uploads and certificates), the front desk's acceptance screen (综合窗口受理) and the
approver's tasks with the decision screen (后台审批).

Each handler parses its form, calls the case, service and certificate use cases in one
`Runtime.context()` and renders a template; a form POST goes through `frame.submit`. Pages that
only show a form check the permission their use case will check; the use cases still
check on every request. Applicant identifiers are shown masked (`mask_subject`): the
clerk reads the ID from the card and types it, the page never shows it in full.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from govbridge.api.deps import runtime
from govbridge.api.headers import diagram_response
from govbridge.cases import review
from govbridge.cases import usecases as cases
from govbridge.cases.diagram import case_diagram
from govbridge.cases.rules import awaits_acceptance
from govbridge.cases.schemas import TEXT_MAX, CaseDetail, DecisionIn
from govbridge.certificates import usecases as certificates
from govbridge.certificates.verify import holder_kind_of
from govbridge.core.errors import InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.organizations import org_by_code
from govbridge.runtime import Ctx
from govbridge.services import usecases as services
from govbridge.web import form_text, session
from govbridge.web.case_view import (
    CASES,
    CaseStage,
    certificates_of,
    material_rows,
    org_names,
)
from govbridge.web.format import mask_subject
from govbridge.web.forms import FormError, message
from govbridge.web.frame import (
    Refused,
    Viewer,
    checked_viewer,
    redirect,
    submit,
    viewer_of,
    web_page,
)
from govbridge.web.render import render
from govbridge.web.translations import N_, text_for

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
MAX_UPLOAD = cases.MAX_UPLOAD
DESK_TABS = ("submitted", "accepted", "in_progress")
DECISIONS = ("approve", "return", "refuse")


def masked(subject_id: str) -> str:
    """A citizen ID masked, a credit code in full (as every page shows them)."""
    kind = "enterprise" if holder_kind_of(subject_id) == "enterprise" else "person"
    return mask_subject(kind, subject_id) or ""


def _case_context(ctx: Ctx, viewer: Viewer, detail: CaseDetail, lang: str) -> dict[str, Any]:
    """What every case view shows: the item, the departments' names, the rows."""
    item = services.get_service_item(ctx, viewer.actor, detail.item_code)
    names = org_names(ctx, [s.department for s in detail.current_steps]
                      + [e.detail.get("department") for e in detail.events], lang)
    return {
        "case": detail, "item": item, "names": names, "rows": material_rows(detail),
        "stage": CaseStage.of(detail.state),
        "applicant_masked": masked(detail.applicant_id),
        "certificates": certificates_of(detail),
        "events": detail.events,
    }


# --- applicant: my cases ----------------------------------------------------------------------


@router.get("/my/cases")
@web_page
def my_cases_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        listed = cases.my_cases(ctx, viewer.actor)
        items = {i.code: i.name for i in services.list_service_items(ctx, viewer.actor)}
    return render(request, "cases/mine.html", lang, viewer=viewer, rows=listed, items=items)


def _my_case_page(request: Request, lang: str, code: str, *, notice: str | None = None,
                  errors: list[FormError] | None = None, failed: str | None = None,
                  status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.SELF_SERVICE)
        detail = cases.timeline(ctx, viewer.actor, code)
        shown = _case_context(ctx, viewer, detail, lang)
    return render(request, "cases/mine_one.html", lang, status=status, viewer=viewer,
                  notice=notice, errors=errors or [], failed=failed,
                  max_mb=MAX_UPLOAD // 1_048_576, **shown)


@router.get("/my/cases/{code}")
@web_page
def my_case(code: str, request: Request, notice: str = "") -> Response:
    lang = session.language(request)
    return _my_case_page(request, lang, code,
                         notice=text_for(lang).lookup(form_text.CASE_NOTICE, notice))


# The path ends in /upload so the body-size middleware allows the material's full size.
@router.post("/my/cases/{code}/materials/{key}/upload")
@web_page
def my_case_upload(code: str, key: str, request: Request,
                   file: Annotated[UploadFile | None, File()] = None,
                   csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    name = (file.filename or "") if file is not None else ""

    def upload(ctx: Ctx, viewer: Viewer) -> None:
        # One byte over the limit is enough to know the file is too large.
        content = file.file.read(MAX_UPLOAD + 1) if file is not None and name else b""
        if not content or len(content) > MAX_UPLOAD:
            problem = (
                N_("The file “%(name)s” is over the %(max)s MB limit; compress or split it.")
                if content else
                N_("The file “%(name)s” is empty; choose a file with content.") if name else
                N_("Choose a file to upload."))
            raise Refused([message(lang, problem, name=name[:200],
                                   max=MAX_UPLOAD // 1_048_576)])
        cases.upload_material(ctx, viewer.actor, code, key, name, content)

    return submit(
        request, upload, csrf_token=csrf_token, wording=CASES,
        done=lambda _: redirect(f"/my/cases/{code}?notice=uploaded#material-{key}"),
        again=lambda errors, status: _my_case_page(request, lang, code, errors=errors,
                                                   failed=key, status=status),
    )


def _case_certificate(ctx: Ctx, viewer: Viewer, code: str, certificate_id: int) -> None:
    """The certificate must be one the case issued (not any certificate of the holder)."""
    detail = cases.timeline(ctx, viewer.actor, code)
    ids = {getattr(c, "id", None) for c in certificates_of(detail)}
    if certificate_id not in ids:
        raise NotFound("certificate of the case", certificate_id)


@router.get("/my/cases/{code}/certificates/{certificate_id}.pdf")
@web_page
def my_case_certificate_pdf(code: str, certificate_id: int, request: Request) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        _case_certificate(ctx, viewer, code, certificate_id)
        identifier, data = certificates.certificate_pdf(ctx, viewer.actor, certificate_id)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{identifier}.pdf"',
        "Cache-Control": "no-store"})


@router.get("/my/cases/{code}/certificates/{certificate_id}.json")
@web_page
def my_case_certificate_json(code: str, certificate_id: int, request: Request) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        _case_certificate(ctx, viewer, code, certificate_id)
        identifier, token = certificates.certificate_vc(ctx, viewer.actor, certificate_id)
    # The sealed VC as JSON holding its compact JWS: what /verify accepts.
    body = json.dumps({"identifier": identifier, "vc_jws": token}, ensure_ascii=False)
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{identifier}.json"',
        "Cache-Control": "no-store"})


@router.get("/cases/{code}/materials/{key}/file")
@web_page
def material_file(code: str, key: str, request: Request) -> Response:
    """An uploaded material, to the case's applicant and the staff who may read the case
    (the use case decides); always a download, never rendered by the browser."""
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        row = cases.material_file(ctx, viewer.actor, code, key)
        content, media_type, filename = row.content, row.media_type, row.filename
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.get("/cases/{code}/diagram.svg")
@web_page
def case_diagram_svg(code: str, request: Request) -> Response:
    """The case's process with its steps marked, for the applicant, desk and task pages'
    `<img>`: to whoever may read the case (the use case decides; 404 for anyone else)."""
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        svg = case_diagram(ctx, viewer.actor, code[:40])
    return diagram_response(svg)


# --- front desk -------------------------------------------------------------------------------


def _desk_org(viewer: Viewer) -> int | None:
    return viewer.actor.organization_id


@router.get("/desk")
@web_page
def desk_page(request: Request, tab: str = "submitted") -> Response:
    lang = session.language(request)
    shown = tab if tab in DESK_TABS else "submitted"
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.CASE_ACCEPT, organization_id=_desk_org(viewer))
        items = {i.code: i for i in services.list_service_items(ctx, viewer.actor)}
        own = viewer.profile.organization_code
        # The front desk of the item's lead department accepts its cases.
        listed = [c for c in cases.list_cases(ctx, viewer.actor, shown)
                  if own is None or (c.item_code in items
                                     and items[c.item_code].lead_org_code == own)]
    rows = [(c, masked(c.applicant_id)) for c in listed]
    return render(request, "cases/desk.html", lang, viewer=viewer, rows=rows, tab=shown,
                  tabs=DESK_TABS, items={k: v.name for k, v in items.items()})


def _lead_org_id(ctx: Ctx, viewer: Viewer, item_code: str) -> int | None:
    item = services.get_service_item(ctx, viewer.actor, item_code)
    org = org_by_code(ctx, item.lead_org_code)
    return org.id if org else None


def _desk_case_page(request: Request, lang: str, code: str, *, notice: str | None = None,
                    errors: list[FormError] | None = None, form: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        detail = cases.timeline(ctx, viewer.actor, code)
        require(viewer.actor, Permission.CASE_ACCEPT,
                organization_id=_lead_org_id(ctx, viewer, detail.item_code))
        shown = _case_context(ctx, viewer, detail, lang)
    return render(request, "cases/desk_one.html", lang, status=status, viewer=viewer,
                  notice=notice, errors=errors or [], form=form or {},
                  may_accept=awaits_acceptance(detail.state), **shown)


@router.get("/desk/cases/{code}")
@web_page
def desk_case(code: str, request: Request, notice: str = "") -> Response:
    lang = session.language(request)
    return _desk_case_page(request, lang, code,
                           notice=text_for(lang).lookup(form_text.CASE_DESK_NOTICE, notice))


@router.post("/desk/cases/{code}/accept")
@web_page
def desk_accept(code: str, request: Request, identity_checked_id: FormStr = "",
                csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    typed = identity_checked_id.strip()[:40]

    def accept(ctx: Ctx, viewer: Viewer) -> None:
        if not typed:
            raise InvalidInput.one("identity_checked_id", "required", None, "required")
        if len(typed) > 18:
            raise InvalidInput.one("identity_checked_id", "at most 18 characters", typed,
                                   "too_long")
        cases.accept(ctx, viewer.actor, code, typed)

    return submit(
        request, accept, csrf_token=csrf_token, wording=CASES,
        done=lambda _: redirect(f"/desk/cases/{code}?notice=accepted"),
        again=lambda errors, status: _desk_case_page(
            request, lang, code, errors=errors, status=status,
            form={"identity_checked_id": typed}),
    )


@router.post("/desk/cases/{code}/not-accept")
@web_page
def desk_not_accept(code: str, request: Request, reason: FormStr = "",
                    csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    text = reason.strip()[:TEXT_MAX]
    return submit(
        request, lambda ctx, viewer: cases.not_accept(ctx, viewer.actor, code, text),
        csrf_token=csrf_token, wording=CASES,
        done=lambda _: redirect(f"/desk/cases/{code}?notice=not_accepted"),
        again=lambda errors, status: _desk_case_page(request, lang, code, errors=errors,
                                                     status=status, form={"reason": text}),
    )


# --- back office: tasks -----------------------------------------------------------------------


@router.get("/tasks")
@web_page
def tasks_page(request: Request, done: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        listed = cases.my_tasks(ctx, viewer.actor)
        items = {i.code: i.name for i in services.list_service_items(ctx, viewer.actor)}
    notice = text_for(lang).gettext(
        "Your decision on case %(code)s was recorded.", code=done[:40]) if done else None
    return render(request, "cases/tasks.html", lang, viewer=viewer, rows=listed, items=items,
                  notice=notice)


class DecisionForm(BaseModel):
    """The decision form as posted."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    task_id: str = ""
    decision: str = ""
    opinion: str = ""
    materials: list[str] = []


def _task_page(request: Request, lang: str, code: str, task_id: str, *,
               errors: list[FormError] | None = None, form: dict[str, Any] | None = None,
               notice: str | None = None, show_shared: bool = False,
               csrf_token: str | None = None, status: int = 200) -> Response:
    """The task with its case; `show_shared` also fetches the shared data through the
    approver's own agreement (masked by the exchange, ledgered, in the applicant's log),
    so it runs only when the approver asks for it (a POST), never on a plain visit."""
    with runtime(request).context() as ctx:
        # The shared data is a recorded read: only from the page's own form.
        viewer = (checked_viewer(ctx, request, csrf_token) if show_shared
                  else viewer_of(ctx, request))
        require(viewer.actor, Permission.CASE_DECIDE, organization_id=viewer.actor.organization_id)
        detail = cases.timeline(ctx, viewer.actor, code)
        step = next((s for s in detail.current_steps if s.task_id == task_id), None)
        if step is not None:
            dept = org_by_code(ctx, step.department) if step.department else None
            # The task's department decides it: anyone else gets the 403 naming case.decide.
            require(viewer.actor, Permission.CASE_DECIDE,
                    organization_id=dept.id if dept else None)
        shared = review.shared_data(ctx, viewer.actor, code) if show_shared else None
        shown = _case_context(ctx, viewer, detail, lang)
    if step is None and not errors:
        errors = [message(lang, N_("This task was already decided or is not a current step."))]
        status = 404 if status == 200 else status
    return render(request, "cases/task.html", lang, status=status, viewer=viewer, step=step,
                  task_id=task_id, errors=errors or [], decisions=DECISIONS, notice=notice,
                  shared=shared,
                  may_claim=step is not None and review.can_claim(viewer.actor, step.claimed_by),
                  may_release=step is not None and review.can_release(viewer.actor,
                                                                      step.claimed_by),
                  form=form or {"decision": "approve", "opinion": "", "materials": []},
                  **shown)


@router.get("/tasks/{code}")
@web_page
def task_page(code: str, request: Request, task_id: str = "", notice: str = "") -> Response:
    lang = session.language(request)
    text = text_for(lang).lookup(form_text.CASE_TASK_NOTICE, notice)
    return _task_page(request, lang, code, task_id[:64], notice=text)


@router.post("/tasks/{code}/shared")
@web_page
def task_shared(code: str, request: Request, task_id: FormStr = "",
                csrf_token: FormStr = "") -> Response:
    return _task_page(request, session.language(request), code, task_id[:64],
                      show_shared=True, csrf_token=csrf_token)


@router.post("/tasks/{code}/claim")
@web_page
def task_claim(code: str, request: Request, task_id: FormStr = "", action: FormStr = "claim",
               csrf_token: FormStr = "") -> Response:
    """Take the task on (领办) or give it back to the department."""
    lang = session.language(request)
    done = "released" if action == "release" else "claimed"
    step = review.release_task if done == "released" else review.claim_task
    return submit(
        request, lambda ctx, viewer: step(ctx, viewer.actor, code, task_id[:64]),
        csrf_token=csrf_token, wording=CASES,
        done=lambda _: redirect(f"/tasks/{code}?task_id={quote(task_id[:64])}&notice={done}"),
        again=lambda errors, status: _task_page(request, lang, code, task_id[:64],
                                                errors=errors, status=status),
    )


@router.post("/tasks/{code}")
@web_page
def task_decide(code: str, request: Request, posted: Annotated[DecisionForm, Form()]) -> Response:
    lang = session.language(request)
    form = {"decision": posted.decision, "opinion": posted.opinion[:TEXT_MAX],
            "materials": posted.materials[:50]}

    def decide(ctx: Ctx, viewer: Viewer) -> None:
        data = DecisionIn(task_id=posted.task_id[:64], decision=posted.decision,
                          opinion=posted.opinion.strip()[:TEXT_MAX],
                          materials=[m for m in posted.materials if m][:50])
        cases.decide(ctx, viewer.actor, code, data)

    return submit(
        request, decide, csrf_token=posted.csrf_token, wording=CASES,
        done=lambda _: redirect(f"/tasks?done={code}"),
        again=lambda errors, status: _task_page(request, lang, code, posted.task_id[:64],
                                                errors=errors, form=form, status=status),
    )
