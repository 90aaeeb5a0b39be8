"""Use cases of campaigns and tasks (督办), each `fn(ctx, actor, data)` in one transaction,
permission first (`access.py` says who; `rules.py` what the state allows; `plan.py` the
dates). Every change is audited and written to the task's timeline; the people it
concerns hear of it through `notifications.notify` in the same transaction (submitted or
blocked: the leader; accepted, returned or cancelled: the department).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from govbridge.audit.record import record
from govbridge.cases import filetypes
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission, Role, permissions_of
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization, User
from govbridge.identity.organizations import referenced_organization
from govbridge.notifications.outbox import notify, officers_of
from govbridge.runtime import Ctx
from govbridge.services.usecases import calendar as bureau_calendar
from govbridge.tasks import access, gantt, links, plan, rules, views
from govbridge.tasks.models import (
    Campaign,
    CampaignTask,
    TaskAttachment,
    TaskDependency,
    TaskEvent,
)
from govbridge.tasks.schemas import (
    ID_MAX,
    CampaignDetail,
    CampaignIn,
    CampaignOut,
    LinksIn,
    ReasonIn,
    ReportIn,
    TaskDetail,
    TaskEventOut,
    TaskIn,
    TaskOut,
)

LIST_MAX = 5000
# Codes a caller may not choose: the made-up CMP-<year>-<id> (chosen first, it made the
# later campaign's made-up code collide: a 500), and page names under /campaigns/.
MADE_UP_CODE = re.compile(r"^cmp-\d+-\d+$", re.IGNORECASE)
RESERVED_CODES = frozenset({"tasks"})
# How a notification names the leader's decision (notifications are written in Chinese,
# as the agreements' are).
DONE_WORDS = {rules.ACCEPT: "验收通过", rules.RETURN: "被退回", rules.CANCEL: "已取消"}
ATTACHMENT_MAX = 5 * 1024 * 1024  # 5 MiB per file
ATTACHMENTS_PER_REPORT = 5
_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg",
               "application/ofd": "ofd"}


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content: bytes


# ---- lookups ---------------------------------------------------------------------------


def find_campaign(ctx: Ctx, actor: Actor, code: str) -> Campaign:
    """The campaign if the actor may see it; NotFound otherwise (no existence leak)."""
    if not access.may_read_some(actor):
        require(actor, Permission.TASK_READ, organization_id=actor.organization_id)
    c = ctx.db.scalar(select(Campaign).where(Campaign.code == code.strip()))
    if c is None:
        raise NotFound("campaign", code)
    if access.sees_all(actor) or access.is_leader(actor, c):
        return c
    orgs = set(ctx.db.scalars(select(CampaignTask.organization_id).distinct()
                              .where(CampaignTask.campaign_id == c.id)))
    if not access.can_see_campaign(actor, c, orgs):
        raise NotFound("campaign", code)
    return c


def _task(ctx: Ctx, actor: Actor, task_id: int) -> tuple[CampaignTask, Campaign]:
    if not access.may_read_some(actor):
        require(actor, Permission.TASK_READ, organization_id=actor.organization_id)
    t = ctx.db.get(CampaignTask, task_id) if 0 < task_id <= ID_MAX else None
    if t is None:
        raise NotFound("task", task_id)
    c = ctx.db.get_one(Campaign, t.campaign_id)
    if not access.can_see_task(actor, c, t):
        raise NotFound("task", task_id)
    return t, c


def _user(ctx: Ctx, username: str, field: str) -> User:
    user = ctx.db.scalar(select(User).where(User.username == username.strip(),
                                            User.active.is_(True)))
    if user is None:
        raise InvalidInput.one(field, "no active user has this name", username, "unknown")
    return user


def _links(data: LinksIn) -> dict[str, str | None]:
    out = {}
    for name in ("meeting_url", "chat_url", "docs_url"):
        try:
            out[name] = links.checked_link(getattr(data, name))
        except links.LinkRefused as exc:
            raise InvalidInput.one(name, f"link refused: {exc}", None, "link") from None
    return out


def _event(ctx: Ctx, task: CampaignTask, kind: str, actor_label: str, text: str = "",
           percent: int | None = None) -> TaskEvent:
    ev = TaskEvent(task_id=task.id, at=ctx.now(), kind=kind, actor=actor_label,
                   percent=percent, text=text)
    ctx.db.add(ev)
    ctx.db.flush()
    return ev


# ---- campaigns -------------------------------------------------------------------------


def create_campaign(ctx: Ctx, actor: Actor, data: CampaignIn) -> CampaignOut:
    """A new campaign led by a department (own, for a department's officer) and a leader
    (a user of the lead department, or of the bureau, holding `task.lead`)."""
    require(actor, Permission.CAMPAIGN_CREATE, organization_id=actor.organization_id)
    data = checked(CampaignIn, data)
    if data.lead_organization_code:
        org = referenced_organization(ctx, data.lead_organization_code,
                                      "lead_organization_code")
    elif actor.organization_id is not None:
        org = ctx.db.get_one(Organization, actor.organization_id)
    else:
        raise InvalidInput.one("lead_organization_code", "name the lead department", None,
                               "required")
    require(actor, Permission.CAMPAIGN_CREATE, organization_id=org.id)
    if data.leader:
        leader = _user(ctx, data.leader, "leader")
    elif actor.user_id is not None:
        leader = ctx.db.get_one(User, actor.user_id)
    else:
        raise InvalidInput.one("leader", "name the campaign's leader", None, "required")
    if Permission.TASK_LEAD not in permissions_of({Role(r) for r in leader.roles}):
        raise InvalidInput.one("leader", "this user cannot lead a campaign (a department's "
                               "officer or the bureau can)", data.leader, "forbidden")
    if data.code and (MADE_UP_CODE.match(data.code) or data.code.lower() in RESERVED_CODES):
        raise InvalidInput.one("code", "this code is reserved (made-up codes CMP-<year>-<n> "
                               "and page names)", data.code, "reserved")
    if data.code and ctx.db.scalar(select(Campaign.id).where(Campaign.code == data.code)):
        raise Conflict("a campaign with this code exists", "code", data.code)
    c = Campaign(code=data.code or "", title=data.title.strip(),
                 description=data.description.strip(), lead_organization_id=org.id,
                 leader_user_id=leader.id, deadline=data.deadline, created_by=actor.label,
                 created_at=ctx.now(), **_links(data))
    ctx.db.add(c)
    ctx.db.flush()
    if not c.code:
        c.code = f"CMP-{data.deadline.year}-{c.id:04d}"
    record(ctx, actor, "campaign.create", "campaign", c.code,
           {"lead": org.code, "leader": leader.username, "deadline": str(data.deadline)})
    return views.campaign_detail(ctx, actor, c, [])


def list_campaigns(ctx: Ctx, actor: Actor) -> list[CampaignOut]:
    """The campaigns the actor may see, each rolled up over the tasks they may see."""
    if not access.may_read_some(actor):
        require(actor, Permission.TASK_READ, organization_id=actor.organization_id)
    camps = list(ctx.db.scalars(select(Campaign).order_by(Campaign.id)))
    tasks = list(ctx.db.scalars(select(CampaignTask).where(
        CampaignTask.campaign_id.in_([c.id for c in camps])).order_by(CampaignTask.id)))
    by_campaign: dict[int, list[CampaignTask]] = {}
    for t in tasks:
        by_campaign.setdefault(t.campaign_id, []).append(t)
    outs = []
    shown_camps = [c for c in camps if access.can_see_campaign(
        actor, c, {t.organization_id for t in by_campaign.get(c.id, [])})]
    all_outs = {o.id: o for o in views.tasks_out(ctx, [
        t for c in shown_camps for t in views.visible_tasks(actor, c, by_campaign.get(c.id, []))])}
    names = views.Names.load(ctx, {c.lead_organization_id for c in shown_camps},
                             {c.leader_user_id for c in shown_camps}, [c.id for c in shown_camps])
    for c in shown_camps:
        mine = views.visible_tasks(actor, c, by_campaign.get(c.id, []))
        outs.append(views.campaign_out(c, [all_outs[t.id] for t in mine], names, mine))
    return outs


def show_campaign(ctx: Ctx, actor: Actor, code: str) -> CampaignDetail:
    c = find_campaign(ctx, actor, code)
    tasks = list(ctx.db.scalars(select(CampaignTask).where(CampaignTask.campaign_id == c.id)
                                .order_by(CampaignTask.start, CampaignTask.id)))
    return views.campaign_detail(ctx, actor, c, tasks)


# ---- tasks -----------------------------------------------------------------------------


def create_task(ctx: Ctx, actor: Actor, data: TaskIn) -> TaskOut:
    """A task for a department; its dates on the bureau's calendar after its
    predecessors (start given earlier than they allow: refused, naming the one)."""
    if not access.may_read_some(actor):
        require(actor, Permission.TASK_LEAD)
    data = checked(TaskIn, data)
    c = find_campaign(ctx, actor, data.campaign)
    if not access.can_plan(actor, c):
        raise PermissionDenied(Permission.TASK_LEAD.value,
                               "only the campaign's leader or the bureau adds tasks")
    org = referenced_organization(ctx, data.organization_code, "organization_code")
    officer = None
    if data.officer:
        officer = _user(ctx, data.officer, "officer")
        if officer.organization_id != org.id:
            raise InvalidInput.one("officer", "the officer must belong to the owning "
                                   "department", data.officer, "forbidden")
    if data.parent is not None:
        parent = ctx.db.get(CampaignTask, data.parent)
        if parent is None or parent.campaign_id != c.id:
            raise InvalidInput.one("parent", "no task of this campaign has this id",
                                   data.parent, "unknown")
    cal = bureau_calendar(ctx)
    earliest, binding = plan.first_working_day(views.today_of(ctx), cal), None
    if data.start is not None:
        earliest = plan.first_working_day(data.start, cal)
    for i, dep in enumerate(data.depends_on):
        pred = ctx.db.get(CampaignTask, dep.task)
        if pred is None or pred.campaign_id != c.id:
            raise InvalidInput.one(f"depends_on.{i}.task", "no task of this campaign has "
                                   "this id", dep.task, "unknown")
        allowed = plan.earliest_start_after(pred.due, dep.lag, cal)
        if data.start is not None and allowed > earliest:
            raise InvalidInput.one("start", f"task {pred.id} ({pred.title}) is due "
                                   f"{pred.due}; with a lag of {dep.lag} working days this "
                                   f"task may start on {allowed} at the earliest",
                                   str(data.start), "dependency")
        if allowed > earliest:
            earliest, binding = allowed, pred
    due = plan.due_of(earliest, data.working_days, cal)
    if due > c.deadline:
        raise InvalidInput.one("working_days", f"the task would be due {due}, after the "
                               f"campaign's deadline {c.deadline}"
                               + (f" (it starts after task {binding.id})" if binding else ""),
                               data.working_days, "deadline")
    now = ctx.now()
    t = CampaignTask(campaign_id=c.id, parent_id=data.parent, title=data.title.strip(),
                     organization_id=org.id, officer_user_id=officer.id if officer else None,
                     start=earliest, due=due, working_days=data.working_days,
                     weight=data.weight, state=rules.NOT_STARTED, progress=0,
                     created_at=now, updated_at=now, **_links(data))
    ctx.db.add(t)
    ctx.db.flush()
    seen = set()
    for dep in data.depends_on:
        if dep.task not in seen:
            seen.add(dep.task)
            ctx.db.add(TaskDependency(successor_id=t.id, predecessor_id=dep.task,
                                      lag_days=dep.lag))
    _event(ctx, t, "created", actor.label, f"{t.start} 开始，{due} 到期")
    record(ctx, actor, "task.create", "task", t.id,
           {"campaign": c.code, "department": org.code, "due": str(due)})
    return views.tasks_out(ctx, [t])[0]


def add_dependency(ctx: Ctx, actor: Actor, successor: int, predecessor: int,
                   lag: int = 0) -> TaskOut:
    """Make `successor` wait for `predecessor` (finish-to-start, `lag` working days); a
    dependency closing a cycle is refused, naming the cycle."""
    t, c = _task(ctx, actor, successor)
    if not access.can_plan(actor, c):
        raise PermissionDenied(Permission.TASK_LEAD.value,
                               "only the campaign's leader or the bureau plans tasks")
    pred = ctx.db.get(CampaignTask, predecessor) if 0 < predecessor <= ID_MAX else None
    if pred is None or pred.campaign_id != c.id:
        raise InvalidInput.one("predecessor", "no task of this campaign has this id",
                               predecessor, "unknown")
    if not 0 <= lag <= 250:
        raise InvalidInput.one("lag", "between 0 and 250 working days", lag, "range")
    edges = [(a, b) for a, b in ctx.db.execute(
        select(TaskDependency.predecessor_id, TaskDependency.successor_id)
        .join(CampaignTask, CampaignTask.id == TaskDependency.successor_id)
        .where(CampaignTask.campaign_id == c.id))]
    cycle = plan.find_cycle([*edges, (predecessor, successor)])
    if cycle is not None:
        raise Conflict("this dependency would close a cycle: "
                       + " → ".join(f"task {n}" for n in cycle), "predecessor", predecessor)
    row = ctx.db.get(TaskDependency, (successor, predecessor))
    if row is None:
        ctx.db.add(TaskDependency(successor_id=successor, predecessor_id=predecessor,
                                  lag_days=lag))
    else:
        row.lag_days = lag
    ctx.db.flush()
    record(ctx, actor, "task.depend", "task", successor, {"after": predecessor, "lag": lag})
    return views.tasks_out(ctx, [t])[0]


def list_tasks(ctx: Ctx, actor: Actor, *, campaign: str | None = None,
               department: str | None = None, state: str | None = None) -> list[TaskOut]:
    """Tasks the actor may see (a department's officers: their own, across campaigns)."""
    if not access.may_read_some(actor):
        require(actor, Permission.TASK_READ, organization_id=actor.organization_id)
    stmt = select(CampaignTask).order_by(CampaignTask.due, CampaignTask.id).limit(LIST_MAX)
    if campaign:
        stmt = stmt.where(CampaignTask.campaign_id == find_campaign(ctx, actor, campaign).id)
    if department:
        org = referenced_organization(ctx, department, "department")
        stmt = stmt.where(CampaignTask.organization_id == org.id)
    if state:
        if state not in rules.STATES:
            raise InvalidInput.one("state", "one of " + ", ".join(rules.STATES), state)
        stmt = stmt.where(CampaignTask.state == state)
    if not access.sees_all(actor):
        led = select(Campaign.id).where(Campaign.leader_user_id == (actor.user_id or -1))
        if access.sees_department(actor, actor.organization_id or -1):
            own = CampaignTask.organization_id == actor.organization_id
            stmt = stmt.where(own | CampaignTask.campaign_id.in_(led))
        elif actor.kind != "operator":
            stmt = stmt.where(CampaignTask.campaign_id.in_(led))
    return views.tasks_out(ctx, list(ctx.db.scalars(stmt)))


def show_task(ctx: Ctx, actor: Actor, task_id: int) -> TaskDetail:
    t, c = _task(ctx, actor, task_id)
    out = views.tasks_out(ctx, [t])[0]
    all_tasks = list(ctx.db.scalars(select(CampaignTask).where(
        CampaignTask.campaign_id == c.id)))
    edges = [(a, b, lag) for a, b, lag in ctx.db.execute(
        select(TaskDependency.predecessor_id, TaskDependency.successor_id,
               TaskDependency.lag_days)
        .join(CampaignTask, CampaignTask.id == TaskDependency.successor_id)
        .where(CampaignTask.campaign_id == c.id))]
    cpm, _ = views.schedule_of(all_tasks, edges, bureau_calendar(ctx))
    events = list(ctx.db.scalars(select(TaskEvent).where(TaskEvent.task_id == t.id)
                                 .order_by(TaskEvent.at, TaskEvent.id)))
    files: dict[int, list[TaskAttachment]] = {}
    for f in ctx.db.scalars(select(TaskAttachment).where(
            TaskAttachment.event_id.in_([e.id for e in events])).order_by(TaskAttachment.id)):
        files.setdefault(f.event_id, []).append(f)
    timeline = [TaskEventOut(at=e.at, kind=e.kind, actor=e.actor, percent=e.percent,
                             text=e.text, attachments=[
                                 {"id": f.id, "filename": f.filename,
                                  "media_type": f.media_type, "size": f.size}
                                 for f in files.get(e.id, [])]) for e in events]
    return TaskDetail(**out.model_dump(), critical=t.id in cpm.tasks,
                      actions=access.actions_for(actor, c, t), timeline=timeline)


def attachment(ctx: Ctx, actor: Actor, task_id: int, attachment_id: int) -> TaskAttachment:
    """A report's file, for whoever may see the task."""
    t, _c = _task(ctx, actor, task_id)
    f = ctx.db.get(TaskAttachment, attachment_id) if 0 < attachment_id <= ID_MAX else None
    if f is None or ctx.db.get_one(TaskEvent, f.event_id).task_id != t.id:
        raise NotFound("attachment", attachment_id)
    return f


def _open_predecessors(ctx: Ctx, task: CampaignTask) -> list[CampaignTask]:
    return list(ctx.db.scalars(
        select(CampaignTask).join(TaskDependency,
                                  TaskDependency.predecessor_id == CampaignTask.id)
        .where(TaskDependency.successor_id == task.id,
               CampaignTask.state.not_in(rules.FINAL)).order_by(CampaignTask.id)))


def _checked_uploads(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    if len(uploads) > ATTACHMENTS_PER_REPORT:
        raise InvalidInput.one("attachments", f"at most {ATTACHMENTS_PER_REPORT} files",
                               len(uploads), "too_many")
    out = []
    for i, up in enumerate(uploads):
        where = f"attachments.{i}"
        if not up.content:
            raise InvalidInput.one(where, "the file is empty", None, "empty")
        if len(up.content) > ATTACHMENT_MAX:
            raise InvalidInput.one(where, f"at most {ATTACHMENT_MAX // (1024 * 1024)} MiB",
                                   len(up.content), "too_large")
        try:
            kind = filetypes.identify(up.content)  # the whole file's structure, not a guess
        except filetypes.NotAccepted as exc:
            raise InvalidInput.one(where, exc.reason, None, exc.code) from None
        out.append((up, kind))
    return out


def _notify_department(ctx: Ctx, t: CampaignTask, kind: str, subject: str, body: str) -> None:
    who = [t.officer_user_id] if t.officer_user_id else officers_of(ctx, t.organization_id)
    notify(ctx, who, kind, subject, body, link=f"/campaign-tasks/{t.id}")


def act(ctx: Ctx, actor: Actor, task_id: int, action: str, data: ReasonIn | None = None,
        report: ReportIn | None = None, uploads: list[Upload] | None = None) -> TaskDetail:
    """Move a task: start, report, submit, block, unblock (the department), accept,
    return, cancel (the leader). A reason is needed to return, block or cancel."""
    t, c = _task(ctx, actor, task_id)
    if action in rules.DEPARTMENT_ACTIONS:
        require(actor, Permission.TASK_REPORT, organization_id=t.organization_id)
    elif action in (rules.ACCEPT, rules.RETURN):
        if not access.is_leader(actor, c):
            raise PermissionDenied(Permission.TASK_LEAD.value,
                                   "only the campaign's leader accepts or returns its tasks")
        if access.is_own_task(actor, t):
            raise PermissionDenied(Permission.TASK_LEAD.value,
                                   "nobody accepts or returns a task they submitted or are "
                                   "the officer of")
    elif action == rules.CANCEL:
        if not access.is_leader(actor, c):
            raise PermissionDenied(Permission.TASK_LEAD.value,
                                   "only the campaign's leader cancels its tasks")
    else:
        raise InvalidInput.one("action", "one of " + ", ".join(sorted(rules.TRANSITIONS)),
                               action)
    reason = checked(ReasonIn, data or {}).reason.strip()
    report = checked(ReportIn, report) if report is not None else None
    files = _checked_uploads(uploads or [])
    if action in rules.NEEDS_REASON and not reason:
        raise InvalidInput.one("reason", f"say why the task is {action}ed", None, "required")
    try:
        new_state = rules.next_state(t.state, action)
    except rules.TransitionRefused as exc:
        raise Conflict(str(exc), "state", t.state) from None
    if action in rules.BEGINS_WORK and t.state in (rules.NOT_STARTED, rules.BLOCKED):
        waiting = _open_predecessors(ctx, t)
        if waiting:
            # A predecessor of another department is named by id only: its title and
            # state are not the actor's to read (access.can_see_task).
            raise Conflict("it waits for " + ", ".join(
                f"task {p.id} ({p.title}, {p.state})" if access.can_see_task(actor, c, p)
                else f"task {p.id} (another department's)" for p in waiting),
                "state", t.state)
    percent = report.percent if report else None
    text = report.text.strip() if report else reason
    t.progress = rules.progress_after(action, t.progress, percent)
    t.state = new_state
    t.updated_at = ctx.now()
    if action in rules.NEEDS_REASON:
        t.reason = reason
    elif action in (rules.UNBLOCK, rules.SUBMIT, rules.ACCEPT):
        t.reason = None
    if action == rules.SUBMIT:
        t.submitted_by = actor.label
    ev = _event(ctx, t, action, actor.label, text, percent)
    _roll_up_parents(ctx, t)
    for up, kind in files:
        fallback = f"file.{_EXTENSIONS[kind]}"
        ctx.db.add(TaskAttachment(
            event_id=ev.id, filename=filetypes.safe_filename(up.filename, fallback),
            media_type=kind, size=len(up.content),
            sha256=hashlib.sha256(up.content).hexdigest(), content=up.content))
    record(ctx, actor, f"task.{action}", "task", t.id,
           {"state": new_state, "progress": t.progress, "files": len(files)})
    if action == rules.SUBMIT:
        notify(ctx, [c.leader_user_id], "task.submitted", f"督办任务待验收：{t.title}",
               f"「{c.title}」任务 #{t.id}「{t.title}」已提交验收（进度 {t.progress}%）。",
               link=f"/campaign-tasks/{t.id}")
    elif action == rules.BLOCK:
        notify(ctx, [c.leader_user_id], "task.blocked", f"督办任务受阻：{t.title}",
               f"「{c.title}」任务 #{t.id}「{t.title}」受阻。原因：{reason}",
               link=f"/campaign-tasks/{t.id}")
    elif action in (rules.ACCEPT, rules.RETURN, rules.CANCEL):
        _notify_department(ctx, t, f"task.{action}", f"督办任务{DONE_WORDS[action]}：{t.title}",
                           f"「{c.title}」任务 #{t.id}「{t.title}」{DONE_WORDS[action]}。"
                           + (f"原因：{reason}" if reason else ""))
    ctx.db.flush()
    return show_task(ctx, actor, t.id)


def _roll_up_parents(ctx: Ctx, task: CampaignTask) -> None:
    """Keep each ancestor's progress the weighted roll-up of its children (rules.rollup_tree),
    so lists, lateness and reminders of a parent task read its subtree's progress."""
    parent_id = task.parent_id
    while parent_id is not None:
        parent = ctx.db.get_one(CampaignTask, parent_id)
        kids = list(ctx.db.scalars(select(CampaignTask).where(
            CampaignTask.parent_id == parent.id)))
        tree = rules.rollup_tree(views.rollup_rows([parent, *kids]))
        parent.progress = min(100, round(tree[parent.id]))
        if parent.state == rules.NOT_STARTED and parent.progress > 0:
            parent.state = rules.IN_PROGRESS
        parent_id = parent.parent_id


def report_progress(ctx: Ctx, actor: Actor, task_id: int, data: ReportIn,
                    uploads: list[Upload] | None = None) -> TaskDetail:
    """A progress report (percent, text, files); `submit` also submits it."""
    data = checked(ReportIn, data)
    t, _c = _task(ctx, actor, task_id)
    if data.submit:
        if t.state in (rules.NOT_STARTED,):
            act(ctx, actor, task_id, rules.REPORT, report=data.model_copy(update={"text": ""}))
        return act(ctx, actor, task_id, rules.SUBMIT, report=data, uploads=uploads)
    return act(ctx, actor, task_id, rules.REPORT, report=data, uploads=uploads)


def count_open(ctx: Ctx) -> int:
    return ctx.db.scalar(select(func.count()).select_from(CampaignTask).where(
        CampaignTask.state.not_in(rules.FINAL))) or 0


def gantt_svg(ctx: Ctx, actor: Actor, code: str, words: dict[str, str] | None = None) -> str:
    """The campaign's Gantt chart (the tasks the actor may see) as SVG text."""
    c = find_campaign(ctx, actor, code)
    tasks = views.visible_tasks(actor, c, list(ctx.db.scalars(
        select(CampaignTask).where(CampaignTask.campaign_id == c.id)
        .order_by(CampaignTask.start, CampaignTask.id))))
    outs = {o.id: o for o in views.tasks_out(ctx, tasks)}
    edges = [(d.task, o.id, d.lag) for o in outs.values() for d in o.depends_on]
    cpm, _ = views.schedule_of(tasks, edges, bureau_calendar(ctx))
    children: dict[int | None, list[CampaignTask]] = {}
    for t in tasks:
        parent = t.parent_id if t.parent_id in outs else None
        children.setdefault(parent, []).append(t)
    ordered: list[tuple[CampaignTask, int]] = []
    stack = [(t, 0) for t in reversed(children.get(None, []))]
    while stack:  # parents before their children, each level by start day
        t, depth = stack.pop()
        ordered.append((t, depth))
        stack.extend((k, depth + 1) for k in reversed(children.get(t.id, [])))
    bars = [gantt.Bar(t.id, f"#{t.id} {t.title}", outs[t.id].department_name, t.start, t.due,
                      t.progress, rules.CANCELLED if t.state == rules.CANCELLED
                      else outs[t.id].status, t.id in cpm.tasks, depth)
            for t, depth in ordered]
    return gantt.render(f"{c.code} {c.title}", bars, [(a, b) for a, b, _lag in edges],
                        cpm.edges, views.today_of(ctx), words or gantt.WORDS)
