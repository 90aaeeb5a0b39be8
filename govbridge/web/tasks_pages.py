"""Pages of campaigns and tasks (督办): the campaigns a viewer may see (and the form to
create one), a department's tasks across every campaign, a campaign (roll-up by task tree
and by department, late and at-risk tasks highlighted, its Gantt chart in the page and as
a download, the leader's form to add a task), and a task (timeline, the report form with
files, the accept / return / block / cancel forms). Every form posts through
`frame.submit`; what a viewer may do is asked of `tasks.access` through the use cases'
results (`TaskDetail.actions`, `CampaignDetail.is_leader`), never recomputed here. Paths
live under /campaigns and /campaign-tasks (/tasks is the back office's case tasks)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup

from govbridge.api.deps import runtime
from govbridge.core.errors import NotFound
from govbridge.core.permissions import Permission, allows
from govbridge.identity import organizations
from govbridge.runtime import Ctx
from govbridge.tasks import hooks, links, rules, usecases
from govbridge.tasks.schemas import IntegrationCreated, ReasonIn
from govbridge.web import session, tasks_labels
from govbridge.web.forms import FormError, message
from govbridge.web.frame import Refused, Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import N_, text_for

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
CAMPAIGN_FORM = ("title", "code", "deadline", "leader", "lead", "description", "meeting_url",
                 "chat_url", "docs_url")
TASK_FORM = ("title", "organization_code", "working_days", "weight", "parent", "after", "lag",
             "start", "officer")


def _may_create(viewer: Viewer) -> bool:
    return allows(viewer.actor.permissions, Permission.CAMPAIGN_CREATE,
                  actor_org_id=viewer.actor.organization_id,
                  target_org_id=viewer.actor.organization_id)


def _render(request: Request, template: str, lang: str, status: int = 200,
            **context: Any) -> Response:
    return render(request, template, lang, status=status, tl=tasks_labels, **context)


# --- campaigns -------------------------------------------------------------------------------


def _campaigns_page(request: Request, lang: str, *, form: dict[str, str] | None = None,
                    errors: list[FormError] | None = None, status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        rows = usecases.list_campaigns(ctx, viewer.actor)
        may_create = _may_create(viewer)
    return _render(request, "tasks/campaigns.html", lang, status, viewer=viewer,
                   campaigns=rows, may_create=may_create, errors=errors or [],
                   form=form or dict.fromkeys(CAMPAIGN_FORM, ""))


@router.get("/campaigns")
@web_page
def campaigns_page(request: Request) -> Response:
    return _campaigns_page(request, session.language(request))


@router.post("/campaigns")
@web_page
def campaigns_create(request: Request, title: FormStr = "", code: FormStr = "",
                     deadline: FormStr = "", leader: FormStr = "", lead: FormStr = "",
                     description: FormStr = "", meeting_url: FormStr = "",
                     chat_url: FormStr = "", docs_url: FormStr = "",
                     csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    # Links are not shown back in the form after a refusal: they may hold a secret.
    form = {"title": title[:200], "code": code[:32], "deadline": deadline[:10],
            "leader": leader[:64], "lead": lead[:18], "description": description[:4000],
            "meeting_url": "", "chat_url": "", "docs_url": ""}

    def create(ctx: Ctx, viewer: Viewer) -> Any:
        return usecases.create_campaign(ctx, viewer.actor, {  # type: ignore[arg-type]
            "title": title.strip()[:201], "code": code.strip()[:33] or None,
            "deadline": deadline.strip()[:40], "leader": leader.strip()[:65] or None,
            "lead_organization_code": lead.strip()[:19] or None,
            "description": description[:4001], "meeting_url": meeting_url[:600] or None,
            "chat_url": chat_url[:600] or None, "docs_url": docs_url[:600] or None})

    return submit(request, create, csrf_token=csrf_token,
                  done=lambda made: redirect(f"/campaigns/{quote(made.code)}?notice=created"),
                  again=lambda errors, status: _campaigns_page(request, lang, form=form,
                                                               errors=errors, status=status))


@router.get("/campaigns/tasks")
@web_page
def department_tasks(request: Request, state: str = "") -> Response:
    """The viewer's department's tasks across every campaign (the bureau: all)."""
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        wanted = state if state in rules.STATES else None
        rows = usecases.list_tasks(ctx, viewer.actor, state=wanted)
    return _render(request, "tasks/department.html", lang, viewer=viewer, tasks=rows,
                   state=wanted or "", states=rules.STATES)


def _campaign_page(request: Request, lang: str, code: str, *, notice: str | None = None,
                   form: dict[str, str] | None = None, errors: list[FormError] | None = None,
                   status: int = 200, created: IntegrationCreated | None = None) -> Response:
    text = text_for(lang)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        detail = usecases.show_campaign(ctx, viewer.actor, code)
        chart = usecases.gantt_svg(ctx, viewer.actor, code, tasks_labels.gantt_words(text))
        orgs = (organizations.list_organizations(ctx, viewer.actor)
                if detail.is_leader and allows(viewer.actor.permissions, Permission.ORG_READ)
                else [])
        tools = hooks.list_integrations(ctx, viewer.actor, code) if detail.is_leader else []
    by_id = {t.id: t for t in detail.task_list}
    depth: dict[int, int] = {}
    for t in detail.task_list:
        d, p = 0, t.parent
        while p is not None and p in by_id and d < 20:
            d, p = d + 1, by_id[p].parent
        depth[t.id] = d
    return _render(request, "tasks/campaign.html", lang, status, viewer=viewer, c=detail,
                   chart=Markup(chart),  # noqa: S704 - built by tasks.gantt, every text escaped
                   depth=depth, critical=set(detail.critical_path), orgs=orgs,
                   notice=text.lookup(tasks_labels.TASK_NOTICE, notice), errors=errors or [],
                   form=form or dict.fromkeys(TASK_FORM, ""), tools=tools, created=created,
                   hook_kinds=links.KINDS)


@router.get("/campaigns/{code}")
@web_page
def campaign_page(code: str, request: Request, notice: str = "") -> Response:
    return _campaign_page(request, session.language(request), code[:32], notice=notice)


@router.get("/campaigns/{code}/gantt.svg")
@web_page
def campaign_gantt(code: str, request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        svg = usecases.gantt_svg(ctx, viewer.actor, code[:32],
                                 tasks_labels.gantt_words(text_for(lang)))
    name = quote(f"gantt-{code[:32]}.svg", safe="")
    return Response(svg, media_type="image/svg+xml", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
        "Cache-Control": "no-store"})


@router.post("/campaigns/{code}/tasks")
@web_page
def campaign_add_task(code: str, request: Request, title: FormStr = "",
                      organization_code: FormStr = "", working_days: FormStr = "",
                      weight: FormStr = "1", parent: FormStr = "", after: FormStr = "",
                      lag: FormStr = "0", start: FormStr = "", officer: FormStr = "",
                      csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    code = code[:32]
    form = {"title": title[:200], "organization_code": organization_code[:18],
            "working_days": working_days[:4], "weight": weight[:3], "parent": parent[:12],
            "after": after[:200], "lag": lag[:3], "start": start[:10], "officer": officer[:64]}

    def add(ctx: Ctx, viewer: Viewer) -> Any:
        deps = []
        for item in after.replace("，", ",").split(","):
            if item.strip():
                if not (item.strip().isascii() and item.strip().isdigit()):
                    raise Refused([message(lang, N_("Not a task number: %(value)s"),
                                           field="after", value=item.strip()[:20])])
                deps.append({"task": int(item.strip()), "lag": lag.strip()[:4] or 0})
        return usecases.create_task(ctx, viewer.actor, {  # type: ignore[arg-type]
            "campaign": code, "title": title.strip()[:201],
            "organization_code": organization_code.strip()[:19],
            "working_days": working_days.strip()[:6], "weight": weight.strip()[:4] or 1,
            "parent": parent.strip()[:12] or None, "start": start.strip()[:40] or None,
            "officer": officer.strip()[:65] or None, "depends_on": deps[:60]})

    return submit(request, add, csrf_token=csrf_token,
                  done=lambda made: redirect(f"/campaigns/{quote(code)}?notice=task"),
                  again=lambda errors, status: _campaign_page(request, lang, code, form=form,
                                                              errors=errors, status=status))


@router.post("/campaigns/{code}/integrations")
@web_page
def campaign_add_integration(code: str, request: Request, name: FormStr = "",
                             kind: FormStr = "", csrf_token: FormStr = "") -> Response:
    """Register a tool; its secret is shown on the answer to this POST, once (not
    stored in a URL or the session, so a reload or the back button does not show it)."""
    lang = session.language(request)
    code = code[:32]
    return submit(
        request, lambda ctx, viewer: hooks.add_integration(ctx, viewer.actor, {  # type: ignore[arg-type]
            "campaign": code, "name": name.strip()[:101], "kind": kind[:16]}),
        csrf_token=csrf_token,
        done=lambda made: _campaign_page(request, lang, code, created=made),
        again=lambda errors, status: _campaign_page(request, lang, code, errors=errors,
                                                    status=status))


# --- a task ----------------------------------------------------------------------------------


def _id(raw: str, kind: str = "task") -> int:
    """A number from the path; anything else (or beyond 64 bits) is a page not found."""
    # isascii: "²".isdigit() is true, but int("²") raises (a 500)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
        raise NotFound(kind, raw[:40])
    return int(raw)


def _task_page(request: Request, lang: str, task_id: int, *, notice: str | None = None,
               errors: list[FormError] | None = None, status: int = 200) -> Response:
    text = text_for(lang)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        task = usecases.show_task(ctx, viewer.actor, task_id)
    return _render(request, "tasks/task.html", lang, status, viewer=viewer, t=task,
                   notice=text.lookup(tasks_labels.TASK_NOTICE, notice), errors=errors or [],
                   may_report=bool({rules.REPORT, rules.SUBMIT} & set(task.actions)),
                   max_mib=usecases.ATTACHMENT_MAX // (1024 * 1024))


@router.get("/campaign-tasks/{task_id}")
@web_page
def task_page(task_id: str, request: Request, notice: str = "") -> Response:
    return _task_page(request, session.language(request), _id(task_id), notice=notice)


@router.post("/campaign-tasks/{task_id}/report")
@web_page
def task_report(task_id: str, request: Request, percent: FormStr = "", text: FormStr = "",
                submit_it: Annotated[str, Form(alias="submit")] = "",
                files: Annotated[list[UploadFile] | None, File()] = None,
                csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    number = _id(task_id)
    chosen = [f for f in files or [] if f.filename]
    uploads = [usecases.Upload(f.filename or "file", f.file.read(usecases.ATTACHMENT_MAX + 1))
               for f in chosen[:usecases.ATTACHMENTS_PER_REPORT + 1]]
    return submit(
        request, lambda ctx, viewer: usecases.report_progress(
            ctx, viewer.actor, number, {  # type: ignore[arg-type]
                "percent": percent.strip()[:4], "text": text[:4001],
                "submit": submit_it == "1"}, uploads),
        csrf_token=csrf_token,
        done=lambda _: redirect(f"/campaign-tasks/{number}?notice=reported"),
        again=lambda errors, status: _task_page(request, lang, number, errors=errors,
                                                status=status))


@router.post("/campaign-tasks/{task_id}/act")
@web_page
def task_act(task_id: str, request: Request, action: FormStr = "", reason: FormStr = "",
             csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    number = _id(task_id)
    return submit(
        request, lambda ctx, viewer: usecases.act(ctx, viewer.actor, number, action[:16],
                                                  ReasonIn.model_construct(reason=reason[:2001])),
        csrf_token=csrf_token,
        done=lambda _: redirect(f"/campaign-tasks/{number}?notice=moved"),
        again=lambda errors, status: _task_page(request, lang, number, errors=errors,
                                                status=status))


@router.get("/campaign-tasks/{task_id}/attachments/{attachment_id}")
@web_page
def task_attachment(task_id: str, attachment_id: str, request: Request) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        f = usecases.attachment(ctx, viewer.actor, _id(task_id), _id(attachment_id, "attachment"))
        content, name = f.content, f.filename
    return Response(content, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
