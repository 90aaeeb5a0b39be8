"""The outbox: `notify(ctx, recipients, kind, subject, body, ...)`, called by other use
cases with their own `ctx`, so the notification commits or rolls back with the change
that causes it (a refused change says nothing; a committed one is never forgotten).

It writes the message, one inbox row per recipient (the in-app channel), and one
delivery row per outward channel and target the recipients' preferences allow (urgent:
every channel): an e-mail per recipient with an address (when SMTP is configured), a
webhook per active endpoint of a recipient's department. Nothing leaves the process
here; the dispatcher (dispatcher.py) sends after commit. Recipients are user ids;
`officers_of` and `user_named` find them for producers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from govbridge.core.permissions import Role
from govbridge.identity.models import User, UserRole
from govbridge.notifications import rules
from govbridge.notifications.models import (
    Delivery,
    InboxItem,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from govbridge.runtime import Ctx

SUBJECT_MAX = 200


def officers_of(ctx: Ctx, organization_id: int, role: Role = Role.DATA_OFFICER) -> list[int]:
    """Ids of the active users holding `role` in a department."""
    return list(ctx.db.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(User.organization_id == organization_id, User.active.is_(True),
               UserRole.role == role.value)
        .order_by(User.id)))


def user_named(ctx: Ctx, actor_label: str) -> int | None:
    """The user behind an audit label like "user:alice" (None for clients, the operator)."""
    kind, _, name = actor_label.partition(":")
    if kind != "user" or not name:
        return None
    return ctx.db.scalar(select(User.id).where(User.username == name, User.active.is_(True)))


def requester_or_officers(ctx: Ctx, actor_label: str, organization_id: int) -> list[int]:
    """Who hears the answer to a request: the user who made it, or, when a system or the
    operator made it (or the account is gone), the department's data officers."""
    user_id = user_named(ctx, actor_label)
    return [user_id] if user_id is not None else officers_of(ctx, organization_id)


def already_sent(ctx: Ctx, kind: str, link: str) -> bool:
    """Whether a notification of `kind` about `link` was ever written: the once-only mark
    of producers that keep no column of their own (an overdue agreement's reminder)."""
    return ctx.db.scalar(select(Notification.id).where(
        Notification.kind == kind, Notification.link == link).limit(1)) is not None


def notify(ctx: Ctx, recipients: Iterable[int], kind: str, subject: str, body: str, *,
           urgent: bool = False, link: str | None = None) -> Notification | None:
    """Write a notification for `recipients` (user ids; unknown or inactive ones are
    skipped) in the caller's transaction; None when nobody is left to tell."""
    ids = sorted(set(recipients))
    users = list(ctx.db.scalars(
        select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)
    )) if ids else []
    if not users:
        return None
    now = ctx.now()
    note = Notification(kind=kind, subject=subject[:SUBJECT_MAX], body=body, link=link,
                        urgent=urgent, created_at=now)
    ctx.db.add(note)
    ctx.db.flush()
    ctx.db.add_all(InboxItem(notification_id=note.id, user_id=u.id) for u in users)
    prefs = {(p.user_id, p.channel): p for p in ctx.db.scalars(
        select(NotificationPreference).where(
            NotificationPreference.user_id.in_([u.id for u in users])))}

    def wants(user_id: int, channel: str) -> bool:
        pref = prefs.get((user_id, channel))
        return rules.wants(None if pref is None else pref.enabled, urgent)

    if ctx.settings.smtp_host:
        for u in users:
            pref = prefs.get((u.id, rules.EMAIL))
            if pref is not None and pref.address and wants(u.id, rules.EMAIL):
                ctx.db.add(_delivery(note, rules.EMAIL, now, user_id=u.id,
                                     address=pref.address))
    orgs = sorted({u.organization_id for u in users
                   if u.organization_id is not None and wants(u.id, rules.WEBHOOK)})
    if orgs:
        for endpoint in ctx.db.scalars(
                select(WebhookEndpoint).where(WebhookEndpoint.organization_id.in_(orgs),
                                              WebhookEndpoint.active.is_(True))
                .order_by(WebhookEndpoint.id)):
            ctx.db.add(_delivery(note, rules.WEBHOOK, now, endpoint_id=endpoint.id))
    ctx.db.flush()
    return note


def _delivery(note: Notification, channel: str, now: datetime, *, user_id: int | None = None,
              endpoint_id: int | None = None, address: str | None = None) -> Delivery:
    target = user_id if channel == rules.EMAIL else endpoint_id
    assert target is not None
    return Delivery(notification_id=note.id, channel=channel, user_id=user_id,
                    endpoint_id=endpoint_id, address=address,
                    idempotency_key=rules.idempotency_key(note.id, channel, target),
                    state=rules.PENDING, attempts=0, next_attempt_at=now, created_at=now)
