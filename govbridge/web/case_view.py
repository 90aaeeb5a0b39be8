"""Shared presentation of the one-stop service pages (办事、办件): the wording of form errors
(the field and value), department names, and how a case's materials and steps are shown.

Nothing here decides anything: statuses, steps and permissions come from the case and
service use cases, where a case stands from the case rules (`CaseStage`: templates ask it,
never compare a state); this module only turns them into labelled rows for the templates.

Processes are drawn by `services.process_diagram` and `cases.diagram.case_diagram` and
served as their own SVG documents (`api.headers.diagram_response`), shown with `<img>`:
the pages' CSP allows no inline style, the SVG styles its marks inside, and an image never
runs a script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govbridge.cases import rules
from govbridge.cases.rules import awaits_acceptance
from govbridge.cases.schemas import CaseDetail, MaterialOut
from govbridge.core.errors import DomainError
from govbridge.identity.organizations import org_by_code
from govbridge.runtime import Ctx
from govbridge.web import form_text
from govbridge.web.forms import FormError, Wording, message
from govbridge.web.translations import N_, Labels, Msg, text_for

_ITEM = re.compile(r"^(\w+)\.(\d+)(?:\.(\w+))?")
# Kinds of material a department holds and the front desk requests by sharing.
SHARED_KINDS = ("certificate", "dataset")


def _case_name(lang: str, fields: Labels, field: str) -> tuple[str, str | None]:
    """A material's row (`materials.2.name`) by its number, a form value by its path."""
    base, sub = field, ""
    row = _ITEM.match(field)
    if row:
        base, sub = row.group(1), row.group(3) or ""
    text = text_for(lang)
    known = fields.get(base)
    label = text(known) if known else (field or None)
    if field.startswith("form."):  # a value of the application form, e.g. its name
        label = text.gettext("Application form %(path)s", path=field.removeprefix("form."))
    if row and label:
        label = text.gettext("%(label)s row %(n)s", label=label, n=int(row.group(2)) + 1)
        if sub:
            sub_label = text.label(fields, sub)
            label = f"{label} · {sub_label}"
    return base, label


def _case_refusal(lang: str, exc: DomainError) -> tuple[list[FormError], int]:
    return [message(lang, N_("Not done: %(detail)s"), detail=exc.detail)], exc.status


# The one-stop pages' errors: the field (row number for a material) and the value sent.
CASES = Wording(form_text.CASE_FIELD, form_text.CASE_PROBLEM, name=_case_name,
                shows_value=lambda p: p.code not in ("conflict", "unmapped_lane"),
                refusal=_case_refusal)


def org_names(ctx: Ctx, codes: list[str | None], lang: str) -> dict[str, str]:
    """Department names by credit code (the code itself for an unknown one)."""
    out: dict[str, str] = {}
    for code in codes:
        if code and code not in out:
            org = org_by_code(ctx, code)
            name = (org.name_en if lang == "en" and org and org.name_en else
                    org.name if org else code)
            out[code] = name
    return out


@dataclass(frozen=True)
class CaseStage:
    """Where a case stands, as the case rules say it: what its pages ask."""

    awaits_acceptance: bool  # a new application, for the front desk
    awaits_materials: bool  # accepted, waiting for the applicant's materials
    accepted: bool  # the front desk accepted it
    final: bool  # over: nothing changes it

    @classmethod
    def of(cls, state: str) -> CaseStage:
        return cls(rules.awaits_acceptance(state), rules.awaits_materials(state),
                   rules.was_accepted(state), rules.is_final(state))


@dataclass(frozen=True)
class MaterialRow:
    material: MaterialOut
    status: str  # fetched_shared | uploaded | form | missing | rejected | fetched
    uploadable: bool  # the applicant may upload it now
    has_file: bool = False  # an uploaded file to open
    note: Msg | None = None  # the label of a known detail; else the detail is shown as is
    shared_on_acceptance: bool = False  # the front desk fetches it by sharing on acceptance


# The use cases' fixed details of a material, as labels (anything else — a file name, an
# approver's opinion — is shown as written).
NOTES = {
    "arrived by sharing": N_("Provided by the department holding it, by sharing"),
    "no record shared for the applicant": N_(
        "The holding department has no record of the applicant"),
    "the applicant supplies it": N_("Supplied by the applicant"),
    "awaiting acceptance": N_("Fetched by sharing at acceptance"),
    "not shared: the applicant supplies it": N_("Not shared: supplied by the applicant"),
    "certificate revoked": N_("Certificate revoked"),
    "certificate expired": N_("Certificate expired"),
}


def note_of(m: MaterialOut) -> Msg | None:
    detail = m.detail or ""
    if detail.startswith("no agreement ("):
        return N_("No sharing agreement yet: supplied by the applicant")
    return NOTES.get(detail)


def material_status(m: MaterialOut) -> str:
    """The label key of a material's status: 'fetched by sharing' only when the exchange
    delivered it; a form material filled in the application shows as 'filled in'."""
    if m.status == "fetched" and (m.source or "").startswith("exchange:"):
        return "fetched_shared"
    if m.status == "uploaded" and m.source == "form":
        return "form"
    if m.status == "missing" and not m.required:
        return "optional_missing"
    return m.status


def material_rows(detail: CaseDetail) -> list[MaterialRow]:
    """The case's materials; missing or rejected ones are uploadable, except a shared
    material before acceptance (the front desk requests it by sharing first)."""
    rows = []
    for m in detail.materials:
        waiting_for_sharing = awaits_acceptance(detail.state) and m.kind in SHARED_KINDS
        open_case = not rules.is_final(detail.state)
        rows.append(MaterialRow(m, material_status(m),
                                open_case and m.status in ("missing", "rejected")
                                and not waiting_for_sharing,
                                (m.source or "").startswith("upload:"), note_of(m),
                                waiting_for_sharing and m.status == "missing"))
    return rows


def certificates_of(detail: CaseDetail) -> list[object]:
    """The certificates the process issued for the case (a newer `CaseDetail` carries them)."""
    return list(getattr(detail, "certificates", None) or [])


