"""Use cases of service items: define, import their BPMN process (a new version each time),
read, and keep the bureau's holiday calendar.

Changing anything needs `service.manage` (the data bureau). Reading needs only a known
caller: service items are the public guide (办事指南) of what an applicant must bring.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from sqlalchemy import extract, func, select

from govbridge.agreements.workdays import Calendar, add_working_days
from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.runtime import Ctx
from govbridge.services.bpmn import ProcessDef, load_spec, parse_process
from govbridge.services.bpmn_checks import department_of_lane
from govbridge.services.bpmn_diagram import render_svg
from govbridge.services.bpmn_text import document_text
from govbridge.services.engine import ProcessRun
from govbridge.services.models import Holiday, ServiceItem, ServiceItemVersion
from govbridge.services.schemas import (
    HolidayIn,
    HolidayOut,
    LaneOut,
    Material,
    Outcome,
    ServiceItemIn,
    ServiceItemOut,
    ServiceItemUpdate,
    VersionOut,
)

# ---- helpers ---------------------------------------------------------------------------


def _fen(fee: Decimal) -> int:
    return int((fee * 100).to_integral_value())


def find_item(ctx: Ctx, code: str) -> ServiceItem:
    item = ctx.db.scalar(select(ServiceItem).where(ServiceItem.code == code.strip().upper()))
    if item is None:
        raise NotFound("service item", code)
    return item


def _version_row(ctx: Ctx, item: ServiceItem, version: int | None) -> ServiceItemVersion:
    number = version if version is not None else item.current_version
    row = None if number is None else ctx.db.scalar(
        select(ServiceItemVersion).where(ServiceItemVersion.item_id == item.id,
                                         ServiceItemVersion.version == number))
    if row is None:
        raise NotFound("process version", f"{item.code} v{number}" if number else item.code)
    return row


def _org_codes(ctx: Ctx, ids: list[int]) -> list[str]:
    if not ids:
        return []
    rows = ctx.db.execute(select(Organization.id, Organization.code)
                          .where(Organization.id.in_(ids)))
    codes = {org_id: code for org_id, code in rows}
    return [codes[i] for i in ids if i in codes]


def version_lanes(item: ServiceItem, row: ServiceItemVersion) -> dict[str, str | None]:
    """The lanes of a version's user tasks and the credit code of each one's department
    (mapped by the item, else written in the lane's name; None while unmapped)."""
    lanes = row.lanes if row.lanes is not None else parse_process(row.bpmn_xml).lanes
    return _lane_codes(item, lanes)


def _lane_codes(item: ServiceItem, lanes: list[str]) -> dict[str, str | None]:
    mapped = dict(item.lane_departments or {})
    return {lane: mapped.get(lane) or department_of_lane(lane) for lane in lanes}


def to_out(ctx: Ctx, item: ServiceItem) -> ServiceItemOut:
    current = _version_row(ctx, item, None) if item.current_version else None
    lanes = version_lanes(item, current) if current else {}
    departments = list(dict.fromkeys(
        [c for c in lanes.values() if c] + list(current.departments if current else [])))
    return ServiceItemOut(
        code=item.code,
        name=item.name,
        lead_org_code=item.lead.code,
        lead_org_name=item.lead.name,
        participating_org_codes=_org_codes(ctx, list(item.participating_org_ids or [])),
        materials=[Material.model_validate(m) for m in item.materials or []],
        promised_days=item.promised_days,
        legal_days=item.legal_days,
        fee=Decimal(item.fee_fen) / 100,
        outcome=Outcome.model_validate(item.outcome) if item.outcome else None,
        status=item.status,  # type: ignore[arg-type]
        current_version=item.current_version,
        process_id=current.process_id if current else None,
        departments=departments,
        lanes=[LaneOut(lane=lane, department=org) for lane, org in lanes.items()],
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _version_out(item: ServiceItem, row: ServiceItemVersion, with_xml: bool = False) -> VersionOut:
    return VersionOut(
        code=item.code,
        version=row.version,
        current=row.version == item.current_version,
        process_id=row.process_id,
        process_name=row.process_name,
        sha256=row.sha256,
        departments=list(row.departments),
        created_by=row.created_by,
        created_at=row.created_at,
        bpmn_xml=row.bpmn_xml if with_xml else None,
    )


def _participants(ctx: Ctx, lead: Organization, codes: list[str]) -> list[int]:
    ids: list[int] = []
    for i, code in enumerate(codes):
        org = referenced_organization(ctx, code, f"participating_org_codes.{i}")
        if org.id != lead.id and org.id not in ids:
            ids.append(org.id)
    return ids


def _materials(ctx: Ctx, materials: list[Material]) -> list[dict[str, Any]]:
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, m in enumerate(materials):
        if m.key in seen:
            problems.append(FieldProblem(f"materials.{i}.key", "appears twice", m.key,
                                         "duplicate"))
        seen.add(m.key)
        if m.resource_code:
            ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == m.resource_code))
            if ds is None:
                problems.append(FieldProblem(f"materials.{i}.resource_code",
                                             "no dataset in the catalog has this code",
                                             m.resource_code, "unknown"))
            elif m.kind == "certificate" and not ds.certificate_type:
                problems.append(FieldProblem(f"materials.{i}.resource_code",
                                             "this dataset is not a certificate type",
                                             m.resource_code, "not_certificate"))
    if problems:
        raise InvalidInput(problems)
    return [m.model_dump() for m in materials]


def _outcome(ctx: Ctx, item: ServiceItem, outcome: Outcome | None,
             definition: ProcessDef | None = None) -> dict[str, Any] | None:
    """Check the certificate the process issues: a certificate-type dataset of one of the
    item's departments, and (once a process exists) a service task to issue it."""
    if outcome is None:
        return None
    if outcome.certificate_type:
        ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code
                                                 == outcome.certificate_type))
        if ds is None or not ds.certificate_type:
            raise InvalidInput.one("outcome.certificate_type",
                                   "no certificate-type dataset has this code",
                                   outcome.certificate_type, "unknown")
        if ds.provider_id not in {item.lead_org_id, *(item.participating_org_ids or [])}:
            raise InvalidInput.one("outcome.certificate_type",
                                   "the dataset's provider is not a department of the item",
                                   outcome.certificate_type, "not_participating")
    if outcome.task:
        if definition is None and item.current_version is not None:
            definition = parse_process(_version_row(ctx, item, None).bpmn_xml)
        if definition is not None:
            _check_outcome_task(definition, outcome.task, "outcome.task")
    return outcome.model_dump()


def _check_outcome_task(definition: ProcessDef, task: str, field: str) -> None:
    services = {t.id for t in definition.tasks if t.kind == "serviceTask"}
    if task not in services:
        raise InvalidInput.one(field, "the process has no service task with this id "
                               f"(service tasks: {', '.join(sorted(services)) or 'none'})",
                               task, "unknown_task")


def _check_days(promised: int, legal: int) -> None:
    if promised > legal:
        raise InvalidInput.one("promised_days", f"must not exceed the legal time limit ({legal})",
                               promised, "too_long")


# ---- service items ---------------------------------------------------------------------


def create_service_item(ctx: Ctx, actor: Actor, data: ServiceItemIn) -> ServiceItemOut:
    require(actor, Permission.SERVICE_MANAGE)
    code = data.code.upper()
    if ctx.db.scalar(select(ServiceItem.id).where(ServiceItem.code == code)) is not None:
        raise Conflict(f"service item {code} already exists", "code", code)
    _check_days(data.promised_days, data.legal_days)
    lead = referenced_organization(ctx, data.lead_org_code, "lead_org_code")
    item = ServiceItem(
        code=code,
        name=data.name.strip(),
        lead_org_id=lead.id,
        participating_org_ids=_participants(ctx, lead, data.participating_org_codes),
        materials=_materials(ctx, data.materials),
        promised_days=data.promised_days,
        legal_days=data.legal_days,
        fee_fen=_fen(data.fee),
        status="draft",
        current_version=None,
        created_by=actor.label,
        created_at=ctx.now(),
        updated_at=ctx.now(),
    )
    item.lead = lead
    item.outcome = _outcome(ctx, item, data.outcome)
    ctx.db.add(item)
    ctx.db.flush()
    record(ctx, actor, "service.create", "service_item", code, {"name": item.name})
    return to_out(ctx, item)


def update_service_item(ctx: Ctx, actor: Actor, code: str,
                        data: ServiceItemUpdate) -> ServiceItemOut:
    require(actor, Permission.SERVICE_MANAGE)
    item = find_item(ctx, code)
    changed = data.model_dump(exclude_unset=True, exclude_none=True)
    if data.name is not None:
        item.name = data.name.strip()
    if data.lead_org_code is not None:
        item.lead = referenced_organization(ctx, data.lead_org_code, "lead_org_code")
        item.lead_org_id = item.lead.id
        item.participating_org_ids = [i for i in item.participating_org_ids
                                      if i != item.lead_org_id]
    if data.participating_org_codes is not None:
        item.participating_org_ids = _participants(ctx, item.lead, data.participating_org_codes)
    if data.materials is not None:
        item.materials = _materials(ctx, data.materials)
    promised = data.promised_days if data.promised_days is not None else item.promised_days
    legal = data.legal_days if data.legal_days is not None else item.legal_days
    _check_days(promised, legal)
    item.promised_days, item.legal_days = promised, legal
    if data.fee is not None:
        item.fee_fen = _fen(data.fee)
    if data.outcome is not None:
        item.outcome = _outcome(ctx, item, data.outcome)
    if data.status is not None:
        if data.status == "published" and item.current_version is None:
            raise Conflict("import the item's BPMN process before publishing it", "status",
                           data.status)
        if data.status == "published":
            _check_runnable(ctx, item, parse_process(_version_row(ctx, item, None).bpmn_xml))
        item.status = data.status
    if item.current_version is not None and (data.lead_org_code or data.participating_org_codes
                                             is not None):
        _check_departments(ctx, item, list(_version_row(ctx, item, None).departments))
    item.updated_at = ctx.now()
    record(ctx, actor, "service.update", "service_item", item.code,
           {"fields": sorted(changed)})
    return to_out(ctx, item)


def get_service_item(ctx: Ctx, actor: Actor, code: str) -> ServiceItemOut:
    return to_out(ctx, find_item(ctx, code))


def list_service_items(ctx: Ctx, actor: Actor, status: str | None = None,
                       org_code: str | None = None) -> list[ServiceItemOut]:
    query = select(ServiceItem).order_by(ServiceItem.code)
    if status:
        query = query.where(ServiceItem.status == status)
    items = list(ctx.db.scalars(query))
    if org_code:
        org = referenced_organization(ctx, org_code, "org_code")
        items = [i for i in items
                 if i.lead_org_id == org.id or org.id in (i.participating_org_ids or [])]
    return [to_out(ctx, i) for i in items]


# ---- process versions ------------------------------------------------------------------


def _check_departments(ctx: Ctx, item: ServiceItem, departments: list[str]) -> None:
    """Every department of the process must be the item's lead or a participant."""
    allowed = {item.lead_org_id, *(item.participating_org_ids or [])}
    allowed_codes = set(_org_codes(ctx, list(allowed)))
    stray = [d for d in departments if d not in allowed_codes]
    if stray:
        raise InvalidInput([
            FieldProblem("bpmn", "a lane names a department that is neither the lead nor a "
                         "participating department of the item", d, "not_participating")
            for d in stray
        ])


def _check_runnable(ctx: Ctx, item: ServiceItem, definition: ProcessDef) -> None:
    """What blocks publishing: the process's blockers, lanes without a department, and
    departments that are not the item's."""
    problems: list[FieldProblem] = list(definition.blockers)
    unmapped = [lane for lane, code in _lane_codes(item, definition.lanes).items() if not code]
    problems += [FieldProblem("lanes", "the lane is mapped to no department; map it with "
                              "`govbridge service map-lanes` (or its name holds the "
                              "department's credit code)", lane, "unmapped_lane")
                 for lane in unmapped]
    if problems:
        raise Conflict("the process cannot run as it is: "
                       + "; ".join(f"{p.reason}" + (f" ({p.value})" if p.value else "")
                                   for p in problems), "status", "published",
                       problems=problems)
    _check_departments(ctx, item, [c for c in _lane_codes(item, definition.lanes).values()
                                   if c])


def import_bpmn(ctx: Ctx, actor: Actor, code: str, xml: str | bytes,
                filename: str | None = None) -> VersionOut:
    """Check a BPMN document and make it the item's next process version.

    Bytes are read in the encoding their mark or declaration names (`bpmn_text`); bytes
    that are not text are invalid input naming `filename`. Importing the very document
    of the current version again changes nothing.
    """
    require(actor, Permission.SERVICE_MANAGE)
    item = find_item(ctx, code)
    text = document_text(xml, filename) if isinstance(xml, bytes) else xml
    definition = parse_process(text)
    _check_departments(ctx, item, definition.departments)
    if item.status == "published":
        _check_runnable(ctx, item, definition)  # cases start on the current version
    if item.outcome and item.outcome.get("task"):
        _check_outcome_task(definition, item.outcome["task"], "bpmn")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if item.current_version is not None:
        current = _version_row(ctx, item, None)
        if current.sha256 == digest:
            return _version_out(item, current)
    last = ctx.db.scalar(select(func.max(ServiceItemVersion.version))
                         .where(ServiceItemVersion.item_id == item.id)) or 0
    row = ServiceItemVersion(
        item_id=item.id,
        version=last + 1,
        process_id=definition.process_id,
        process_name=definition.name,
        bpmn_xml=text,
        sha256=digest,
        departments=definition.departments,
        lanes=definition.lanes,
        created_by=actor.label,
        created_at=ctx.now(),
    )
    ctx.db.add(row)
    item.current_version = row.version
    item.updated_at = ctx.now()
    ctx.db.flush()
    record(ctx, actor, "service.import_bpmn", "service_item", item.code,
           {"version": row.version, "process_id": row.process_id, "sha256": digest})
    return _version_out(item, row)


def map_lanes(ctx: Ctx, actor: Actor, code: str, mapping: dict[str, str | None],
              ) -> dict[str, str | None]:
    """Map lanes (or pools) of the item's process to departments by credit code (None
    removes a mapping); returns every lane of the current process and its department.

    A lane need not be in the current version yet: a lane of the next one can be mapped
    before it is imported. Runs started earlier keep the departments they started with."""
    require(actor, Permission.SERVICE_MANAGE)
    item = find_item(ctx, code)
    current = dict(item.lane_departments or {})
    problems: list[FieldProblem] = []
    for lane, org_code in mapping.items():
        name = lane.strip()
        if not name or len(name) > 200:
            problems.append(FieldProblem("lanes", "a lane name has 1 to 200 characters",
                                         lane[:200], "invalid"))
            continue
        if org_code is None or not org_code.strip():
            current.pop(name, None)
            continue
        org = referenced_organization(ctx, org_code, f"lanes.{name}")
        current[name] = org.code
    if problems:
        raise InvalidInput(problems)
    allowed = set(_org_codes(ctx, [item.lead_org_id, *(item.participating_org_ids or [])]))
    stray = sorted({c for c in current.values() if c not in allowed})
    if stray:
        raise InvalidInput([FieldProblem("lanes", "the department is neither the lead nor a "
                                         "participating department of the item", c,
                                         "not_participating") for c in stray])
    item.lane_departments = current
    item.updated_at = ctx.now()
    record(ctx, actor, "service.map_lanes", "service_item", item.code,
           {"lanes": dict(sorted(current.items()))})
    if item.current_version is None:
        return dict(current)
    return version_lanes(item, _version_row(ctx, item, None))


def list_versions(ctx: Ctx, actor: Actor, code: str) -> list[VersionOut]:
    item = find_item(ctx, code)
    rows = ctx.db.scalars(select(ServiceItemVersion)
                          .where(ServiceItemVersion.item_id == item.id)
                          .order_by(ServiceItemVersion.version))
    return [_version_out(item, r) for r in rows]


def get_version(ctx: Ctx, actor: Actor, code: str, version: int | None = None) -> VersionOut:
    """One version with its BPMN XML (the current one when `version` is None)."""
    item = find_item(ctx, code)
    return _version_out(item, _version_row(ctx, item, version), with_xml=True)


def process_diagram(ctx: Ctx, actor: Actor, code: str, version: int | None = None,
                    marks: dict[str, str] | None = None) -> str:
    """A version's process (the current one when `version` is None) drawn as SVG from its
    own diagram, its steps marked by `marks` (bpmn id -> done | current | waiting)."""
    return render_svg(get_version(ctx, actor, code, version).bpmn_xml or "", marks)


def start_process(ctx: Ctx, code: str, version: int | None = None) -> tuple[int, ProcessRun]:
    """A new run of the item's process (current version by default) and its version number.

    For the case use cases to call; they check their own permission first.
    """
    item = find_item(ctx, code)
    row = _version_row(ctx, item, version)
    lanes = {lane: code for lane, code in (item.lane_departments or {}).items() if code}
    return row.version, ProcessRun.start_loaded(loaded_spec(row.id, row.bpmn_xml, lanes))


# Parsed process specs, so that accepting a case does not parse and check its version's BPMN
# again (~17-40 ms for the 企业开办 process on a busy 2-vCPU machine; starting a run from a
# parsed spec takes ~2 ms). Keyed by the version's row id, the SHA-256 of its XML and the
# lane mapping, so a new version, changed XML or a new mapping is a new key and is parsed;
# bounded, least recently used forgotten first. A spec is only read by the runs it starts.
SPEC_CACHE_LIMIT = 64
_specs: OrderedDict[tuple[int, str, tuple[tuple[str, str], ...]], Any] = OrderedDict()
_specs_lock = threading.Lock()


def loaded_spec(version_id: int, xml: str,
                lane_map: dict[str, str]) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """The engine's spec of a stored version (`load_spec`), parsed once per content."""
    key = (version_id, hashlib.sha256(xml.encode()).hexdigest(),
           tuple(sorted(lane_map.items())))
    with _specs_lock:
        found = _specs.get(key)
        if found is not None:
            _specs.move_to_end(key)
            return found  # type: ignore[no-any-return]
    loaded = load_spec(xml, lane_map)
    with _specs_lock:
        _specs[key] = loaded
        while len(_specs) > SPEC_CACHE_LIMIT:
            _specs.popitem(last=False)
    return loaded


# ---- holiday calendar ------------------------------------------------------------------


def _holiday_out(h: Holiday) -> HolidayOut:
    return HolidayOut(day=h.day, kind=h.kind, name=h.name,  # type: ignore[arg-type]
                      created_by=h.created_by)


def set_holiday(ctx: Ctx, actor: Actor, data: HolidayIn) -> HolidayOut:
    """Mark a day as a holiday or a make-up working day (replaces what the day was)."""
    require(actor, Permission.SERVICE_MANAGE)
    row = ctx.db.scalar(select(Holiday).where(Holiday.day == data.day))
    if row is None:
        row = Holiday(day=data.day, created_at=ctx.now())
        ctx.db.add(row)
    row.kind, row.name, row.created_by = data.kind, data.name.strip(), actor.label
    ctx.db.flush()
    record(ctx, actor, "service.holiday_set", "holiday", data.day.isoformat(),
           {"kind": data.kind, "name": row.name})
    return _holiday_out(row)


def remove_holiday(ctx: Ctx, actor: Actor, day: date) -> None:
    require(actor, Permission.SERVICE_MANAGE)
    row = ctx.db.scalar(select(Holiday).where(Holiday.day == day))
    if row is None:
        raise NotFound("calendar day", day.isoformat())
    ctx.db.delete(row)
    record(ctx, actor, "service.holiday_remove", "holiday", day.isoformat())


def list_holidays(ctx: Ctx, actor: Actor, year: int | None = None) -> list[HolidayOut]:
    query = select(Holiday).order_by(Holiday.day)
    if year is not None:
        query = query.where(extract("year", Holiday.day) == year)
    return [_holiday_out(h) for h in ctx.db.scalars(query)]


def calendar(ctx: Ctx) -> Calendar:
    """The bureau's calendar, on top of the days given in the settings."""
    holidays = set(ctx.settings.holidays)
    workdays = set(ctx.settings.makeup_workdays)
    for day, kind in ctx.db.execute(select(Holiday.day, Holiday.kind)):
        (holidays if kind == "holiday" else workdays).add(day)
        (workdays if kind == "holiday" else holidays).discard(day)
    return Calendar.of(holidays, workdays)


def promised_due(ctx: Ctx, code: str, accepted_on: date) -> date:
    """The day a case accepted on `accepted_on` is due within the promised time limit."""
    item = find_item(ctx, code)
    return add_working_days(accepted_on, item.promised_days, calendar(ctx))
