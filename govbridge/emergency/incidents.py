"""Incidents and dispatches: response plans sent to departments as resource requests.

Modelled on OASIS EDXL-RM (Resource Messaging): the command centre's RequestResource
(`dispatch_plan`: one request per department of the plan, in one step), the department's
CommitResource (`commit_dispatch`: what, how many, arriving when), its
ReportResourceDeploymentStatus (`report_dispatch`), and the command centre's
ReleaseResource (`release_dispatch`). Each step is a `DispatchStep`, sealed by the
department that takes it (the request and the release by the commanding department) and
ledgered (kind `emergency.dispatch.<step>`: dispatch code, department, resources, the
SHA-256 of the step's data: a note a person wrote stays out of the ledger).

Who may do what (least privilege, `core/permissions.py`):
- the duty officer (INCIDENT_COMMAND: the bureau) opens incidents by hand, dispatches
  and releases; INCIDENT_READ sees the board;
- a department's data officer (DISPATCH_RESPOND_OWN_ORG) sees, commits and reports its
  own department's dispatches only; another department's dispatch is "not found" to it
  (not "forbidden": no answer confirms that a dispatch code exists);
- applicants and auditors hold neither.

An alert joins the open incident of its district whose newest alert lies within
`emergency_join_hours` (config.py, 12 hours) of its event time, or opens one; a rule
with `auto_dispatch` dispatches its plan when it opens one or joins one not dispatched
yet. A dispatch not committed by `respond_by` is late. Notifications go out through the
outbox, urgent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission, allows
from govbridge.emergency.alerts import alert_out
from govbridge.emergency.areas import district_name
from govbridge.emergency.models import Alert, Dispatch, DispatchStep, Incident, ResponsePlan
from govbridge.emergency.rules import RuleIn
from govbridge.emergency.schemas import (
    RESOURCE_KINDS,
    CommitIn,
    DepartmentLine,
    DispatchOut,
    IncidentBoard,
    IncidentIn,
    IncidentOut,
    PlanIn,
    PlanOut,
    ReportIn,
    ResourceLine,
    TimelineItem,
)
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.notifications.outbox import notify, officers_of
from govbridge.runtime import Ctx

RULES_ACTOR = Actor(kind="operator", name="emergency-rules",
                    permissions=frozenset({Permission.INCIDENT_COMMAND}))


# -- plans ---------------------------------------------------------------------------------


def create_plan(ctx: Ctx, actor: Actor, data: PlanIn) -> PlanOut:
    """Store a response plan (预案), or replace the lines of one with the same code."""
    require(actor, Permission.INCIDENT_COMMAND)
    data = checked(PlanIn, data.model_dump())
    command = referenced_organization(ctx, data.command_code, "command_code")
    for i, line in enumerate(data.lines):
        referenced_organization(ctx, line.org_code, f"lines[{i}].org_code")
    lines = [line.model_dump() for line in data.lines]
    row = ctx.db.scalar(select(ResponsePlan).where(ResponsePlan.code == data.code))
    stored = {"command_code": command.code, "lines": lines}
    if row is None:
        row = ResponsePlan(code=data.code, name=data.name, lines=[stored],
                           created_at=ctx.now())
        ctx.db.add(row)
    else:
        row.name, row.lines = data.name, [stored]
    ctx.db.flush()
    return PlanOut(code=row.code, name=row.name, lines=lines)


def _plan(ctx: Ctx, code: str) -> tuple[ResponsePlan, str, list[dict[str, Any]]]:
    row = ctx.db.scalar(select(ResponsePlan).where(ResponsePlan.code == code))
    if row is None:
        raise InvalidInput.one("plan", "no response plan with this code", code, "not_found")
    stored = row.lines[0]
    return row, stored["command_code"], stored["lines"]


def list_plans(ctx: Ctx, actor: Actor) -> list[PlanOut]:
    require(actor, Permission.INCIDENT_READ)
    return [PlanOut(code=r.code, name=r.name, lines=r.lines[0]["lines"])
            for r in ctx.db.scalars(select(ResponsePlan).order_by(ResponsePlan.code))]


# -- incidents -----------------------------------------------------------------------------


def _next_code(ctx: Ctx, prefix: str) -> str:
    year = ctx.now().year
    head = f"{prefix}-{year}-"
    last = ctx.db.scalar(select(func.max(Incident.code)).where(Incident.code.like(head + "%")))
    return f"{head}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:04d}"


def _ledger(ctx: Ctx, kind: str, payload: dict[str, Any]) -> int:
    from govbridge.ledger import log

    return log.append(ctx, kind, payload).leaf_index


def _command_officers(ctx: Ctx, incident: Incident) -> list[int]:
    return officers_of(ctx, incident.command_org_id)


def place_alert(ctx: Ctx, alert: Alert, rule: RuleIn | None) -> Incident:
    """Join the alert to its district's open incident, or open one (and maybe dispatch)."""
    newest = func.max(Alert.event_at)
    candidates = ctx.db.execute(
        select(Incident, newest).join(Alert, Alert.incident_id == Incident.id)
        .where(Incident.district == alert.district, Incident.status == "open")
        .group_by(Incident.id).order_by(Incident.id.desc())).all()
    for incident, last in candidates:
        window = timedelta(hours=ctx.settings.emergency_join_hours)
        if last is not None and abs(alert.event_at - last) <= window:
            alert.incident_id = incident.id
            if rule is not None and rule.plan and incident.plan_code is None:
                incident.plan_code = rule.plan  # proposed to the duty officer
            _notify_alert(ctx, incident, alert)
            if (rule is not None and rule.auto_dispatch and rule.plan
                    and not _dispatched(ctx, incident)):
                _dispatch(ctx, incident, rule.plan)
            return incident
    plan_code = rule.plan if rule else None
    command_code = None
    if plan_code:
        _row, command_code, _lines = _plan(ctx, plan_code)
    command = (referenced_organization(ctx, command_code, "command_code") if command_code
               else ctx.db.get(Organization, alert.issuer_id))
    assert command is not None
    incident = Incident(code=_next_code(ctx, "INC"), district=alert.district,
                        title=f"{district_name(alert.district)}{alert.event}",
                        status="open", opened_by="alert", command_org_id=command.id,
                        plan_code=plan_code, started_at=alert.event_at, opened_at=ctx.now())
    ctx.db.add(incident)
    ctx.db.flush()
    alert.incident_id = incident.id
    _ledger(ctx, "emergency.incident.opened", {
        "incident": incident.code, "district": incident.district, "command": command.code,
        "by": "alert", "alert": alert.identifier})
    _notify_alert(ctx, incident, alert)
    if rule is not None and rule.auto_dispatch and plan_code:
        _dispatch(ctx, incident, plan_code)
    return incident


def _notify_alert(ctx: Ctx, incident: Incident, alert: Alert) -> None:
    notify(ctx, _command_officers(ctx, incident), "emergency.alert",
           f"【{alert.severity}】{alert.headline}",
           f"{district_name(alert.district)}：{alert.event}（事件 {incident.code}）",
           urgent=True, link=f"/emergency/incidents/{incident.code}")


def open_incident(ctx: Ctx, actor: Actor, data: IncidentIn) -> IncidentOut:
    """The duty officer opens an incident by hand."""
    require(actor, Permission.INCIDENT_COMMAND)
    data = checked(IncidentIn, data.model_dump())
    command = referenced_organization(ctx, data.command_code, "command_code")
    now = ctx.now()
    incident = Incident(code=_next_code(ctx, "INC"), title=data.title, district=data.district,
                        status="open", opened_by="hand", command_org_id=command.id,
                        started_at=data.started_at or now, opened_at=now)
    ctx.db.add(incident)
    ctx.db.flush()
    _ledger(ctx, "emergency.incident.opened", {
        "incident": incident.code, "district": incident.district, "command": command.code,
        "by": "hand"})
    return _incident_out(ctx, incident)


def _incident(ctx: Ctx, code: str) -> Incident:
    row = ctx.db.scalar(select(Incident).where(Incident.code == code))
    if row is None:
        raise NotFound("incident", code)
    return row


def _org(ctx: Ctx, org_id: int) -> Organization:
    org = ctx.db.get(Organization, org_id)
    assert org is not None
    return org


def is_late(d: Dispatch, now: datetime) -> bool:
    """No commitment by the time it was due (or one that came after it)."""
    if d.committed_at is None:
        return d.status == "requested" and now > d.respond_by
    return d.committed_at > d.respond_by


def _incident_out(ctx: Ctx, row: Incident) -> IncidentOut:
    now = ctx.now()
    dispatches = list(ctx.db.scalars(select(Dispatch).where(Dispatch.incident_id == row.id)))
    alerts = ctx.db.scalar(select(func.count()).select_from(Alert)
                           .where(Alert.incident_id == row.id)) or 0
    return IncidentOut(code=row.code, title=row.title, district=row.district, status=row.status,
                       opened_by=row.opened_by, command_code=_org(ctx, row.command_org_id).code,
                       plan=row.plan_code, started_at=row.started_at, opened_at=row.opened_at,
                       alerts=alerts, dispatches=len(dispatches),
                       late=sum(is_late(d, now) for d in dispatches))


def list_incidents(ctx: Ctx, actor: Actor, *, status: str | None = "open") -> list[IncidentOut]:
    require(actor, Permission.INCIDENT_READ)
    stmt = select(Incident).order_by(Incident.id.desc())
    if status:
        stmt = stmt.where(Incident.status == status)
    return [_incident_out(ctx, r) for r in ctx.db.scalars(stmt)]


def board(ctx: Ctx, actor: Actor, code: str) -> IncidentBoard:
    """The incident board: its alerts, requested vs committed per department, late
    responses, and a timeline."""
    require(actor, Permission.INCIDENT_READ)
    row = _incident(ctx, code)
    now = ctx.now()
    alerts = list(ctx.db.scalars(select(Alert).where(Alert.incident_id == row.id)
                                 .order_by(Alert.id)))
    dispatches = list(ctx.db.scalars(select(Dispatch).where(Dispatch.incident_id == row.id)
                                     .order_by(Dispatch.id)))
    depts: dict[int, list[Dispatch]] = {}
    for d in dispatches:
        depts.setdefault(d.organization_id, []).append(d)
    lines = []
    for org_id, ds in depts.items():
        org = _org(ctx, org_id)
        kinds = [k for k in RESOURCE_KINDS if any(k in d.requested for d in ds)]
        lines.append(DepartmentLine(
            org_code=org.code, org_name=org.name,
            resources=[ResourceLine(kind=k, requested=sum(d.requested.get(k, 0) for d in ds),
                                    committed=sum(d.committed.get(k, 0) for d in ds))
                       for k in kinds],
            statuses=[d.status for d in ds], late=sum(is_late(d, now) for d in ds)))
    timeline = [TimelineItem(at=row.opened_at, what="opened",
                             detail=f"{row.code} {row.title}",
                             org_code=_org(ctx, row.command_org_id).code)]
    timeline += [TimelineItem(at=a.sent_at, what="alert", detail=f"{a.msg_type} {a.headline}",
                              org_code=_org(ctx, a.issuer_id).code) for a in alerts]
    ids = {d.id: d for d in dispatches}
    if ids:
        for step in ctx.db.scalars(select(DispatchStep).where(
                DispatchStep.dispatch_id.in_(list(ids))).order_by(DispatchStep.id)):
            timeline.append(TimelineItem(
                at=step.at, what=step.step, org_code=_org(ctx, step.organization_id).code,
                detail=f"{ids[step.dispatch_id].code} {_step_summary(step)}"))
    timeline.sort(key=lambda t: t.at)
    base = _incident_out(ctx, row)
    return IncidentBoard(**base.model_dump(), alert_list=[alert_out(ctx, a) for a in alerts],
                         departments=lines,
                         dispatch_list=[_dispatch_out(ctx, d, now) for d in dispatches],
                         timeline=timeline)


def _step_summary(step: DispatchStep) -> str:
    res = step.data.get("resources") or step.data.get("deployed") or {}
    parts = [f"{k}×{v}" for k, v in res.items()]
    if step.data.get("status"):
        parts.insert(0, step.data["status"])
    return " ".join(parts)


# -- dispatches ----------------------------------------------------------------------------


def _dispatch_out(ctx: Ctx, d: Dispatch, now: datetime) -> DispatchOut:
    org = _org(ctx, d.organization_id)
    incident = ctx.db.get(Incident, d.incident_id)
    assert incident is not None
    return DispatchOut(code=d.code, incident=incident.code, org_code=org.code,
                       org_name=org.name, task=d.task, status=d.status,
                       requested=d.requested, committed=d.committed,
                       requested_at=d.requested_at, respond_by=d.respond_by,
                       committed_at=d.committed_at, arrive_by=d.arrive_by,
                       released_at=d.released_at, late=is_late(d, now))


def _step(ctx: Ctx, d: Dispatch, step: str, org: Organization, data: dict[str, Any]) -> None:
    from govbridge.seals import usecases as seals

    at = ctx.now()
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(body.encode()).hexdigest()
    resources = data.get("resources") or data.get("deployed") or {}
    payload = {"dispatch": d.code, "step": step, "department": org.code,
               "resources": resources, "data_sha256": digest, "at": at.isoformat()}
    seal = seals.seal_for(ctx, org.id, payload)
    index = _ledger(ctx, f"emergency.dispatch.{step}", payload)
    ctx.db.add(DispatchStep(dispatch_id=d.id, step=step, organization_id=org.id, data=data,
                            at=at, seal=seal, ledger_index=index))


def _dispatched(ctx: Ctx, incident: Incident) -> bool:
    return ctx.db.scalar(select(Dispatch.id).where(Dispatch.incident_id == incident.id)
                         .limit(1)) is not None


def _dispatch(ctx: Ctx, incident: Incident, plan_code: str) -> list[Dispatch]:
    _row, _command_code, lines = _plan(ctx, plan_code)
    if _dispatched(ctx, incident):
        raise Conflict(f"incident {incident.code} has been dispatched already", "incident",
                       incident.code)
    command = _org(ctx, incident.command_org_id)
    now = ctx.now()
    made = []
    for n, line in enumerate(lines, start=1):
        org = referenced_organization(ctx, line["org_code"], f"lines[{n - 1}].org_code")
        d = Dispatch(code=f"{incident.code}-D{n:02d}", incident_id=incident.id,
                     organization_id=org.id, task=line["task"], status="requested",
                     requested=dict(line["resources"]), committed={}, requested_at=now,
                     respond_by=now + timedelta(minutes=line["respond_minutes"]))
        ctx.db.add(d)
        ctx.db.flush()
        _step(ctx, d, "request", command, {"resources": d.requested, "task": d.task,
                                           "respond_by": d.respond_by.isoformat()})
        notify(ctx, officers_of(ctx, org.id), "emergency.dispatch",
               f"【调度】{incident.title}：{d.task}",
               f"请求资源：{_step_summary_of(d.requested)}；请于 "
               f"{line['respond_minutes']} 分钟内确认承诺。", urgent=True,
               link=f"/emergency/dispatches/{d.code}")
        made.append(d)
    incident.plan_code = plan_code
    return made


def _step_summary_of(resources: dict[str, int]) -> str:
    return "，".join(f"{k}×{v}" for k, v in resources.items())


def dispatch_plan(ctx: Ctx, actor: Actor, incident_code: str, plan_code: str | None = None
                  ) -> list[DispatchOut]:
    """Send a response plan's resource requests to its departments in one step (by default
    the plan the incident's rule proposed)."""
    require(actor, Permission.INCIDENT_COMMAND)
    incident = _incident(ctx, incident_code)
    plan_code = plan_code or incident.plan_code
    if not plan_code:
        raise InvalidInput.one("plan", "this incident proposes no response plan: name one",
                               None, "required")
    if incident.status != "open":
        raise Conflict(f"incident {incident_code} is {incident.status}", "incident",
                       incident_code)
    now = ctx.now()
    return [_dispatch_out(ctx, d, now) for d in _dispatch(ctx, incident, plan_code)]


def _visible(ctx: Ctx, actor: Actor, code: str) -> Dispatch:
    """A dispatch the actor may see: the board's readers see all, a department its own."""
    d = ctx.db.scalar(select(Dispatch).where(Dispatch.code == code))
    if d is None or not (Permission.INCIDENT_READ in actor.permissions or allows(
            actor.permissions, Permission.DISPATCH_RESPOND, actor_org_id=actor.organization_id,
            target_org_id=d.organization_id)):
        raise NotFound("dispatch", code)
    return d


def _own(ctx: Ctx, actor: Actor, code: str) -> Dispatch:
    d = _visible(ctx, actor, code)
    if not allows(actor.permissions, Permission.DISPATCH_RESPOND,
                  actor_org_id=actor.organization_id, target_org_id=d.organization_id):
        raise NotFound("dispatch", code)
    return d


def can_command(actor: Actor) -> bool:
    """Whether the actor dispatches and releases (the duty officer)."""
    return Permission.INCIDENT_COMMAND in actor.permissions


def can_answer(ctx: Ctx, actor: Actor, code: str) -> dict[str, bool]:
    """What the actor may do with a dispatch now: commit, report (its department only)."""
    d = ctx.db.scalar(select(Dispatch).where(Dispatch.code == code))
    own = d is not None and allows(actor.permissions, Permission.DISPATCH_RESPOND,
                                   actor_org_id=actor.organization_id,
                                   target_org_id=d.organization_id)
    return {"commit": own and d is not None and d.status == "requested",
            "report": own and d is not None and d.status in ("committed", "deployed")}


def list_dispatches(ctx: Ctx, actor: Actor, *, incident: str | None = None
                    ) -> list[DispatchOut]:
    """The board's readers see every dispatch; a department only its own."""
    stmt = select(Dispatch).order_by(Dispatch.id)
    reader = Permission.INCIDENT_READ in actor.permissions
    if not reader and Permission.DISPATCH_RESPOND not in actor.permissions:
        require(actor, Permission.DISPATCH_RESPOND, organization_id=actor.organization_id)
        stmt = stmt.where(Dispatch.organization_id == actor.organization_id)
    if incident and reader:
        stmt = stmt.where(Dispatch.incident_id == _incident(ctx, incident).id)
    elif incident:  # a department: an unknown incident is no dispatch, not "not found"
        stmt = stmt.join(Incident, Incident.id == Dispatch.incident_id).where(
            Incident.code == incident)
    now = ctx.now()
    return [_dispatch_out(ctx, d, now) for d in ctx.db.scalars(stmt)]


def get_dispatch(ctx: Ctx, actor: Actor, code: str) -> DispatchOut:
    if (Permission.INCIDENT_READ not in actor.permissions
            and Permission.DISPATCH_RESPOND not in actor.permissions):
        require(actor, Permission.DISPATCH_RESPOND, organization_id=actor.organization_id)
    return _dispatch_out(ctx, _visible(ctx, actor, code), ctx.now())


def commit_dispatch(ctx: Ctx, actor: Actor, code: str, data: CommitIn) -> DispatchOut:
    """The department commits resources (what, how many, arriving when)."""
    require(actor, Permission.DISPATCH_RESPOND, organization_id=actor.organization_id)
    data = checked(CommitIn, data.model_dump())
    d = _own(ctx, actor, code)
    if d.status != "requested":
        raise Conflict(f"dispatch {code} is {d.status}: it was committed already", "status",
                       d.status)
    unknown = [k for k in data.resources if k not in d.requested]
    if unknown:
        raise InvalidInput.one("resources", "not requested in this dispatch",
                               ", ".join(unknown), "not_requested")
    now = ctx.now()
    d.committed = dict(data.resources)
    d.committed_at, d.arrive_by, d.status = now, data.arrive_by, "committed"
    org = _org(ctx, d.organization_id)
    _step(ctx, d, "commit", org, {"resources": d.committed,
                                  "arrive_by": data.arrive_by.isoformat(), "note": data.note})
    incident = ctx.db.get(Incident, d.incident_id)
    assert incident is not None
    notify(ctx, _command_officers(ctx, incident), "emergency.commit",
           f"【承诺】{org.name}：{d.code}", _step_summary_of(d.committed), urgent=True,
           link=f"/emergency/incidents/{incident.code}")
    return _dispatch_out(ctx, d, now)


def report_dispatch(ctx: Ctx, actor: Actor, code: str, data: ReportIn) -> DispatchOut:
    """A deployment status report from the department."""
    require(actor, Permission.DISPATCH_RESPOND, organization_id=actor.organization_id)
    data = checked(ReportIn, data.model_dump())
    d = _own(ctx, actor, code)
    if d.status not in ("committed", "deployed"):
        raise Conflict(f"dispatch {code} is {d.status}: commit before reporting", "status",
                       d.status)
    d.status = "deployed" if data.status in ("on_scene", "deployed", "completed") else d.status
    org = _org(ctx, d.organization_id)
    _step(ctx, d, "report", org, {"status": data.status, "deployed": dict(data.deployed),
                                  "note": data.note})
    incident = ctx.db.get(Incident, d.incident_id)
    assert incident is not None
    notify(ctx, _command_officers(ctx, incident), "emergency.report",
           f"【报告】{org.name}：{d.code} {data.status}", _step_summary_of(dict(data.deployed)),
           urgent=True, link=f"/emergency/incidents/{incident.code}")
    return _dispatch_out(ctx, d, ctx.now())


def release_dispatch(ctx: Ctx, actor: Actor, code: str) -> DispatchOut:
    """The command centre releases the department's resources."""
    require(actor, Permission.INCIDENT_COMMAND)
    d = _visible(ctx, actor, code)
    if d.status == "released":
        raise Conflict(f"dispatch {code} was released already", "status", d.status)
    incident = ctx.db.get(Incident, d.incident_id)
    assert incident is not None
    now = ctx.now()
    d.status, d.released_at = "released", now
    _step(ctx, d, "release", _org(ctx, incident.command_org_id), {"resources": d.committed})
    notify(ctx, officers_of(ctx, d.organization_id), "emergency.release",
           f"【解除调度】{d.code}", d.task, urgent=True, link=f"/emergency/dispatches/{d.code}")
    return _dispatch_out(ctx, d, now)
