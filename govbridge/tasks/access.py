"""Who may see and do what with a campaign's tasks: the predicates the use cases enforce
and the pages ask (no page compares ids itself). No I/O: they read the actor and rows.

- Everyone with `task.read` (the bureau, auditors) sees every task; a department's
  officers (`task.read_own_org`) see their department's tasks, across every campaign.
- A campaign's leader (a user holding `task.lead`, named at creation) sees every task of
  the campaign and accepts, returns or cancels them; nobody accepts a task they
  submitted or are the officer of (four eyes). The local operator acts as any leader.
- A department's officers (`task.report_own_org`) report, submit, block and unblock
  their department's tasks; nobody else reports.
- A campaign is visible to whoever sees all, its leader, the lead department's officers
  and any department with a task in it; to anyone else it does not exist (404: its
  existence is not confirmed).
"""

from __future__ import annotations

from govbridge.core.permissions import Permission, allows
from govbridge.identity.actor import Actor
from govbridge.tasks import rules
from govbridge.tasks.models import Campaign, CampaignTask


def sees_all(actor: Actor) -> bool:
    return Permission.TASK_READ in actor.permissions


def may_read_some(actor: Actor) -> bool:
    """Whether the actor may see any task at all (applicants and clients: no)."""
    return allows(actor.permissions, Permission.TASK_READ, actor_org_id=actor.organization_id,
                  target_org_id=actor.organization_id) or Permission.TASK_LEAD in actor.permissions


def is_leader(actor: Actor, campaign: Campaign) -> bool:
    if actor.kind == "operator":
        return True
    return (actor.user_id is not None and actor.user_id == campaign.leader_user_id
            and Permission.TASK_LEAD in actor.permissions)


def sees_department(actor: Actor, organization_id: int) -> bool:
    return allows(actor.permissions, Permission.TASK_READ, actor_org_id=actor.organization_id,
                  target_org_id=organization_id)


def can_see_task(actor: Actor, campaign: Campaign, task: CampaignTask) -> bool:
    return (sees_all(actor) or is_leader(actor, campaign)
            or sees_department(actor, task.organization_id))


def can_see_campaign(actor: Actor, campaign: Campaign, task_orgs: set[int]) -> bool:
    return (sees_all(actor) or is_leader(actor, campaign)
            or sees_department(actor, campaign.lead_organization_id)
            or any(sees_department(actor, org) for org in task_orgs))


def can_report(actor: Actor, task: CampaignTask) -> bool:
    return allows(actor.permissions, Permission.TASK_REPORT, actor_org_id=actor.organization_id,
                  target_org_id=task.organization_id)


def is_own_task(actor: Actor, task: CampaignTask) -> bool:
    """The actor submitted it or is its officer: they may not accept or return it. (The
    local operator, who holds every right and the database itself, is one label for
    whoever runs the CLI; four eyes are a rule between accounts.)"""
    if actor.kind == "operator":
        return False
    return (task.submitted_by == actor.label
            or (actor.user_id is not None and actor.user_id == task.officer_user_id))


def can_decide(actor: Actor, campaign: Campaign, task: CampaignTask) -> bool:
    return is_leader(actor, campaign) and not is_own_task(actor, task)


def can_plan(actor: Actor, campaign: Campaign) -> bool:
    """Add tasks, dependencies and integrations: the leader or the bureau."""
    return is_leader(actor, campaign) or Permission.CAMPAIGN_CREATE in actor.permissions


def actions_for(actor: Actor, campaign: Campaign, task: CampaignTask) -> list[str]:
    """The actions the actor may take on the task now (the state allows them and the actor
    holds the right)."""
    def may(action: str) -> bool:
        if action in rules.DEPARTMENT_ACTIONS:
            return can_report(actor, task)
        if action in (rules.ACCEPT, rules.RETURN):
            return can_decide(actor, campaign, task)
        return action == rules.CANCEL and is_leader(actor, campaign)

    return [a for a in sorted(rules.allowed_actions(task.state)) if may(a)]
