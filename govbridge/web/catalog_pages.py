"""The catalog's pages: search with facets, a dataset, the publish wizard, file upload, review.

Each handler parses its form, calls the catalog (and standards, quality, ingest)
use cases in one `Runtime.context()` and renders a template, on the frame every
page shares (`web/frame.py`: a form POST through `submit`). What a page offers (a
submit button, an upload form) is a convenience computed from the same rule
functions the use cases apply; the use cases still check on every request.

Resource codes contain a slash (`301001001/000001`), so the dataset routes take
a `{resource_code:path}` parameter. They are declared after the fixed
`/catalog/new` and `/catalog/review` routes, and the catch-all dataset page
(`GET /catalog/{resource_code:path}`) comes last, after `…/edit`, `…/submit`
and `…/upload`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import zip_longest
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from govbridge.api.deps import runtime
from govbridge.catalog import search as catalog_search
from govbridge.catalog import usecases
from govbridge.catalog.schemas import (
    COMMENT_MAX,
    DatasetIn,
    DatasetOut,
    Format,
    Frequency,
    ShareMethod,
    ShareType,
    SubjectType,
)
from govbridge.core.errors import Conflict, InvalidInput, PermissionDenied
from govbridge.core.grading import GRADES
from govbridge.core.permissions import Permission, allows
from govbridge.identity.access import require
from govbridge.quality import usecases as quality
from govbridge.runtime import Ctx
from govbridge.standards.usecases import list_elements
from govbridge.web import form_text, forms, labels, session
from govbridge.web.forms import FormError, Problem, Wording
from govbridge.web.frame import Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import Labels, text_for

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
PAGE_SIZE = 20
WIZARD_ROWS = 5
MAX_WIZARD_ROWS = 60
EDIT_SPARE_ROWS = 3
# The choices of the wizard's selects, taken from the use case's typed input.
CHOICES = {
    "format": get_args(Format),
    "share_type": get_args(ShareType),
    "share_method": get_args(ShareMethod),
    "update_frequency": get_args(Frequency),
    "subject_type": get_args(SubjectType),
}
# How a facet's values are labelled: by their labels, or None for the provider's name.
FACET_LABELS: dict[str, Labels | None] = {
    "provider": None,
    "share_type": labels.SHARE_TYPE,
    "grade": labels.GRADE,
    "format": labels.FORMAT,
    "subject_type": labels.SUBJECT_TYPE,
}
_FIELD_ROW = re.compile(r"^fields(?:\[(\d+)\]|\.(\d+))(?:\.(.+))?$")
_SPLIT = re.compile(r"[,，、;；\s]+")


# --- errors of catalog forms ------------------------------------------------------------------


def wording(rows: list[int] | None = None) -> Wording:
    """The catalog's form errors: the field (and the wizard row) and the value at fault.

    `fields[2].grade` (use case) and `fields.2.grade` (pydantic) both become
    "field 3 · grade"; `rows` maps a submitted field's index to its row in the form.
    """

    def name(lang: str, fields: Labels, field: str) -> tuple[str, str | None]:
        key, row = field, None
        match = _FIELD_ROW.match(field)
        if match:
            index = int(match.group(1) or match.group(2))
            row = rows[index] if rows and index < len(rows) else index + 1
            key = f"fields.{match.group(3)}" if match.group(3) else "fields"
        known = fields.get(key)
        label = text_for(lang)(known) if known else None
        if row is not None:
            label = text_for(lang).gettext("Field %(row)s · %(label)s", row=row, label=label or key)
        elif label is None:
            label = field or None
        return key, label

    return Wording(form_text.CATALOG_FIELD, form_text.CATALOG_PROBLEM, name=name,
                   shows_value=lambda p: True)


def describe(lang: str, problems: list[Problem], rows: list[int] | None = None) -> list[FormError]:
    """Form errors of the catalog's forms (`forms.describe` in the catalog's wording)."""
    return forms.describe(lang, problems, wording(rows))


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    url: str
    selected: bool


def _url(path: str, params: dict[str, str]) -> str:
    kept = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def _value_label(lang: str, facet: str, value: str, names: dict[str, str]) -> str:
    value_labels = FACET_LABELS[facet]
    if value_labels is None:
        return names.get(value, value)
    return text_for(lang).label(value_labels, value)


@router.get("/catalog")
@web_page
def catalog_search_page(
    request: Request,
    q: str = "",
    provider: str = "",
    share_type: str = "",
    grade: str = "",
    format: str = "",
    subject_type: str = "",
    offset: int = 0,
) -> Response:
    lang = session.language(request)
    q = q.strip()[:200]
    filters = {
        "provider": provider,
        "share_type": share_type,
        "grade": grade,
        "format": format,
        "subject_type": subject_type,
    }
    offset = max(0, offset)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        result = catalog_search.search(
            ctx, viewer.actor, q, filters=filters, limit=PAGE_SIZE, offset=offset
        )
    names = result.provider_names
    here = {"q": q, **filters}
    facets = []
    for facet in catalog_search.FACETS:
        values = []
        for value, count in result.facets.get(facet, {}).items():
            chosen = filters[facet] == value
            url = _url("/catalog", {**here, facet: "" if chosen else value})
            values.append(
                FacetValue(value, _value_label(lang, facet, value, names), count, url, chosen)
            )
        facets.append((facet, values))
    active = [
        (facet, _value_label(lang, facet, value, names), _url("/catalog", {**here, facet: ""}))
        for facet, value in filters.items()
        if value
    ]
    back = max(0, offset - PAGE_SIZE)
    prev_url = _url("/catalog", {**here, "offset": str(back) if back else ""}) if offset else None
    next_url = (
        _url("/catalog", {**here, "offset": str(offset + PAGE_SIZE)})
        if offset + PAGE_SIZE < result.total
        else None
    )
    return render(
        request,
        "catalog/search.html",
        lang,
        viewer=viewer,
        q=q,
        filters=filters,
        result=result,
        facets=facets,
        active=active,
        offset=offset,
        prev_url=prev_url,
        next_url=next_url,
    )


# --- publish wizard (create a draft) and editing a draft --------------------------------------


class WizardForm(BaseModel):
    """The wizard's form as posted: metadata, then one list per column of the fields table."""

    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""
    name: str = ""
    name_en: str = ""
    abstract: str = ""
    classification: str = ""
    format: str = ""
    share_type: str = ""
    share_condition: str = ""
    legal_basis: str = ""
    share_method: str = ""
    open_to_public: str = ""
    update_frequency: str = ""
    subject_type: str = ""
    subject_field: str = ""
    key_field: str = ""
    keywords: str = ""
    field_name: list[str] = []
    field_title: list[str] = []
    field_element: list[str] = []
    field_grade: list[str] = []
    field_required: list[str] = []


def _blank_row() -> dict[str, Any]:
    return {"name": "", "title": "", "element": "", "grade": "", "required": False}


def _blank_form(rows: int) -> dict[str, Any]:
    return {
        "name": "",
        "name_en": "",
        "abstract": "",
        "classification": "301001001",
        "format": "database",
        "share_type": "unconditional",
        "share_condition": "",
        "legal_basis": "",
        "share_method": "api",
        "open_to_public": False,
        "update_frequency": "daily",
        "subject_type": "person",
        "subject_field": "",
        "key_field": "",
        "keywords": "",
        "fields": [_blank_row() for _ in range(rows)],
    }


def _form_of(ds: DatasetOut) -> dict[str, Any]:
    """The wizard's form filled with a dataset's shown version, plus a few blank rows."""
    rows = [
        {
            "name": f.name,
            "title": f.title,
            "element": f.element,
            "grade": f.grade,
            "required": f.required,
        }
        for f in ds.fields
    ]
    return {
        "name": ds.name,
        "name_en": ds.name_en or "",
        "abstract": ds.abstract,
        "classification": ds.resource_code.split("/")[0],
        "format": ds.format,
        "share_type": ds.share_type,
        "share_condition": ds.share_condition or "",
        "legal_basis": ds.legal_basis or "",
        "share_method": ds.share_method,
        "open_to_public": ds.open_to_public,
        "update_frequency": ds.update_frequency,
        "subject_type": ds.subject_type,
        "subject_field": ds.subject_field or "",
        "key_field": ds.key_field or "",
        "keywords": " ".join(ds.keywords),
        "fields": rows + [_blank_row() for _ in range(EDIT_SPARE_ROWS)],
    }


def _optional(value: str) -> str | None:
    return value.strip() or None


def _parse(posted: WizardForm) -> tuple[dict[str, Any], list[int]]:
    """The form to show again, and the rows that hold a field (blank rows are no fields)."""
    columns = zip_longest(
        posted.field_name,
        posted.field_title,
        posted.field_element,
        posted.field_grade,
        fillvalue="",
    )
    required = {r.strip() for r in posted.field_required}
    rows = [
        {
            "name": n.strip(),
            "title": ti.strip(),
            "element": e.strip(),
            "grade": g.strip(),
            "required": str(i) in required,
        }
        for i, (n, ti, e, g) in enumerate(list(columns)[:MAX_WIZARD_ROWS])
    ]
    used = [i for i, r in enumerate(rows) if r["name"] or r["title"] or r["element"]]
    form = {
        "name": posted.name.strip(),
        "name_en": posted.name_en.strip(),
        "abstract": posted.abstract.strip(),
        "classification": posted.classification.strip() or "301001001",
        "format": posted.format,
        "share_type": posted.share_type,
        "share_condition": posted.share_condition.strip(),
        "legal_basis": posted.legal_basis.strip(),
        "share_method": posted.share_method,
        "open_to_public": bool(posted.open_to_public),
        "update_frequency": posted.update_frequency,
        "subject_type": posted.subject_type,
        "subject_field": posted.subject_field.strip(),
        "key_field": posted.key_field.strip(),
        "keywords": posted.keywords.strip(),
        "fields": rows or _blank_form(WIZARD_ROWS)["fields"],
    }
    return form, used


def _dataset_in(form: dict[str, Any], used: list[int]) -> DatasetIn:
    """The use case's typed input (raises pydantic's ValidationError, shown as form errors)."""
    rows = form["fields"]
    return DatasetIn(
        name=form["name"],
        name_en=_optional(form["name_en"]),
        abstract=form["abstract"],
        classification=form["classification"],
        format=form["format"] or "database",
        share_type=form["share_type"],
        share_condition=_optional(form["share_condition"]),
        legal_basis=_optional(form["legal_basis"]),
        share_method=form["share_method"] or "api",
        open_to_public=form["open_to_public"],
        update_frequency=form["update_frequency"] or "daily",
        subject_type=form["subject_type"] or "person",
        subject_field=_optional(form["subject_field"]),
        key_field=_optional(form["key_field"]),
        keywords=[k for k in _SPLIT.split(form["keywords"]) if k][:30],
        fields=[
            {
                "name": rows[i]["name"],
                "title": rows[i]["title"],
                "element": rows[i]["element"],
                "grade": rows[i]["grade"] or None,
                "required": rows[i]["required"],
            }
            for i in used
        ],
    )


def _wizard_page(
    request: Request,
    lang: str,
    *,
    form: dict[str, Any] | None = None,
    errors: list[FormError] | None = None,
    rows: int = WIZARD_ROWS,
    editing: str | None = None,
    status: int = 200,
) -> Response:
    """The wizard: a new draft, or (`editing` = its resource code) a draft being edited."""
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        if editing is None:
            # The form is for those who may register their organization's datasets.
            actor = viewer.actor
            require(actor, Permission.DATASET_MANAGE, organization_id=actor.organization_id)
        elif form is None:
            form = _form_of(usecases.get_dataset(ctx, viewer.actor, editing))
        elements = list_elements(ctx, viewer.actor)
    shown = form or _blank_form(rows)
    return render(
        request,
        "catalog/new.html",
        lang,
        status=status,
        viewer=viewer,
        form=shown,
        errors=errors or [],
        elements=elements,
        grades=GRADES,
        choices=CHOICES,
        editing=editing,
        action=f"/catalog/{editing}/edit" if editing else "/catalog/new",
        more_rows=min(MAX_WIZARD_ROWS, len(shown["fields"]) + WIZARD_ROWS),
        org_name=viewer.org_name(lang),
    )


@router.get("/catalog/new")
@web_page
def catalog_new_form(request: Request, rows: int = WIZARD_ROWS) -> Response:
    return _wizard_page(request, session.language(request), rows=max(1, min(rows, MAX_WIZARD_ROWS)))


@router.post("/catalog/new")
@web_page
def catalog_new_submit(request: Request, posted: Annotated[WizardForm, Form()]) -> Response:
    lang = session.language(request)
    form, used = _parse(posted)
    return submit(
        request,
        lambda ctx, viewer: usecases.create_dataset(ctx, viewer.actor, _dataset_in(form, used)),
        csrf_token=posted.csrf_token, wording=wording([i + 1 for i in used]),
        done=lambda created: redirect(f"/catalog/{created.resource_code}?notice=created"),
        again=lambda errors, status: _wizard_page(request, lang, form=form, errors=errors,
                                                  status=status),
    )


# --- review queue -----------------------------------------------------------------------------


def _review_page(
    request: Request,
    lang: str,
    *,
    errors: list[FormError] | None = None,
    failed: str | None = None,
    comment: str = "",
    notice: str | None = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        queue = usecases.review_queue(ctx, viewer.actor)
    rows = [(d, next((v for v in d.versions if v.version == d.version), None)) for d in queue]
    return render(
        request,
        "catalog/review.html",
        lang,
        status=status,
        viewer=viewer,
        rows=rows,
        errors=errors or [],
        failed=failed,
        comment=comment,
        comment_max=COMMENT_MAX,
        notice=notice,
    )


@router.get("/catalog/review")
@web_page
def catalog_review_page(request: Request, done: str = "", code: str = "") -> Response:
    lang = session.language(request)
    notice = None
    if code:
        notice = text_for(lang).lookup(form_text.CATALOG_REVIEW_DONE, done, code=code[:40])
    return _review_page(request, lang, notice=notice)


@router.post("/catalog/review")
@web_page
def catalog_review_submit(
    request: Request,
    resource_code: FormStr = "",
    decision: FormStr = "",
    comment: FormStr = "",
    csrf_token: FormStr = "",
) -> Response:
    lang = session.language(request)
    approve = decision == "approve"
    done = "approved" if approve else "returned"
    return submit(
        request,
        lambda ctx, viewer: usecases.review(ctx, viewer.actor, resource_code, approve=approve,
                                            comment=comment or None),
        csrf_token=csrf_token, catch=(InvalidInput, Conflict), wording=wording(),
        done=lambda reviewed: redirect(
            f"/catalog/review?{urlencode({'done': done, 'code': reviewed.resource_code})}"),
        again=lambda errors, status: _review_page(request, lang, errors=errors,
                                                  failed=resource_code, comment=comment,
                                                  status=status),
    )


# --- one dataset ------------------------------------------------------------------------------


def _chart(ctx: Ctx, viewer: Viewer, dataset: DatasetOut, lang: str) -> str | None:
    """The quality history chart, for a viewer who may read quality; else nothing."""
    if dataset.published_version is None or Permission.QUALITY_READ not in viewer.actor.permissions:
        return None
    try:
        return quality.history_chart_svg(
            ctx, viewer.actor, dataset.resource_code, lang="en" if lang == "en" else "zh"
        )
    except PermissionDenied:
        return None


def _dataset_page(
    request: Request,
    lang: str,
    resource_code: str,
    *,
    version: int | None = None,
    errors: list[FormError] | None = None,
    notice: str | None = None,
    report: Any = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        dataset = usecases.get_dataset(ctx, viewer.actor, resource_code, version)
        stored = usecases.find_dataset(ctx, dataset.resource_code)
        manages = usecases.can_manage(viewer.actor, stored)
        may_ingest = dataset.published_version is not None and allows(
            viewer.actor.permissions,
            Permission.DATA_INGEST,
            actor_org_id=viewer.actor.organization_id,
            target_org_id=stored.provider_id,
        )
        latest = usecases.latest_version(stored)
        may_submit = manages and latest.status in usecases.EDITABLE
        chart = _chart(ctx, viewer, dataset, lang)
    formats: tuple[str, ...] = ()
    encodings: tuple[str, ...] = ()
    if may_ingest:
        from govbridge.ingest import files  # written beside this page; imported late

        formats, encodings = files.FORMATS, files.ENCODINGS
    return render(
        request,
        "catalog/dataset.html",
        lang,
        status=status,
        viewer=viewer,
        ds=dataset,
        chart=chart,
        may_submit=may_submit,
        may_ingest=may_ingest,
        may_review=Permission.CATALOG_REVIEW in viewer.actor.permissions
        and latest.status == "submitted",
        latest_version=latest.version,
        ingest_formats=formats,
        ingest_encodings=encodings,
        errors=errors or [],
        notice=notice,
        report=report,
    )


@router.post("/catalog/{resource_code:path}/submit")
@web_page
def catalog_submit(resource_code: str, request: Request, csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    return submit(
        request, lambda ctx, viewer: usecases.submit(ctx, viewer.actor, resource_code),
        csrf_token=csrf_token, catch=(InvalidInput, Conflict), wording=wording(),
        done=lambda made: redirect(f"/catalog/{made.resource_code}?notice=submitted"),
        again=lambda errors, status: _dataset_page(request, lang, resource_code, errors=errors,
                                                   status=status),
    )


@router.post("/catalog/{resource_code:path}/upload")
@web_page
def catalog_upload(
    resource_code: str,
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    fmt: FormStr = "",
    encoding: FormStr = "",
    csrf_token: FormStr = "",
) -> Response:
    from govbridge.ingest.files import ingest_file  # written beside this page; imported late

    lang = session.language(request)

    def upload(ctx: Ctx, viewer: Viewer) -> Any:
        if file is None or not file.filename:
            raise InvalidInput.one("file", "choose a file to upload", None, "required")
        return ingest_file(ctx, viewer.actor, resource_code, file.file, file.filename,
                           fmt=_optional(fmt), encoding=_optional(encoding))

    return submit(
        request, upload, csrf_token=csrf_token, wording=wording(),
        done=lambda report: _dataset_page(request, lang, resource_code, report=report),
        again=lambda errors, status: _dataset_page(request, lang, resource_code, errors=errors,
                                                   status=status),
    )


@router.get("/catalog/{resource_code:path}/edit")
@web_page
def catalog_edit_form(resource_code: str, request: Request) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        # Not visible: 404, as on the dataset page; then update_draft's own gate.
        shown = usecases.get_dataset(ctx, viewer.actor, resource_code)
        stored = usecases.find_dataset(ctx, shown.resource_code)
        require(viewer.actor, Permission.DATASET_MANAGE, organization_id=stored.provider_id)
    return _wizard_page(request, session.language(request), editing=stored.resource_code)


@router.post("/catalog/{resource_code:path}/edit")
@web_page
def catalog_edit_submit(
    resource_code: str, request: Request, posted: Annotated[WizardForm, Form()]
) -> Response:
    lang = session.language(request)
    form, used = _parse(posted)
    return submit(
        request,
        lambda ctx, viewer: usecases.update_draft(ctx, viewer.actor, resource_code,
                                                  _dataset_in(form, used)),
        csrf_token=posted.csrf_token, wording=wording([i + 1 for i in used]),
        done=lambda saved: redirect(f"/catalog/{saved.resource_code}?notice=saved"),
        again=lambda errors, status: _wizard_page(request, lang, form=form, errors=errors,
                                                  editing=resource_code, status=status),
    )


@router.get("/catalog/{resource_code:path}")
@web_page
def catalog_dataset(
    resource_code: str, request: Request, version: int | None = None, notice: str = ""
) -> Response:
    lang = session.language(request)
    shown = text_for(lang).lookup(form_text.CATALOG_NOTICE, notice)
    return _dataset_page(request, lang, resource_code, version=version, notice=shown)
