"""The reminder and escalation round over open tasks, once each, and its thread in the
server (`TaskScheduler`, every `GOVBRIDGE_TASK_REMIND_SECONDS`; `govbridge task remind`
runs one round by hand).

A round reads the open tasks due within `rules.REMIND_BEFORE_DAYS` working days (one
range scan of `ix_campaign_tasks_open`; tasks due later are not read), and the stages
already sent for them; for each stage now due and not yet sent it writes one
`TaskEscalation` row (unique per task and stage: a second round, or a second process,
sends nothing again), a timeline entry, and an audit event. People get one notification
per stage and group of recipients (a department with 40 tasks due hears once, listing
them), through `notifications.notify` in the same transaction: the owner before the due
day, the department's head (its data officers, the department's accountable officers
on the platform) on it, the campaign's leader after it, urgent (cannot be muted).

Rows are written with bulk INSERTs (the ORM's unit of work costs ~10× more per row at
100,000 tasks; `govbridge bench tasks` measures the round against plain row reads).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import insert, select, text

from govbridge.agreements.workdays import add_working_days
from govbridge.audit.models import AuditEvent
from govbridge.core.periodic import Periodic
from govbridge.notifications.outbox import notify, officers_of
from govbridge.runtime import Ctx, Runtime
from govbridge.services.usecases import calendar as bureau_calendar
from govbridge.storage.writer_lock import hold_sqlite_writer
from govbridge.tasks import rules
from govbridge.tasks.models import Campaign, CampaignTask, TaskEscalation, TaskEvent
from govbridge.tasks.schemas import RemindReport
from govbridge.tasks.views import today_of

log = logging.getLogger("govbridge.tasks.remind")
SCHEDULER = "system:task-scheduler"
LISTED_MAX = 20  # tasks named in one notification's body; the rest are counted
LOCK_KEY = 0x6762_7461_736B  # "gbtask": the PostgreSQL advisory lock of the round

# Written in Chinese, as the other domains' notifications are.
_SUBJECT = {
    rules.BEFORE: "督办提醒：{n} 项任务将在 {days} 个工作日内到期",
    rules.DUE: "督办提醒：本部门 {n} 项任务已到期",
    rules.OVERDUE: "督办升级：所牵头专项工作 {n} 项任务已逾期",
}
_WHAT = {rules.BEFORE: "到期前提醒责任人", rules.DUE: "到期提醒部门负责人",
         rules.OVERDUE: "逾期升级至牵头领导"}
_KIND = {rules.BEFORE: "task.reminder", rules.DUE: "task.due", rules.OVERDUE: "task.overdue"}


def remind_round(ctx: Ctx) -> RemindReport:
    """One round (see the module text); what it examined and sent. Rounds take turns: a
    transaction-scoped lock (PostgreSQL advisory lock; SQLite: this process's writer lock,
    and SQLite's own for other processes) is taken before anything is read, so a second
    round, in another thread or server process, reads what the first sent and sends
    nothing again (the unique (task, stage) row is the last guard)."""
    _take_turn(ctx)
    cal, today = bureau_calendar(ctx), today_of(ctx)
    horizon = add_working_days(today, rules.REMIND_BEFORE_DAYS, cal)
    open_states = sorted(rules.OPEN)
    rows = ctx.db.execute(
        select(CampaignTask.id, CampaignTask.due, CampaignTask.state,
               CampaignTask.organization_id, CampaignTask.officer_user_id,
               CampaignTask.campaign_id, CampaignTask.title)
        .where(CampaignTask.state.in_(open_states), CampaignTask.due <= horizon)
        .order_by(CampaignTask.due, CampaignTask.id)).all()
    report = RemindReport(examined=len(rows))
    if not rows:
        return report
    sent = {(t, s) for t, s in ctx.db.execute(
        select(TaskEscalation.task_id, TaskEscalation.stage)
        .join(CampaignTask, CampaignTask.id == TaskEscalation.task_id)
        .where(CampaignTask.state.in_(open_states), CampaignTask.due <= horizon))}
    leaders = {c: u for c, u in ctx.db.execute(select(Campaign.id, Campaign.leader_user_id))}
    heads: dict[int, tuple[int, ...]] = {}

    def department(org: int) -> tuple[int, ...]:
        if org not in heads:
            heads[org] = tuple(officers_of(ctx, org))
        return heads[org]

    groups: dict[tuple[str, tuple[int, ...]], list] = defaultdict(list)
    for row in rows:
        for stage in rules.reminder_stages(row.state, row.due, today, cal):
            if (row.id, stage) in sent:
                continue
            if stage == rules.BEFORE:
                who = (row.officer_user_id,) if row.officer_user_id else department(
                    row.organization_id)
            elif stage == rules.DUE:
                who = department(row.organization_id)
            else:
                who = (leaders[row.campaign_id],)
            groups[(stage, who)].append(row)
    now = ctx.now()
    escalations, events, audits = [], [], []
    for (stage, who), tasks in groups.items():
        link = f"/campaign-tasks/{tasks[0].id}" if len(tasks) == 1 else "/campaigns/tasks"
        note = notify(ctx, who, _KIND[stage], _subject(stage, len(tasks)), _body(tasks),
                      urgent=stage == rules.OVERDUE, link=link)
        setattr(report, stage, getattr(report, stage) + len(tasks))
        report.notifications += note is not None
        what = "reminder" if stage == rules.BEFORE else "escalation"
        for t in tasks:
            escalations.append({"task_id": t.id, "stage": stage, "due": t.due, "sent_at": now,
                                "recipients": len(who),
                                "notification_id": note.id if note else None})
            events.append({"task_id": t.id, "at": now, "kind": what, "actor": SCHEDULER,
                           "percent": None, "text": f"{_WHAT[stage]}（{len(who)} 人）"})
            audits.append({"at": now, "actor": SCHEDULER, "action": f"task.{what}",
                           "target_type": "task", "target_id": str(t.id), "outcome": "ok",
                           "details": {"stage": stage, "due": str(t.due),
                                       "recipients": len(who)}})
    if escalations:
        ctx.db.execute(insert(TaskEscalation), escalations)
        ctx.db.execute(insert(TaskEvent), events)
        ctx.db.execute(insert(AuditEvent), audits)
    return report


def _take_turn(ctx: Ctx) -> None:
    if ctx.db.get_bind().dialect.name == "postgresql":
        ctx.db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        hold_sqlite_writer(ctx.db)


def _subject(stage: str, n: int) -> str:
    return _SUBJECT[stage].format(n=n, days=rules.REMIND_BEFORE_DAYS)


def _body(tasks: Iterable) -> str:
    items = list(tasks)
    lines = [f"#{t.id} {t.title}（{t.due} 到期）" for t in items[:LISTED_MAX]]
    if len(items) > LISTED_MAX:
        lines.append(f"……另有 {len(items) - LISTED_MAX} 项")
    return "\n".join(lines)


class TaskScheduler(Periodic):
    """One `remind_round` per interval until stopped."""

    def __init__(self, rt: Runtime, interval: float) -> None:
        self.rt = rt
        super().__init__("task scheduler", interval, self.run_once, log)

    def run_once(self) -> RemindReport:
        with self.rt.context() as ctx:
            report = remind_round(ctx)
        if report.before or report.due or report.overdue:
            log.info("tasks: %d reminded, %d escalated to departments, %d to leaders",
                     report.before, report.due, report.overdue)
        return report
