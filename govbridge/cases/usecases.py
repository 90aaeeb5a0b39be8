"""Use cases of cases (办件): submit, accept at the front desk (certificates fetched by
"request to view" through the exchange, under the case's service item as purpose),
upload what is missing, decide back-office tasks, follow the timeline, and the
scheduler's tick (BPMN timers, the 80 % reminder, the overdue escalation).

Every state change is timestamped in `case_events` and ledgered ("case.state", subjects =
[the applicant]); the process run is saved after every step.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from govbridge.agreements.policy import AgreementDenied
from govbridge.agreements.workdays import add_working_days, working_days_between
from govbridge.audit.record import record
from govbridge.cases import filetypes, issuance, notices, ready, rules
from govbridge.cases.models import Case, CaseEvent, CaseFile, CaseMaterial
from govbridge.cases.outcome import form_paths, form_value
from govbridge.cases.schemas import (
    CaseCertificateOut,
    CaseDetail,
    CaseFileOut,
    CaseOut,
    CaseSubmitIn,
    DecisionIn,
    EventOut,
    MaterialOut,
    StepOut,
    TaskOut,
    TickReport,
)
from govbridge.certificates.models import Certificate
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Permission
from govbridge.exchange import gateway
from govbridge.exchange.schemas import ExchangeResponse, PurposeIn, QueryIn
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import org_by_code
from govbridge.identity.users import mask_subject_id
from govbridge.ledger import log
from govbridge.runtime import Ctx
from govbridge.services import usecases as services
from govbridge.services.engine import ProcessRun, ReadyTask

LEDGER_KIND = "case.state"
OPEN_STATES = ("accepted", "in_progress")
MAX_UPLOAD = 10 * 1_048_576

# ---- helpers ---------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def find_case(ctx: Ctx, code: str, *, lock: bool = False) -> Case:
    """The case by code; `lock` holds its row until commit (a step that changes the process
    run: two departments deciding parallel tasks at once must not overwrite each other)."""
    key = code.strip().upper()
    query = select(Case).where(Case.code == key)
    if lock and ctx.db.get_bind().dialect.name == "postgresql":
        # One statement: the row is locked as it is read (and read as last committed).
        query = query.with_for_update().execution_options(populate_existing=True)
    elif lock:
        # SQLite has no FOR UPDATE: an UPDATE takes the database's write lock before the
        # row is read; the read then sees what a concurrent step committed.
        ctx.db.execute(update(Case).where(Case.code == key).values(updated_at=Case.updated_at)
                       .execution_options(synchronize_session=False))
        query = query.execution_options(populate_existing=True)
    row = ctx.db.scalar(query)
    if row is None:
        raise NotFound("case", code)
    return row


def _event(ctx: Ctx, case: Case, actor: str, kind: str, **detail: Any) -> None:
    ctx.db.add(CaseEvent(case_id=case.id, at=ctx.now(), actor=actor, kind=kind, detail=detail))


def _ledger_by(actor: Actor | str, case: Case) -> str:
    """Who acted, as the ledger says it: staff and systems by their label; the applicant as
    "applicant" only — the entry already names them by a salted commitment, and their
    account name (which may be a phone number or an ID) would link all their entries for
    every witness to read."""
    if isinstance(actor, Actor) and actor.subject_id and actor.subject_id == case.applicant_id:
        return "applicant"
    return actor if isinstance(actor, str) else actor.label


def _move(ctx: Ctx, case: Case, actor: Actor | str, target: str, **detail: Any) -> None:
    """Change the state (checked), timestamp it, ledger it."""
    label = actor if isinstance(actor, str) else actor.label
    rules.check_transition(case.state, target)
    before, case.state, case.updated_at = case.state, target, ctx.now()
    _event(ctx, case, label, target, **detail)
    log.append(ctx, LEDGER_KIND, {"case": case.code, "item": case.item_code, "from": before,
                                  "to": target, "by": _ledger_by(actor, case)},
               subjects=[case.applicant_id])
    ctx.emit("cases.state", {"case": case.code, "state": target})
    event = "returned" if target == "accepted" and "correction" in detail else target
    notices.tell_applicant(ctx, case, event)


def _materials(ctx: Ctx, case: Case) -> list[CaseMaterial]:
    return list(ctx.db.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id)
                               .order_by(CaseMaterial.id)))


def _missing(materials: list[CaseMaterial]) -> list[str]:
    return rules.missing_materials([(m.key, m.required, m.status) for m in materials])


def _run(case: Case) -> ProcessRun | None:
    """The case's run to take a step on (the one its last step saved, when kept)."""
    return ready.take_run(case.workflow_state) if case.workflow_state else None


def _save(case: Case, run: ProcessRun) -> None:
    case.workflow_state = run.to_json()
    ready.remember(case.workflow_state, run)


def _ready_tasks(case: Case) -> list[ReadyTask]:
    """What the case's saved run has ready (without restoring it when known: `ready.py`)."""
    return ready.of_state(case.workflow_state) if case.workflow_state else []


def _overdue(ctx: Ctx, case: Case) -> bool:
    return (case.state in OPEN_STATES and case.suspended_at is None
            and case.accepted_at is not None
            and case.promised_due is not None
            and rules.deadline_status(ctx.now(), _utc(case.accepted_at), case.promised_due)
            == "overdue")


def _out(ctx: Ctx, case: Case, *, masked: bool = False) -> CaseOut:
    """The case as a caller sees it; `masked`: the applicant's ID shows its first 6 and
    last 4 characters (a reader who does not handle the case: auditor, bureau)."""
    return CaseOut(code=case.code, item_code=case.item_code, item_version=case.item_version,
                   applicant_id=(mask_subject_id(case.applicant_id) if masked
                                 else case.applicant_id),
                   applicant_name=case.applicant_name,
                   state=case.state, submitted_at=case.submitted_at,
                   accepted_at=case.accepted_at, completed_at=case.completed_at,
                   promised_due=case.promised_due, reason=case.reason,
                   overdue=_overdue(ctx, case), suspended_at=case.suspended_at)


def _detail(ctx: Ctx, case: Case, *, masked: bool = False,
            materials: list[CaseMaterial] | None = None) -> CaseDetail:
    """The case with its materials (`materials`: the case's, as the caller already read
    them in this transaction), steps, events, certificates and files."""
    if materials is None:
        materials = _materials(ctx, case)
    events = ctx.db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                            .order_by(CaseEvent.id))
    return CaseDetail(
        **_out(ctx, case, masked=masked).model_dump(),
        materials=[MaterialOut(key=m.key, name=m.name, kind=m.kind, required=m.required,
                               status=m.status, source=m.source, detail=m.detail)
                   for m in materials],
        missing=_missing(materials),
        current_steps=[StepOut(task_id=t.id, name=t.name, department=t.department,
                               claimed_by=t.claimed_by)
                       for t in (_ready_tasks(case) if case.state == "in_progress"
                                 else [])],
        events=[EventOut(at=e.at, actor=e.actor, kind=e.kind, detail=e.detail) for e in events],
        certificates=[CaseCertificateOut(id=c.id, identifier=c.identifier,
                                         type_name=c.type_name,
                                         holder_id=(mask_subject_id(c.holder_id) if masked
                                                    else c.holder_id),
                                         holder_name=c.holder_name, status=c.status,
                                         issued_at=c.created_at)
                      for c in issuance.case_certificates(ctx, case)],
        files=[CaseFileOut(material_key=f.material_key, filename=f.filename,
                           media_type=f.media_type, size=f.size, sha256=f.sha256,
                           uploaded_at=f.uploaded_at)
               for f in ctx.db.scalars(select(CaseFile).where(CaseFile.case_id == case.id)
                                       .order_by(CaseFile.id))],
    )


def _own_case(actor: Actor, case: Case) -> None:
    require(actor, Permission.SELF_SERVICE)
    if not actor.subject_id or actor.subject_id != case.applicant_id:
        raise NotFound("case", case.code)  # another applicant's case is not disclosed


ItemOrgs = dict[str, set[int]]  # item code -> its departments, read once per call


def _item_orgs(ctx: Ctx, case: Case, known: ItemOrgs | None = None) -> set[int]:
    """The departments of the case's item (lead and participating); `known` keeps them for
    the other cases and checks of the same call."""
    if known is not None and case.item_code in known:
        return known[case.item_code]
    item = services.find_item(ctx, case.item_code)
    orgs = {item.lead_org_id, *(item.participating_org_ids or [])}
    if known is not None:
        known[case.item_code] = orgs
    return orgs


def _may_read(ctx: Ctx, actor: Actor, case: Case, known: ItemOrgs | None = None) -> bool:
    if Permission.CASE_READ in actor.permissions:
        return True
    if actor.subject_id and actor.subject_id == case.applicant_id:
        return Permission.SELF_SERVICE in actor.permissions
    org = actor.organization_id
    if org is None or org not in _item_orgs(ctx, case, known):
        return False
    return bool({Permission.CASE_ACCEPT_OWN_ORG, Permission.CASE_DECIDE_OWN_ORG,
                 Permission.CASE_ACCEPT, Permission.CASE_DECIDE} & actor.permissions)


def _handles(ctx: Ctx, actor: Actor, case: Case, known: ItemOrgs | None = None) -> bool:
    """The applicant, or staff of a department of the case's item: they see its subject's
    ID whole; other readers (auditor, bureau) see it masked (least privilege)."""
    if actor.kind == "operator" or (actor.subject_id and actor.subject_id == case.applicant_id):
        return True  # the local operator holds the database and its keys anyway
    return (actor.organization_id is not None
            and actor.organization_id in _item_orgs(ctx, case, known))


def _start_work_if_complete(ctx: Ctx, case: Case, actor: Actor | str,
                            materials: list[CaseMaterial] | None = None) -> None:
    """An accepted case goes into the back office once no required material is missing;
    after a correction the promised day moves on by the working days it waited.
    `materials`: the case's, as the caller already read them in this transaction."""
    if case.state != "accepted" or _missing(
            materials if materials is not None else _materials(ctx, case)):
        return
    if case.suspended_at is not None and case.promised_due is not None:
        cal = services.calendar(ctx)
        waited = working_days_between(_utc(case.suspended_at).date(), ctx.now().date(), cal)
        case.promised_due = rules.resumed_due(case.promised_due, waited,
                                              lambda d, n: add_working_days(d, n, cal))
        case.suspended_at = None
        _event(ctx, case, actor if isinstance(actor, str) else actor.label, "resumed",
               waited_working_days=waited, due=case.promised_due.isoformat())
    _move(ctx, case, actor, "in_progress")


def _after_step(ctx: Ctx, case: Case, run: ProcessRun, by: str) -> None:
    """What the process reached decides what happens by itself: the outcome certificate."""
    item = services.find_item(ctx, case.item_code)
    issued = issuance.issue_due(ctx, case, item, run, by)
    if issued is not None:
        _event(ctx, case, by, "issued", identifier=issued.identifier,
               type=issued.type_name, holder=issued.holder_name)


# ---- applicant -------------------------------------------------------------------------


def _check_outcome_form(outcome: dict[str, Any] | None, form: dict[str, Any]) -> None:
    """The form values the certificate will be made out from must be there at the start."""
    for path in form_paths(outcome or {}):
        value = form_value(form, path)
        if value is None or not str(value).strip():
            raise InvalidInput.one(f"form.{path}", "required: the certificate is made out "
                                   "to this name", None, "required")


def submit_application(ctx: Ctx, actor: Actor, data: CaseSubmitIn) -> CaseDetail:
    """An applicant (citizen or enterprise, as logged in) applies for a published item."""
    require(actor, Permission.SELF_SERVICE)
    if not actor.subject_id:
        raise PermissionDenied(Permission.SELF_SERVICE.value,
                               "only a citizen or enterprise account can apply")
    item = services.find_item(ctx, data.item_code)
    if item.status != "published" or item.current_version is None:
        raise Conflict(f"service item {item.code} is not open for applications", "item_code",
                       item.code)
    _check_outcome_form(item.outcome, data.form)
    case = Case(code=f"BJ{ctx.now():%Y%m%d}{uuid.uuid4().hex[:8].upper()}",
                item_code=item.code, applicant_id=actor.subject_id,
                applicant_name=data.applicant_name.strip(), state="submitted",
                form=data.form, submitted_at=ctx.now(), created_by=actor.label,
                updated_at=ctx.now())
    ctx.db.add(case)
    ctx.db.flush()
    for m in item.materials or []:
        filled = m["kind"] == "form" and m["key"] in data.form
        ctx.db.add(CaseMaterial(
            case_id=case.id, key=m["key"], name=m["name"], kind=m["kind"],
            required=bool(m.get("required", True)),
            status="uploaded" if filled else "missing",
            source="form" if filled else None,
            detail=None if filled else "awaiting acceptance", updated_at=ctx.now()))
    _event(ctx, case, actor.label, "submitted", item=item.code)
    log.append(ctx, LEDGER_KIND, {"case": case.code, "item": case.item_code, "from": None,
                                  "to": "submitted", "by": _ledger_by(actor, case)},
               subjects=[case.applicant_id])
    ctx.db.flush()
    return _detail(ctx, case)


def upload_material(ctx: Ctx, actor: Actor, code: str, key: str, filename: str,
                    content: bytes) -> CaseDetail:
    """The applicant supplies a material that is missing (or was rejected); nothing else."""
    case = find_case(ctx, code, lock=True)
    _own_case(actor, case)
    if case.state in rules.FINAL:
        raise Conflict(f"case {case.code} is {case.state}", "state", case.state)
    materials = _materials(ctx, case)
    material = next((m for m in materials if m.key == key), None)
    if material is None:
        raise NotFound("material", key)
    if case.state == "submitted" and material.kind in ("certificate", "dataset"):
        raise Conflict(f"material {key} is requested by sharing when the case is accepted; "
                       "upload it only if it is then missing", "key", key)
    if material.status not in ("missing", "rejected"):
        raise Conflict(f"material {key} is {material.status}: nothing to upload", "key", key)
    # Only the base name is kept ("../../x.pdf" is "x.pdf"); the content must be a whole
    # PDF, OFD, JPEG or PNG file, parsed (filetypes), not only its first bytes.
    name = filetypes.safe_filename(filename, key)
    if not content or len(content) > MAX_UPLOAD:
        raise InvalidInput.one("content", f"must be 1 byte to {MAX_UPLOAD} bytes", len(content))
    try:
        media_type = filetypes.identify(content)
    except filetypes.NotAccepted as exc:
        raise InvalidInput.one("content", f"{name!r}: {exc.reason} (only whole "
                               f"{filetypes.ACCEPTED_FILES} files are accepted)", name,
                               exc.code) from None
    digest = hashlib.sha256(content).hexdigest()
    material.status, material.source = "uploaded", f"upload:{digest}"
    material.detail, material.updated_at = name, ctx.now()
    ctx.db.add(CaseFile(case_id=case.id, material_key=key, filename=name,
                        media_type=media_type, size=len(content), sha256=digest,
                        content=content, uploaded_by=actor.label, uploaded_at=ctx.now()))
    _event(ctx, case, actor.label, "uploaded", material=key, filename=name, sha256=digest)
    ctx.db.flush()
    _start_work_if_complete(ctx, case, actor, materials)
    return _detail(ctx, case, materials=materials)


def material_file(ctx: Ctx, actor: Actor, code: str, key: str) -> CaseFile:
    """The latest file uploaded for a material, to its applicant and the staff of the
    item's departments (the same people who may read the case)."""
    case = find_case(ctx, code)
    if not _may_read(ctx, actor, case):
        raise NotFound("case", code)  # a case one may not read is not confirmed to exist
    row = ctx.db.scalar(select(CaseFile).where(CaseFile.case_id == case.id,
                                               CaseFile.material_key == key)
                        .order_by(CaseFile.id.desc()).limit(1))
    if row is None:
        raise NotFound("uploaded file of material", key)
    return row


def my_cases(ctx: Ctx, actor: Actor) -> list[CaseOut]:
    require(actor, Permission.SELF_SERVICE)
    rows = ctx.db.scalars(select(Case).where(Case.applicant_id == (actor.subject_id or ""))
                          .order_by(Case.id))
    return [_out(ctx, c) for c in rows]


def timeline(ctx: Ctx, actor: Actor, code: str) -> CaseDetail:
    """The case as its applicant or the staff concerned see it: materials, what is missing,
    the current steps with the departments holding them, and every timestamped event."""
    case = find_case(ctx, code)
    known: ItemOrgs = {}
    if not _may_read(ctx, actor, case, known):
        raise NotFound("case", code)  # a case one may not read is not confirmed to exist
    return _detail(ctx, case, masked=not _handles(ctx, actor, case, known))


# ---- front desk ------------------------------------------------------------------------


def _certificate_status(ctx: Ctx, resource_code: str, holder: str) -> str | None:
    row = ctx.db.scalar(select(Certificate)
                        .where(Certificate.certificate_type == resource_code,
                               Certificate.holder_id == holder)
                        .order_by(Certificate.id.desc()).limit(1))
    if row is None:
        return None
    if row.status == "revoked":
        return "revoked"
    if row.valid_until is not None and _utc(row.valid_until) < ctx.now():
        return "expired"
    return "valid"


def view_through_case(ctx: Ctx, actor: Actor, org_id: int, case: Case,
                      resource_code: str) -> ExchangeResponse:
    """A "request to view" of the applicant's record, made by `org_id` through the case
    only: the query can do nothing but this, under the case's item as purpose (ledgered,
    masked per that department's agreement, in the applicant's access log)."""
    asker = Actor(kind=actor.kind, name=f"{actor.name} (case {case.code})",
                  user_id=actor.user_id, organization_id=org_id,
                  permissions=frozenset({Permission.EXCHANGE_QUERY_OWN_ORG}))
    return gateway.query(ctx, asker, resource_code, QueryIn(
        subject_ids=[case.applicant_id],
        purpose=PurposeIn(kind="service_item", code=case.item_code, case=case.code)))


def _request_to_view(ctx: Ctx, clerk: Actor, org: Organization, case: Case,
                     material: CaseMaterial, resource_code: str | None) -> None:
    if not resource_code:
        material.status, material.detail = "missing", "not shared: the applicant supplies it"
        return
    try:
        answer = view_through_case(ctx, clerk, org.id, case, resource_code)
    except AgreementDenied as exc:
        material.status, material.detail = "missing", f"no agreement ({exc.reason})"
        return
    rows = len(answer.data.get("rows") or [])
    material.source = f"exchange:{answer.data['query_id']}"
    cert = (_certificate_status(ctx, resource_code, case.applicant_id)
            if material.kind == "certificate" else None)
    material.status, material.detail = rules.certificate_material_status(rows, cert)


def accept(ctx: Ctx, actor: Actor, code: str, identity_checked_id: str) -> CaseDetail:
    """The front desk accepts (受理) after checking the applicant's identity: the process
    starts on the item's current version and every shared material is requested."""
    case = find_case(ctx, code, lock=True)
    item = services.find_item(ctx, case.item_code)
    require(actor, Permission.CASE_ACCEPT, organization_id=item.lead_org_id)
    if not rules.awaits_acceptance(case.state):
        raise Conflict(f"case {case.code} is {case.state}, not submitted", "state", case.state)
    if identity_checked_id.strip().upper() != case.applicant_id:
        raise InvalidInput.one("identity_checked_id",
                               "does not match the applicant of the case", None,
                               "identity_mismatch")
    org = ctx.db.get(Organization, item.lead_org_id)
    assert org is not None
    version, run = services.start_process(ctx, item.code)
    case.item_version, case.accepted_at = version, ctx.now()
    case.accepting_org_id = org.id
    case.promised_due = services.promised_due(ctx, item.code, ctx.now().date())
    _save(case, run)
    resources = {m["key"]: m.get("resource_code") for m in item.materials or []}
    materials = _materials(ctx, case)
    for material in materials:
        if material.kind in ("certificate", "dataset"):
            _request_to_view(ctx, actor, org, case, material, resources.get(material.key))
        elif material.status == "missing":
            material.detail = "the applicant supplies it"
        material.updated_at = ctx.now()
    _move(ctx, case, actor, "accepted", version=version, due=case.promised_due.isoformat())
    ctx.db.flush()
    _start_work_if_complete(ctx, case, actor, materials)
    record(ctx, actor, "case.accept", "case", case.code, {"item": case.item_code})
    return _detail(ctx, case, materials=materials)


def not_accept(ctx: Ctx, actor: Actor, code: str, reason: str) -> CaseDetail:
    """The front desk does not accept (不予受理), with a reason."""
    case = find_case(ctx, code, lock=True)
    item = services.find_item(ctx, case.item_code)
    require(actor, Permission.CASE_ACCEPT, organization_id=item.lead_org_id)
    if len(reason.strip()) < 2:
        raise InvalidInput.one("reason", "say why the application is not accepted", reason)
    rules.check_transition(case.state, "not_accepted")
    case.reason, case.completed_at = reason.strip(), ctx.now()
    case.accepting_org_id = item.lead_org_id
    _move(ctx, case, actor, "not_accepted", reason=case.reason)
    record(ctx, actor, "case.not_accept", "case", case.code, {"reason": case.reason})
    return _detail(ctx, case)


def list_cases(ctx: Ctx, actor: Actor, state: str | None = None) -> list[CaseOut]:
    """Every case (CASE_READ), those of items the caller's department takes part in (clerks,
    approvers), or an applicant's own."""
    query = select(Case).order_by(Case.id)
    if state:
        query = query.where(Case.state == state)
    known: ItemOrgs = {}
    return [_out(ctx, c, masked=not _handles(ctx, actor, c, known))
            for c in ctx.db.scalars(query) if _may_read(ctx, actor, c, known)]


# ---- back office -----------------------------------------------------------------------


def my_tasks(ctx: Ctx, actor: Actor) -> list[TaskOut]:
    """Ready tasks of in-progress cases whose lane is the approver's department."""
    if actor.organization_id is None:
        raise PermissionDenied(Permission.CASE_DECIDE.value, "tasks belong to a department")
    require(actor, Permission.CASE_DECIDE, organization_id=actor.organization_id)
    org = ctx.db.get(Organization, actor.organization_id)
    assert org is not None
    out: list[TaskOut] = []
    for case in ctx.db.scalars(select(Case).where(Case.state == "in_progress")
                               .order_by(Case.promised_due, Case.id)):
        for t in _ready_tasks(case):
            if t.department == org.code:
                out.append(TaskOut(case_code=case.code, item_code=case.item_code,
                                   applicant_name=case.applicant_name,
                                   promised_due=case.promised_due, task_id=t.id, name=t.name,
                                   department=t.department, claimed_by=t.claimed_by))
    return out


def ready_task(ctx: Ctx, actor: Actor, code: str,
               task_id: str) -> tuple[Case, ProcessRun, ReadyTask]:
    """The in-progress case (row locked), its run and one ready task, which only a user of
    the task's department may act on."""
    case = find_case(ctx, code, lock=True)
    if case.state != "in_progress":
        raise Conflict(f"case {case.code} is {case.state}, not in progress", "state",
                       case.state)
    run = _run(case)
    assert run is not None
    task = next((t for t in run.ready_tasks() if t.id == task_id), None)
    if task is None:
        raise NotFound("ready task", task_id)
    dept = org_by_code(ctx, task.department) if task.department else None
    if dept is None:
        raise Conflict(f"task {task.bpmn_id} has no department", "task_id", task_id)
    require(actor, Permission.CASE_DECIDE, organization_id=dept.id)
    return case, run, task


def decide(ctx: Ctx, actor: Actor, code: str, data: DecisionIn) -> CaseDetail:
    """Approve, return for correction, or refuse one ready task (by its department only)."""
    case, run, task = ready_task(ctx, actor, code, data.task_id)
    if task.claimed_by and task.claimed_by != actor.label:
        raise Conflict(f"task {task.name} is claimed by {task.claimed_by}", "task_id",
                       data.task_id)
    opinion = data.opinion.strip()
    if data.decision != "approve" and len(opinion) < 2:
        raise InvalidInput.one("opinion", "a return or a refusal needs an opinion", opinion)
    materials = {m.key: m for m in _materials(ctx, case)}
    unknown = [k for k in data.materials if k not in materials]
    if unknown:
        raise InvalidInput.one("materials", "no such material in the case", ", ".join(unknown))
    run.complete(task.id, data.decision, {"opinion": opinion})
    _save(case, run)
    _event(ctx, case, actor.label, "decided", task=task.name, department=task.department,
           decision=data.decision, opinion=opinion)
    record(ctx, actor, "case.decide", "case", case.code,
           {"task": task.bpmn_id, "decision": data.decision})
    if data.decision == "refuse":
        case.reason, case.completed_at = opinion, ctx.now()
        _move(ctx, case, actor, "refused", task=task.name, opinion=opinion)
    elif data.decision == "return":
        case.reason = opinion
        for key in data.materials:
            materials[key].status, materials[key].detail = "rejected", opinion
            materials[key].updated_at = ctx.now()
        _event(ctx, case, actor.label, "returned", opinion=opinion,
               materials=list(data.materials))
        if data.materials:  # back to the applicant: the time limit stops (时限中止)
            case.suspended_at = ctx.now()
            _move(ctx, case, actor, "accepted", correction=list(data.materials))
    if case.state == "in_progress" and run.finished:
        case.completed_at = ctx.now()
        _move(ctx, case, actor, "completed", ends=run.end_events())
    if case.state in ("in_progress", "completed"):
        _after_step(ctx, case, run, actor.label)
    ctx.db.flush()
    return _detail(ctx, case, materials=list(materials.values()))


# ---- bureau and scheduler --------------------------------------------------------------


def overdue_cases(ctx: Ctx, actor: Actor) -> list[CaseOut]:
    require(actor, Permission.CASE_READ)
    rows = ctx.db.scalars(select(Case).where(Case.state.in_(OPEN_STATES))
                          .order_by(Case.promised_due, Case.id))
    known: ItemOrgs = {}
    return [_out(ctx, c, masked=not _handles(ctx, actor, c, known)) for c in rows
            if _overdue(ctx, c)]


def tick(ctx: Ctx, now: datetime | None = None) -> TickReport:
    """One round of the scheduler: fire due BPMN timers of in-progress cases, remind at 80 %
    of the promised limit and escalate when overdue (once each)."""
    at = now or ctx.now()
    report = TickReport()
    open_cases = list(ctx.db.scalars(select(Case.code).where(Case.state.in_(OPEN_STATES))
                                     .order_by(Case.id)))
    for code in open_cases:
        case = find_case(ctx, code, lock=True)
        if case.state not in OPEN_STATES:
            continue
        run = _run(case) if case.state == "in_progress" else None
        if run is not None:
            fired = run.fire_timers()
            if fired:
                report.timers_fired += fired
                _save(case, run)
                _event(ctx, case, "scheduler", "timer", fired=fired)
                if run.finished:
                    case.completed_at = at
                    _move(ctx, case, "scheduler", "completed", ends=run.end_events())
                    report.completed.append(case.code)
                _after_step(ctx, case, run, "scheduler")
                if case.state == "completed":
                    continue
        if case.suspended_at is not None:  # 时限中止: no reminder while the applicant corrects
            continue
        if case.accepted_at is None or case.promised_due is None:
            continue
        status = rules.deadline_status(at, _utc(case.accepted_at), case.promised_due)
        if status in ("remind", "overdue") and case.reminded_at is None:
            case.reminded_at = at
            _event(ctx, case, "scheduler", "reminded", due=case.promised_due.isoformat())
            ctx.emit("cases.reminded", {"case": case.code})
            report.reminded.append(case.code)
            if status == "remind":  # an overdue case hears the escalation instead
                notices.tell_departments(ctx, case, run, overdue=False)
        if status == "overdue" and case.escalated_at is None:
            case.escalated_at = at
            _event(ctx, case, "scheduler", "escalated", due=case.promised_due.isoformat())
            ctx.emit("cases.escalated", {"case": case.code})
            report.escalated.append(case.code)
            notices.tell_departments(ctx, case, run, overdue=True)
    ctx.db.flush()
    return report
