"""Reading campaigns and tasks for a viewer: the rows loaded in a few statements (a
campaign's tasks, their dependencies, names of departments and users in one go) and
turned into the typed results, with lateness, roll-ups and the critical path from the
pure rules. Filtering by what the viewer may see happens here, before anything is
counted, so a total never reveals tasks the viewer cannot open."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from govbridge.agreements.workdays import Calendar
from govbridge.core.timezone import LOCAL_TZ
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization, User
from govbridge.runtime import Ctx
from govbridge.services.usecases import calendar as bureau_calendar
from govbridge.tasks import access, plan, rules
from govbridge.tasks.models import Campaign, CampaignTask, TaskDependency
from govbridge.tasks.schemas import (
    CampaignDetail,
    CampaignOut,
    DepartmentProgress,
    DependencyOut,
    TaskOut,
)


@dataclass
class Names:
    """Codes and names of departments, user names, campaign codes: loaded once per read."""

    org_code: dict[int, str]
    org_name: dict[int, str]
    users: dict[int, str]
    campaigns: dict[int, str]

    @classmethod
    def load(cls, ctx: Ctx, org_ids: Iterable[int], user_ids: Iterable[int],
             campaign_ids: Iterable[int]) -> Names:
        orgs = {o: (c, n) for o, c, n in ctx.db.execute(
            select(Organization.id, Organization.code, Organization.name)
            .where(Organization.id.in_(set(org_ids))))}
        users = {i: n for i, n in ctx.db.execute(
            select(User.id, User.username).where(User.id.in_(set(user_ids))))}
        camps = {i: c for i, c in ctx.db.execute(
            select(Campaign.id, Campaign.code).where(Campaign.id.in_(set(campaign_ids))))}
        return cls({k: v[0] for k, v in orgs.items()}, {k: v[1] for k, v in orgs.items()},
                   users, camps)


def today_of(ctx: Ctx) -> date:
    """The bureau's day (China Standard Time), not UTC's."""
    return ctx.now().astimezone(LOCAL_TZ).date()


def dependencies_of(ctx: Ctx, task_ids: Sequence[int]) -> dict[int, list[DependencyOut]]:
    out: dict[int, list[DependencyOut]] = {}
    if not task_ids:
        return out
    for succ, pred, lag in ctx.db.execute(
            select(TaskDependency.successor_id, TaskDependency.predecessor_id,
                   TaskDependency.lag_days)
            .where(TaskDependency.successor_id.in_(task_ids))
            .order_by(TaskDependency.successor_id, TaskDependency.predecessor_id)):
        out.setdefault(succ, []).append(DependencyOut(task=pred, lag=lag))
    return out


def task_out(t: CampaignTask, names: Names, deps: list[DependencyOut], today: date,
             cal: Calendar) -> TaskOut:
    return TaskOut(
        id=t.id, campaign=names.campaigns[t.campaign_id], title=t.title,
        department=names.org_code[t.organization_id],
        department_name=names.org_name[t.organization_id],
        officer=names.users.get(t.officer_user_id) if t.officer_user_id else None,
        parent=t.parent_id, state=t.state, start=t.start, due=t.due,  # type: ignore[arg-type]
        working_days=t.working_days, weight=t.weight, progress=t.progress,
        late=rules.is_late(t.state, t.due, today),
        status=rules.lateness(t.state, t.start, t.due, t.working_days, t.progress,  # type: ignore[arg-type]
                              today, cal),
        reason=t.reason, depends_on=deps, meeting_url=t.meeting_url, chat_url=t.chat_url,
        docs_url=t.docs_url)


def tasks_out(ctx: Ctx, tasks: Sequence[CampaignTask]) -> list[TaskOut]:
    cal, today = bureau_calendar(ctx), today_of(ctx)
    names = Names.load(ctx, {t.organization_id for t in tasks},
                       {t.officer_user_id for t in tasks if t.officer_user_id},
                       {t.campaign_id for t in tasks})
    deps = dependencies_of(ctx, [t.id for t in tasks])
    return [task_out(t, names, deps.get(t.id, []), today, cal) for t in tasks]


def rollup_rows(tasks: Iterable[CampaignTask]) -> list[rules.RollupTask]:
    return [rules.RollupTask(t.id, t.parent_id, t.organization_id, t.weight, t.state,
                             t.progress) for t in tasks]


def campaign_out(c: Campaign, visible: Sequence[TaskOut], names: Names,
                 rows: Sequence[CampaignTask]) -> CampaignOut:
    return CampaignOut(
        code=c.code, title=c.title, description=c.description,
        lead_organization_code=names.org_code[c.lead_organization_id],
        lead_organization_name=names.org_name[c.lead_organization_id],
        leader=names.users.get(c.leader_user_id, ""), deadline=c.deadline,
        meeting_url=c.meeting_url, chat_url=c.chat_url, docs_url=c.docs_url,
        progress=round(rules.rollup_total(rollup_rows(rows)), 1), tasks=len(visible),
        late=sum(1 for t in visible if t.late),
        at_risk=sum(1 for t in visible if t.status == rules.AT_RISK))


def visible_tasks(actor: Actor, campaign: Campaign, tasks: Sequence[CampaignTask]
                  ) -> list[CampaignTask]:
    return [t for t in tasks if access.can_see_task(actor, campaign, t)]


def schedule_of(tasks: Sequence[CampaignTask], edges: Sequence[tuple[int, int, int]],
                cal: Calendar) -> tuple[plan.CriticalPath, plan.WorkdayOrdinals | None]:
    """The critical path of `tasks` (edges between them only) and the ordinals used. A
    task with subtasks is a summary of them, not work of its own: it is left out, as CPM
    leaves out summary tasks (its 150-day span would otherwise be "the" critical path)."""
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    tasks = [t for t in tasks if t.id not in parents]
    if not tasks:
        return plan.critical_path([], []), None
    ordinals = plan.WorkdayOrdinals(min(t.start for t in tasks), max(t.due for t in tasks),
                                    cal)
    ids = {t.id for t in tasks}
    inside = [(a, b, lag) for a, b, lag in edges if a in ids and b in ids]
    cpm = plan.critical_path(
        [plan.PlanTask(t.id, ordinals.of(t.start), t.working_days) for t in tasks], inside)
    return cpm, ordinals


def campaign_detail(ctx: Ctx, actor: Actor, c: Campaign, all_tasks: Sequence[CampaignTask]
                    ) -> CampaignDetail:
    cal = bureau_calendar(ctx)
    shown = visible_tasks(actor, c, all_tasks)
    outs = tasks_out(ctx, shown)
    names = Names.load(ctx, {c.lead_organization_id} | {t.organization_id for t in shown},
                       {c.leader_user_id}, {c.id})
    base = campaign_out(c, outs, names, shown)
    rows = rollup_rows(shown)
    by_org = rules.rollup_by_department(rows)
    departments = []
    for org_id, value in sorted(by_org.items(), key=lambda kv: names.org_code[kv[0]]):
        mine = [o for o, t in zip(outs, shown, strict=True) if t.organization_id == org_id]
        departments.append(DepartmentProgress(
            department=names.org_code[org_id], department_name=names.org_name[org_id],
            progress=round(value, 1), tasks=len(mine), late=sum(1 for o in mine if o.late),
            at_risk=sum(1 for o in mine if o.status == rules.AT_RISK)))
    edges = [(d.task, o.id, d.lag) for o in outs for d in o.depends_on]
    cpm, ordinals = schedule_of(shown, edges, cal)
    projected = ordinals.day(cpm.finish) if ordinals is not None else None
    return CampaignDetail(
        **base.model_dump(), task_list=outs,
        rollup={k: round(v, 1) for k, v in rules.rollup_tree(rows).items()},
        departments=departments,
        critical_path=[n for n in cpm.order if n in cpm.tasks],
        projected_finish=projected, is_leader=access.is_leader(actor, c))
