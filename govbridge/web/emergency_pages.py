"""Emergency pages: the incident board (alerts, requested vs committed per department, late
responses, timeline, the area view) and a department's dispatches with commit / report forms.

The pages call the emergency use cases, which decide who sees what: the bureau (duty
officer) and whoever holds INCIDENT_READ see the boards; a department's officer sees
and answers its own dispatches only. The area view is an SVG drawn by
`emergency.areas.area_svg` over the shipped SCHEMATIC district outlines (no map tiles:
the platform runs air-gapped). Forms post through `web.frame.submit`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from markupsafe import Markup

from govbridge.api.deps import runtime
from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.emergency import incidents
from govbridge.emergency.areas import area_svg, district_name
from govbridge.emergency.schemas import RESOURCE_KINDS, CommitIn, DispatchOut, ReportIn
from govbridge.emergency.streams import CHINA
from govbridge.runtime import Ctx
from govbridge.web import emergency_labels, session
from govbridge.web.forms import FormError
from govbridge.web.frame import Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]


def _page(request: Request, template: str, lang: str, **context: Any) -> Response:
    return render(request, template, lang, em=emergency_labels,
                  district_name=district_name, **context)


@router.get("/emergency/incidents")
@web_page
def incident_list(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        rows = incidents.list_incidents(ctx, viewer.actor, status=None)
    return _page(request, "emergency/incidents.html", lang, viewer=viewer, rows=rows)


@router.get("/emergency/incidents/{code}")
@web_page
def incident_board(request: Request, code: str) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        board = incidents.board(ctx, viewer.actor, code[:40])
        command = incidents.can_command(viewer.actor)
        plans = incidents.list_plans(ctx, viewer.actor) if command else []
    areas = [{**a.area.model_dump(), "severity": a.severity} for a in board.alert_list
             if a.status == "active" and a.msg_type != "Cancel"]
    svg = Markup(area_svg(areas, title=f"{board.code} {board.title}"))  # noqa: S704 - escaped by area_svg
    return _page(request, "emergency/board.html", lang, viewer=viewer, b=board, svg=svg,
                 command=command, plans=plans)


@router.post("/emergency/incidents/{code}/dispatch")
@web_page
def incident_dispatch(request: Request, code: str, plan: FormStr = "",
                      csrf_token: FormStr = "") -> Response:
    return submit(request, lambda ctx, viewer: incidents.dispatch_plan(
        ctx, viewer.actor, code[:40], plan or None), csrf_token=csrf_token,
        done=lambda _sent: redirect(f"/emergency/incidents/{code[:40]}"))


@router.post("/emergency/dispatches/{code}/release")
@web_page
def dispatch_release(request: Request, code: str, csrf_token: FormStr = "") -> Response:
    return submit(request, lambda ctx, viewer: incidents.release_dispatch(
        ctx, viewer.actor, code[:40]), csrf_token=csrf_token,
        done=lambda d: redirect(f"/emergency/incidents/{d.incident}"))


@router.get("/emergency/dispatches")
@web_page
def dispatch_list(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        rows = incidents.list_dispatches(ctx, viewer.actor)
    return _page(request, "emergency/dispatches.html", lang, viewer=viewer, rows=rows)


def _dispatch_page(request: Request, lang: str, code: str, *, errors: list[FormError] | None = None,
                   status: int = 200, form: dict[str, str] | None = None) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        d = incidents.get_dispatch(ctx, viewer.actor, code[:40])
        can = incidents.can_answer(ctx, viewer.actor, d.code)
    return _page(request, "emergency/dispatch.html", lang, viewer=viewer, d=d,
                 errors=errors or [], status=status, form=form or {},
                 report_statuses=list(emergency_labels.REPORT_STATUS),
                 resource_kinds=RESOURCE_KINDS, can=can)


@router.get("/emergency/dispatches/{code}")
@web_page
def dispatch_page(request: Request, code: str) -> Response:
    return _dispatch_page(request, session.language(request), code)


def _quantities(fields: dict[str, str], prefix: str) -> dict[str, int]:
    out: dict[str, int] = {}
    problems = []
    for kind in RESOURCE_KINDS:
        raw = fields.get(f"{prefix}{kind}", "").strip()
        if not raw:
            continue
        if not (raw.isascii() and raw.isdigit()):  # "²".isdigit(), but int("²") raises
            problems.append(FieldProblem(f"{prefix}{kind}", "a whole number", raw[:20], "format"))
            continue
        out[kind] = int(raw)
    if problems:
        raise InvalidInput(problems)
    return out


def _local_time(raw: str) -> datetime | str:
    """A datetime-local field is China time (UTC+8); left as text when unreadable."""
    try:
        at = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    return at if at.tzinfo else at.replace(tzinfo=CHINA)


@router.post("/emergency/dispatches/{code}/commit")
@web_page
def dispatch_commit(request: Request, code: str, arrive_by: FormStr = "", note: FormStr = "",
                    res_people: FormStr = "", res_vehicles: FormStr = "",
                    res_pumps: FormStr = "", res_sandbags: FormStr = "",
                    res_shelters: FormStr = "", res_boats: FormStr = "",
                    csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    values = {"arrive_by": arrive_by, "note": note, "res_people": res_people,
              "res_vehicles": res_vehicles, "res_pumps": res_pumps,
              "res_sandbags": res_sandbags, "res_shelters": res_shelters,
              "res_boats": res_boats}

    def act(ctx: Ctx, viewer: Viewer) -> DispatchOut:
        return incidents.commit_dispatch(ctx, viewer.actor, code[:40], CommitIn.model_validate({
            "resources": _quantities(values, "res_"), "arrive_by": _local_time(arrive_by),
            "note": note}))

    return submit(request, act, csrf_token=csrf_token,
                  done=lambda d: redirect(f"/emergency/dispatches/{d.code}"),
                  again=lambda errors, status: _dispatch_page(
                      request, lang, code, errors=errors, status=status, form=values))


@router.post("/emergency/dispatches/{code}/report")
@web_page
def dispatch_report(request: Request, code: str, status: FormStr = "", note: FormStr = "",
                    dep_people: FormStr = "", dep_vehicles: FormStr = "",
                    dep_pumps: FormStr = "", dep_sandbags: FormStr = "",
                    dep_shelters: FormStr = "", dep_boats: FormStr = "",
                    csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    values = {"status": status, "note": note, "dep_people": dep_people,
              "dep_vehicles": dep_vehicles, "dep_pumps": dep_pumps,
              "dep_sandbags": dep_sandbags, "dep_shelters": dep_shelters,
              "dep_boats": dep_boats}

    def act(ctx: Ctx, viewer: Viewer) -> DispatchOut:
        return incidents.report_dispatch(ctx, viewer.actor, code[:40], ReportIn.model_validate({
            "status": status, "deployed": _quantities(values, "dep_"), "note": note}))

    return submit(request, act, csrf_token=csrf_token,
                  done=lambda d: redirect(f"/emergency/dispatches/{d.code}"),
                  again=lambda errors, st: _dispatch_page(
                      request, lang, code, errors=errors, status=st, form=values))
