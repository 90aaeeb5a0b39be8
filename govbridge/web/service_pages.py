"""Service item pages (政务服务事项): the applicant's list of published items with their
materials and the application form; the bureau's item admin (create, edit, import a BPMN
process, see it drawn, map its lanes to departments, versions, publish), the holiday
calendar, and the per-item figures.

Each form posts through `web.frame.submit` (viewer, CSRF, the use case in one
`Runtime.context()`, errors beside the form or a redirect), as every page does. The fixed
paths (`/services/figures`, `/admin/services/new`) come before the ones with a code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from govbridge.api.deps import runtime
from govbridge.api.headers import diagram_response
from govbridge.cases import figures, reports
from govbridge.cases import usecases as cases
from govbridge.cases.schemas import CaseSubmitIn
from govbridge.core.permissions import Permission
from govbridge.identity import organizations
from govbridge.identity.access import require
from govbridge.runtime import Ctx
from govbridge.services import usecases as services
from govbridge.services.schemas import (
    HolidayIn,
    ItemStatus,
    ServiceItemIn,
    ServiceItemOut,
    ServiceItemUpdate,
)
from govbridge.web import form_text, labels, session
from govbridge.web.case_view import (
    CASES,
    SHARED_KINDS,
    org_names,
)
from govbridge.web.forms import FormError, message
from govbridge.web.frame import Refused, Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import N_, text_for

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
KINDS = ("certificate", "dataset", "form", "upload")
STATUSES: tuple[str, ...] = ("draft", "published", "retired")
BLANK_MATERIAL_ROWS = 3
BPMN_MAX = 1_048_576
FORM_TEXT_MAX = 2000
# Chart geometry (SVG user units): label column, bar column, one bar's height and gap.
CHART_LABEL = 96
CHART_WIDTH = 200
BAR_HEIGHT = 14
BAR_GAP = 6


# The item page's notices: form_text's, and the lane mapping's.
# --- applicant: the service guide and the application form -------------------------------------


def _names(ctx: Ctx, items: list[ServiceItemOut], lang: str) -> dict[str, str]:
    codes: list[str | None] = []
    for i in items:
        codes += [i.lead_org_code, *i.participating_org_codes]
    return org_names(ctx, codes, lang)


@router.get("/services")
@web_page
def services_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.SELF_SERVICE)
        items = services.list_service_items(ctx, viewer.actor, "published")
        names = _names(ctx, items, lang)
    return render(request, "services/list.html", lang, viewer=viewer, items=items, names=names,
                  shared_kinds=SHARED_KINDS)


@router.get("/services/{code}/diagram.svg")
@web_page
def item_diagram_svg(code: str, request: Request) -> Response:
    """The item's current process drawn, for the `<img>` of the apply and admin pages
    (service items are the public guide: any signed-in caller reads them)."""
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        svg = services.process_diagram(ctx, viewer.actor, code[:64])
    return diagram_response(svg)


def form_inputs(item: ServiceItemOut) -> list[tuple[str, list[str]]]:
    """The inputs of the application form: for each `form` material, the paths of its
    values (`key.name`). The values the item's outcome certificate reads from the form (its
    holder's name, its data) get their own input; every form material has its content."""
    outcome = getattr(item, "outcome", None)
    sources = []
    if outcome is not None:
        sources = [outcome.holder_name, *outcome.data.values()]
    read = [s.removeprefix("form:") for s in sources if s.startswith("form:")]
    out = []
    for m in item.materials:
        if m.kind != "form":
            continue
        named = [p for p in dict.fromkeys(read) if p.partition(".")[0] == m.key and "." in p]
        out.append((m.key, [*named, f"{m.key}.content"]))
    return out


def form_values(paths: list[str], values: list[str]) -> dict[str, Any]:
    """The posted (path, value) pairs as the case's form: {key: {name: value}}; a material
    with no value at all is left out (the case then lists it as missing)."""
    form: dict[str, dict[str, str]] = {}
    for path, value in zip(paths, values, strict=False):
        key, _, name = path.partition(".")
        text = value.strip()[:FORM_TEXT_MAX]
        if key and name and text:
            form.setdefault(key, {})[name] = text
    return form


def _apply_page(request: Request, lang: str, code: str, *, form: dict[str, Any] | None = None,
                errors: list[FormError] | None = None, status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.SELF_SERVICE)
        item = services.get_service_item(ctx, viewer.actor, code)
        names = _names(ctx, [item], lang)
    return render(request, "services/apply.html", lang, status=status, viewer=viewer, item=item,
                  names=names, shared_kinds=SHARED_KINDS, errors=errors or [],
                  inputs=dict(form_inputs(item)),
                  form=form or {"applicant_name": viewer.profile.display_name, "values": {}})


@router.get("/services/{code}/apply")
@web_page
def apply_form(code: str, request: Request) -> Response:
    return _apply_page(request, session.language(request), code)


class ApplyForm(BaseModel):
    """The application form as posted: the form values as parallel path/value lists."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    applicant_name: str = ""
    form_path: list[str] = []
    form_value: list[str] = []


@router.post("/services/{code}/apply")
@web_page
def apply_submit(code: str, request: Request, posted: Annotated[ApplyForm, Form()]) -> Response:
    lang = session.language(request)
    values = {p: v[:FORM_TEXT_MAX]
              for p, v in zip(posted.form_path, posted.form_value, strict=False) if p}
    form = {"applicant_name": posted.applicant_name[:200], "values": values}

    def apply(ctx: Ctx, viewer: Viewer) -> Any:
        return cases.submit_application(ctx, viewer.actor, CaseSubmitIn(
            item_code=code[:64], applicant_name=posted.applicant_name.strip()[:201],
            form=form_values(posted.form_path, posted.form_value)))

    return submit(
        request, apply,
        csrf_token=posted.csrf_token, wording=CASES,
        done=lambda made: redirect(f"/my/cases/{made.code}?notice=submitted"),
        again=lambda errors, status: _apply_page(request, lang, code, form=form, errors=errors,
                                                 status=status),
    )


# --- bureau: per-item figures ------------------------------------------------------------------


def _chart(lang: str, f: reports.ItemFigures) -> dict[str, Any]:
    """The bars of one item: cases by state, and the average handling time against the
    promised limit (working days)."""
    text = text_for(lang)
    states = figures.bars([(text.label(labels.CASE_STATE, s), n) for s, n in f.by_state.items()],
                          width=CHART_WIDTH, bar_height=BAR_HEIGHT, gap=BAR_GAP,
                          left=CHART_LABEL)
    timing = figures.bars(
        [(text_for(lang).gettext("Average"), f.avg_working_days or 0),
         (text_for(lang).gettext("Promised"), f.promised_days)],
        width=CHART_WIDTH, bar_height=BAR_HEIGHT, gap=BAR_GAP, left=CHART_LABEL)
    return {
        "states": states,
        "states_height": figures.chart_height(len(states), bar_height=BAR_HEIGHT, gap=BAR_GAP),
        "timing": timing,
        "timing_height": figures.chart_height(2, bar_height=BAR_HEIGHT, gap=BAR_GAP),
        "width": CHART_LABEL + CHART_WIDTH + 48,
        "late": (f.avg_working_days or 0) > f.promised_days,
    }


@router.get("/services/figures")
@web_page
def figures_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        rows = reports.item_figures(ctx, viewer.actor)
    charts = {f.item_code: _chart(lang, f) for f in rows}
    return render(request, "services/figures.html", lang, viewer=viewer, rows=rows, charts=charts,
                  bar_height=BAR_HEIGHT)


# --- bureau: service item admin ---------------------------------------------------------------


class ItemForm(BaseModel):
    """The item form as posted: materials as parallel lists, one entry per table row."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    code: str = ""
    name: str = ""
    lead_org_code: str = ""
    participating_org_codes: list[str] = []
    promised_days: str = ""
    legal_days: str = ""
    fee: str = ""
    m_key: list[str] = []
    m_name: list[str] = []
    m_kind: list[str] = []
    m_resource: list[str] = []
    m_required: list[str] = []


def _materials_of(posted: ItemForm) -> list[dict[str, Any]]:
    """The posted material rows; a row with neither key nor name is a blank one."""
    out = []
    for i, key in enumerate(posted.m_key):
        name = posted.m_name[i] if i < len(posted.m_name) else ""
        if not key.strip() and not name.strip():
            continue
        kind = posted.m_kind[i] if i < len(posted.m_kind) else ""
        resource = posted.m_resource[i] if i < len(posted.m_resource) else ""
        required = posted.m_required[i] if i < len(posted.m_required) else "1"
        out.append({"key": key.strip(), "name": name.strip(), "kind": kind,
                    "resource_code": resource.strip() or None, "required": required != "0"})
    return out


def _fee(text: str) -> Decimal | str:
    try:
        return Decimal(text.strip() or "0")
    except InvalidOperation:
        return text  # pydantic names the field and the value


def _item_data(posted: ItemForm) -> dict[str, Any]:
    return {
        "name": posted.name.strip(),
        "lead_org_code": posted.lead_org_code.strip(),
        "participating_org_codes": [c for c in posted.participating_org_codes if c.strip()],
        "materials": _materials_of(posted),
        "promised_days": posted.promised_days.strip(),
        "legal_days": posted.legal_days.strip(),
        "fee": _fee(posted.fee),
    }


def _form_of(item: ServiceItemOut | None) -> dict[str, Any]:
    if item is None:
        return {"code": "", "name": "", "lead_org_code": "", "participating_org_codes": [],
                "promised_days": "", "legal_days": "", "fee": "0", "materials": []}
    return {"code": item.code, "name": item.name, "lead_org_code": item.lead_org_code,
            "participating_org_codes": list(item.participating_org_codes),
            "promised_days": str(item.promised_days), "legal_days": str(item.legal_days),
            "fee": str(item.fee), "materials": [m.model_dump() for m in item.materials]}


def _posted_form(posted: ItemForm) -> dict[str, Any]:
    return {"code": posted.code.strip(), "name": posted.name,
            "lead_org_code": posted.lead_org_code,
            "participating_org_codes": posted.participating_org_codes,
            "promised_days": posted.promised_days, "legal_days": posted.legal_days,
            "fee": posted.fee, "materials": _materials_of(posted)}


def _org_choices(ctx: Ctx, viewer: Viewer, lang: str) -> list[tuple[str, str]]:
    return [(o.code, o.name_en if lang == "en" and o.name_en else o.name)
            for o in organizations.list_organizations(ctx, viewer.actor)]


@router.get("/admin/services")
@web_page
def admin_items(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.SERVICE_MANAGE)
        items = services.list_service_items(ctx, viewer.actor)
        names = _names(ctx, items, lang)
    return render(request, "services/admin.html", lang, viewer=viewer, items=items, names=names)


def _item_page(request: Request, lang: str, code: str | None, *,
               form: dict[str, Any] | None = None, errors: list[FormError] | None = None,
               notice: str | None = None, bpmn_errors: list[FormError] | None = None,
               lane_errors: list[FormError] | None = None,
               lane_form: dict[str, str] | None = None, status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.SERVICE_MANAGE)
        item = services.get_service_item(ctx, viewer.actor, code) if code else None
        versions = services.list_versions(ctx, viewer.actor, code) if code else []
        choices = _org_choices(ctx, viewer, lang)
    shown = form or _form_of(item)
    rows = list(shown["materials"]) + [
        {"key": "", "name": "", "kind": "upload", "resource_code": None, "required": True}
        for _ in range(BLANK_MATERIAL_ROWS)]
    return render(request, "services/item.html", lang, status=status, viewer=viewer, item=item,
                  versions=versions, form=shown, material_rows=rows, kinds=KINDS,
                  choices=choices, statuses=STATUSES, errors=errors or [],
                  bpmn_errors=bpmn_errors or [], notice=notice,
                  lane_errors=lane_errors or [], lane_form=lane_form or {},
                  # The item's outcome: a lane without a department (None) blocks publishing.
                  unmapped=[lane.lane for lane in (item.lanes if item else [])
                            if lane.department is None])


@router.get("/admin/services/new")
@web_page
def admin_item_new(request: Request) -> Response:
    return _item_page(request, session.language(request), None)


@router.post("/admin/services/new")
@web_page
def admin_item_create(request: Request, posted: Annotated[ItemForm, Form()]) -> Response:
    lang = session.language(request)

    def create(ctx: Ctx, viewer: Viewer) -> ServiceItemOut:
        return services.create_service_item(ctx, viewer.actor, ServiceItemIn(
            code=posted.code.strip().upper()[:64], **_item_data(posted)))

    return submit(
        request, create, csrf_token=posted.csrf_token, wording=CASES,
        done=lambda made: redirect(f"/admin/services/{made.code}?notice=created"),
        again=lambda errors, status: _item_page(request, lang, None, form=_posted_form(posted),
                                                errors=errors, status=status),
    )


@router.get("/admin/services/{code}")
@web_page
def admin_item(code: str, request: Request, notice: str = "", version: str = "") -> Response:
    lang = session.language(request)
    text = text_for(lang).lookup(form_text.SERVICE_ADMIN_NOTICE, notice, version=version[:8])
    return _item_page(request, lang, code[:64], notice=text)


@router.post("/admin/services/{code}")
@web_page
def admin_item_save(code: str, request: Request,
                    posted: Annotated[ItemForm, Form()]) -> Response:
    lang = session.language(request)

    def save(ctx: Ctx, viewer: Viewer) -> None:
        services.update_service_item(ctx, viewer.actor, code[:64],
                                     ServiceItemUpdate(**_item_data(posted)))

    return submit(
        request, save, csrf_token=posted.csrf_token, wording=CASES,
        done=lambda _: redirect(f"/admin/services/{code}?notice=saved"),
        again=lambda errors, status: _item_page(request, lang, code[:64], errors=errors,
                                                form={**_posted_form(posted), "code": code[:64]},
                                                status=status),
    )


@router.post("/admin/services/{code}/status")
@web_page
def admin_item_status(code: str, request: Request, status: FormStr = "",
                      csrf_token: FormStr = "") -> Response:
    lang = session.language(request)

    def change(ctx: Ctx, viewer: Viewer) -> None:
        wanted: ItemStatus | str = status
        services.update_service_item(ctx, viewer.actor, code[:64],
                                     ServiceItemUpdate(status=wanted))  # type: ignore[arg-type]

    return submit(
        request, change, csrf_token=csrf_token, wording=CASES,
        done=lambda _: redirect(f"/admin/services/{code}?notice={status}"),
        again=lambda errors, code_status: _item_page(request, lang, code[:64], errors=errors,
                                                     status=code_status),
    )


class LaneForm(BaseModel):
    """The lane mapping as posted: each lane with the department chosen for it."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    lane: list[str] = []
    department: list[str] = []


@router.post("/admin/services/{code}/lanes")
@web_page
def admin_item_lanes(code: str, request: Request,
                     posted: Annotated[LaneForm, Form()]) -> Response:
    """Map each lane (or pool) of the process to a department; a blank choice unmaps it."""
    lang = session.language(request)
    chosen = {lane[:201]: (dept.strip()[:64] or None)
              for lane, dept in zip(posted.lane[:200], posted.department, strict=False)}

    def map_them(ctx: Ctx, viewer: Viewer) -> Any:
        return services.map_lanes(ctx, viewer.actor, code[:64], chosen)

    return submit(
        request, map_them, csrf_token=posted.csrf_token, wording=CASES,
        done=lambda _: redirect(f"/admin/services/{code}?notice=lanes_mapped#lanes"),
        again=lambda errors, status: _item_page(
            request, lang, code[:64], lane_errors=errors, status=status,
            lane_form={k: v or "" for k, v in chosen.items()}),
    )


# The path ends in /upload: a process document may be larger than a form's body limit.
@router.post("/admin/services/{code}/bpmn/upload")
@web_page
def admin_item_bpmn(code: str, request: Request,
                    file: Annotated[UploadFile | None, File()] = None,
                    csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    name = (file.filename or "") if file is not None else ""

    def load(ctx: Ctx, viewer: Viewer) -> Any:
        data = file.file.read(BPMN_MAX + 1) if file is not None and name else b""
        if not data or len(data) > BPMN_MAX:
            problem = (N_("The file “%(name)s” is over the %(max)s MB limit.") if data else
                       N_("The file “%(name)s” is empty.") if name else N_("Choose a BPMN file."))
            raise Refused([message(lang, problem, name=name[:200], max=BPMN_MAX // 1_048_576)])
        return services.import_bpmn(ctx, viewer.actor, code[:64], data)

    return submit(
        request, load, csrf_token=csrf_token, wording=CASES,
        done=lambda made: redirect(
            f"/admin/services/{code}?notice=imported&version={made.version}"),
        again=lambda errors, status: _item_page(request, lang, code[:64], bpmn_errors=errors,
                                                status=status),
    )


# --- bureau: holiday calendar -----------------------------------------------------------------


def _holidays_page(request: Request, lang: str, *, year: int | None = None,
                   form: dict[str, str] | None = None, errors: list[FormError] | None = None,
                   notice: str | None = None, status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.SERVICE_MANAGE)
        shown_year = year or ctx.now().year
        days = services.list_holidays(ctx, viewer.actor, shown_year)
    return render(request, "services/holidays.html", lang, status=status, viewer=viewer, days=days,
                  year=shown_year, form=form or {"day": "", "kind": "holiday", "name": ""},
                  errors=errors or [], notice=notice)


@router.get("/admin/holidays")
@web_page
def holidays_page(request: Request, year: str = "", notice: str = "",
                  day: str = "") -> Response:
    lang = session.language(request)
    wanted = int(year) if year.isdigit() and 1900 < int(year) < 3000 else None
    text = text_for(lang).lookup(form_text.SERVICE_HOLIDAY_NOTICE, notice, day=day[:10])
    return _holidays_page(request, lang, year=wanted, notice=text)


@router.post("/admin/holidays")
@web_page
def holidays_set(request: Request, day: FormStr = "", kind: FormStr = "", name: FormStr = "",
                 csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    form = {"day": day.strip()[:10], "kind": kind, "name": name[:100]}

    def set_day(ctx: Ctx, viewer: Viewer) -> Any:
        return services.set_holiday(ctx, viewer.actor, HolidayIn(
            day=day.strip()[:40], kind=kind, name=name.strip()[:101]))  # type: ignore[arg-type]

    return submit(
        request, set_day, csrf_token=csrf_token, wording=CASES,
        done=lambda made: redirect(
            f"/admin/holidays?year={made.day.year}&notice=set&day={made.day}"),
        again=lambda errors, status: _holidays_page(request, lang, form=form, errors=errors,
                                                    status=status),
    )


@router.post("/admin/holidays/{day}/remove")
@web_page
def holidays_remove(day: str, request: Request, csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    try:
        when = date.fromisoformat(day[:10])
    except ValueError:
        return _holidays_page(request, lang, status=422, errors=[
            message(lang, N_("Not a date: %(value)s"), value=day[:40])])
    return submit(
        request, lambda ctx, viewer: services.remove_holiday(ctx, viewer.actor, when),
        csrf_token=csrf_token,
        done=lambda _: redirect(f"/admin/holidays?year={when.year}&notice=removed&day={when}"),
    )
