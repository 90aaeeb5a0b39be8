"""Who hears what about a case, through the notification outbox (`notifications.notify`, in
the case's own transaction, so a notice exists exactly when the change it reports does).

- The applicant (the user whose subject id is the case's applicant) hears every change of
  their case they must know or act on: accepted (受理), not accepted, returned for
  correction (补正), refused, completed — with the reason or opinion given, linked to
  their case page.
- The departments that must act hear the scheduler's once-only marks: the 80 % reminder
  goes to the approvers of the departments whose tasks are ready (or the lead
  department's clerks while the case is not yet in the back office); the overdue
  escalation goes to the same people and is urgent (it cannot be muted).

What staff are told never names the applicant or their ID: a department may route its
notifications to its own IM through a webhook, outside govbridge's access control, so a
staff notice carries the case code, the item and the promised date only; the page it
links to shows the rest to whoever may see it.
"""

from __future__ import annotations

from sqlalchemy import select

from govbridge.cases.models import Case
from govbridge.core.permissions import Role
from govbridge.identity.models import User
from govbridge.identity.organizations import org_by_code
from govbridge.notifications.outbox import notify, officers_of
from govbridge.runtime import Ctx
from govbridge.services import usecases as services
from govbridge.services.engine import ProcessRun

# State reached -> (kind, what the applicant is told); {reason} is the reason given.
APPLICANT_NOTICES: dict[str, tuple[str, str, str]] = {
    "accepted": ("case.accepted", "您的申请 {code} 已受理",
                 "「{item}」已受理，承诺办结日期 {due}。"),
    "not_accepted": ("case.not_accepted", "您的申请 {code} 不予受理",
                     "「{item}」不予受理，理由：{reason}"),
    "returned": ("case.returned", "您的申请 {code} 需要补正材料",
                 "「{item}」需要补正：{reason}。补正期间办理时限中止，请在申请页面上传。"),
    "refused": ("case.refused", "您的申请 {code} 未予批准", "「{item}」未予批准，理由：{reason}"),
    "completed": ("case.completed", "您的申请 {code} 已办结",
                  "「{item}」已办结，结果与电子证照可在申请页面查看。"),
}


def _applicant_user(ctx: Ctx, case: Case) -> list[int]:
    user_id = ctx.db.scalar(select(User.id).where(User.subject_id == case.applicant_id,
                                                  User.active.is_(True)))
    return [user_id] if user_id is not None else []


def tell_applicant(ctx: Ctx, case: Case, event: str) -> None:
    """Tell the applicant their case reached `event` (a key of APPLICANT_NOTICES; others
    are not theirs to hear). An applicant without an account here hears nothing, and the
    item is read only when someone will be told."""
    notice = APPLICANT_NOTICES.get(event)
    recipients = _applicant_user(ctx, case) if notice is not None else []
    if notice is None or not recipients:
        return
    kind, subject, body = notice
    item_name = services.find_item(ctx, case.item_code).name
    words = {"code": case.code, "item": item_name, "reason": case.reason or "",
             "due": case.promised_due.isoformat() if case.promised_due else "—"}
    notify(ctx, recipients, kind, subject.format(**words),
           body.format(**words), link=f"/my/cases/{case.code}")


def _acting_staff(ctx: Ctx, case: Case, run: ProcessRun | None, lead_org_id: int) -> list[int]:
    """Approvers of the departments with a ready task, else the lead department's clerks."""
    departments = {t.department for t in (run.ready_tasks() if run else []) if t.department}
    users: list[int] = []
    for code in sorted(departments):
        org = org_by_code(ctx, code)
        if org is not None:
            users += officers_of(ctx, org.id, Role.APPROVER)
    return users or officers_of(ctx, lead_org_id, Role.CLERK)


def tell_departments(ctx: Ctx, case: Case, run: ProcessRun | None, *, overdue: bool) -> None:
    """The scheduler's reminder (at 80 % of the limit) or escalation (overdue, urgent);
    `run`: the case's process run as the scheduler holds it (None before the back office)."""
    item = services.find_item(ctx, case.item_code)
    due = case.promised_due.isoformat() if case.promised_due else "—"
    if overdue:
        kind, subject = "case.overdue", f"办件 {case.code} 已超期"
        body = f"「{item.name}」承诺办结日期 {due} 已过，请立即办理。"
    else:
        kind, subject = "case.reminder", f"办件 {case.code} 临近办理时限"
        body = f"「{item.name}」承诺办结日期 {due}，已用去八成时限。"
    link = f"/tasks/{case.code}" if case.state == "in_progress" else f"/desk/cases/{case.code}"
    notify(ctx, _acting_staff(ctx, case, run, item.lead_org_id), kind, subject, body,
           urgent=overdue, link=link)
