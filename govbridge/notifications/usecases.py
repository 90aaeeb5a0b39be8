"""Use cases of notifications, each `fn(ctx, actor, ...)`: a user's inbox (list, unread
count, mark read), their preferences per channel, and a department's webhook endpoints
(registered by its data officer under `client.manage`, the permission that already
governs a department's system integrations).

Everyone reads only their own inbox; naming another user needs `user.manage` (the local
operator, the bureau). A webhook's secret is returned once, by `add_webhook`; lists show
the URL without query, fragment or user info.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select, update

from govbridge.audit.record import record
from govbridge.core.errors import InvalidInput, NotFound, PermissionDenied
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization, User
from govbridge.identity.organizations import referenced_organization
from govbridge.ingest.live import host_allowed
from govbridge.notifications import rules
from govbridge.notifications.models import (
    InboxItem,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from govbridge.notifications.schemas import (
    InboxItemOut,
    PreferencesIn,
    PreferencesOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from govbridge.notifications.webhook_secrets import seal_secret
from govbridge.runtime import Ctx

INBOX_MAX = 500
# What a caller without an account of its own lacks (named in the 403 problem).
OWN_INBOX = "notifications.own_inbox"


# ---- inbox -----------------------------------------------------------------------------


def _whose(ctx: Ctx, actor: Actor, username: str | None) -> int:
    if username is None:
        return _own_user(actor)
    user_id = ctx.db.scalar(select(User.id).where(User.username == username.strip()))
    if user_id is None:
        raise NotFound("user", username)
    if user_id != actor.user_id:
        require(actor, Permission.USER_MANAGE)
    return user_id


def _item_out(item: InboxItem) -> InboxItemOut:
    n = item.notification
    return InboxItemOut(id=item.id, kind=n.kind, subject=n.subject, body=n.body, link=n.link,
                        urgent=n.urgent, created_at=n.created_at, read_at=item.read_at)


def inbox(ctx: Ctx, actor: Actor, *, user: str | None = None, unread_only: bool = False,
          limit: int = 100) -> list[InboxItemOut]:
    """A user's notifications, newest first (at most `limit`, ≤ 500)."""
    user_id = _whose(ctx, actor, user)
    stmt = (select(InboxItem).join(Notification, Notification.id == InboxItem.notification_id)
            .where(InboxItem.user_id == user_id)
            .order_by(Notification.created_at.desc(), InboxItem.id.desc())
            .limit(max(1, min(limit, INBOX_MAX))))
    if unread_only:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    return [_item_out(i) for i in ctx.db.scalars(stmt)]


def unread_count(ctx: Ctx, actor: Actor, *, user: str | None = None) -> int:
    """How many of a user's notifications are unread (one indexed count)."""
    user_id = _whose(ctx, actor, user)
    return ctx.db.scalar(select(func.count()).select_from(InboxItem).where(
        InboxItem.user_id == user_id, InboxItem.read_at.is_(None))) or 0


def mark_read(ctx: Ctx, actor: Actor, item_id: int) -> InboxItemOut:
    """Mark one of the caller's own notifications read (again: unchanged)."""
    item = ctx.db.get(InboxItem, item_id)
    if item is None or actor.user_id is None or item.user_id != actor.user_id:
        raise NotFound("notification", item_id)
    if item.read_at is None:
        item.read_at = ctx.now()
    return _item_out(item)


def mark_all_read(ctx: Ctx, actor: Actor) -> int:
    user_id = _own_user(actor)
    done = ctx.db.execute(
        update(InboxItem).where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
        .values(read_at=ctx.now()).execution_options(synchronize_session=False))
    return int(done.rowcount)  # type: ignore[attr-defined]


# ---- preferences -----------------------------------------------------------------------


def _own_user(actor: Actor) -> int:
    """The caller's own account; a system client or the operator has no inbox (the
    operator names a user: `govbridge notify inbox --user`)."""
    if actor.user_id is None:
        raise PermissionDenied(OWN_INBOX, "only a user account has notifications")
    return actor.user_id


def _prefs_out(ctx: Ctx, user_id: int) -> PreferencesOut:
    rows = {p.channel: p for p in ctx.db.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    email, webhook = rows.get(rules.EMAIL), rows.get(rules.WEBHOOK)
    return PreferencesOut(inapp=True, email=email.enabled if email else True,
                          webhook=webhook.enabled if webhook else True,
                          email_address=email.address if email else None)


def preferences(ctx: Ctx, actor: Actor) -> PreferencesOut:
    return _prefs_out(ctx, _own_user(actor))


def set_preferences(ctx: Ctx, actor: Actor, data: PreferencesIn) -> PreferencesOut:
    """Turn e-mail or webhook notifications on or off, set the e-mail address. Urgent
    notifications still come on every channel (rules.wants)."""
    user_id = _own_user(actor)
    data = checked(PreferencesIn, data)
    changes = {rules.EMAIL: data.email, rules.WEBHOOK: data.webhook}
    for channel in rules.MUTABLE_CHANNELS:
        pref = ctx.db.get(NotificationPreference, (user_id, channel))
        address_given = channel == rules.EMAIL and data.email_address is not None
        if changes[channel] is None and not address_given:
            continue
        if pref is None:
            pref = NotificationPreference(user_id=user_id, channel=channel, enabled=True)
            ctx.db.add(pref)
        if changes[channel] is not None:
            pref.enabled = bool(changes[channel])
        if address_given:
            pref.address = (data.email_address or "").strip() or None
    ctx.db.flush()
    record(ctx, actor, "notify.preferences", "user", user_id,
           {"email": data.email, "webhook": data.webhook,
            "address_changed": data.email_address is not None})
    return _prefs_out(ctx, user_id)


# ---- webhook endpoints -----------------------------------------------------------------


def _department(ctx: Ctx, actor: Actor, code: str | None) -> Organization:
    if code:
        return referenced_organization(ctx, code, "organization_code")
    if actor.organization_id is None:
        raise InvalidInput.one("organization_code", "name the department", None, "required")
    return ctx.db.get_one(Organization, actor.organization_id)


def _check_url(ctx: Ctx, raw: str) -> str:
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput.one("url", "give an http(s) URL", rules.shown_url(url), "format")
    if parts.username or parts.password:
        raise InvalidInput.one("url", "no user or password in the URL; the signature "
                               "authenticates govbridge", rules.shown_url(url), "format")
    if not host_allowed(parts.hostname, ctx.settings.webhook_hosts):
        raise InvalidInput.one("url", "the host is not on the bureau's list of webhook "
                               "hosts (GOVBRIDGE_WEBHOOK_HOSTS)", parts.hostname, "forbidden")
    return url


def _webhook_out(ep: WebhookEndpoint, org_code: str) -> WebhookOut:
    return WebhookOut(id=ep.id, organization_code=org_code, url=rules.shown_url(ep.url),
                      description=ep.description, active=ep.active, created_at=ep.created_at)


def add_webhook(ctx: Ctx, actor: Actor, data: WebhookIn) -> WebhookCreated:
    """Register a department's webhook receiver; the new `whsec_` secret is in the
    result, this once."""
    data = checked(WebhookIn, data)
    org = _department(ctx, actor, data.organization_code)
    require(actor, Permission.CLIENT_MANAGE, organization_id=org.id)
    url = _check_url(ctx, data.url)
    secret = rules.new_secret()
    ep = WebhookEndpoint(organization_id=org.id, url=url, description=data.description.strip(),
                         secret_enc=seal_secret(ctx.settings, secret), active=True,
                         created_by=actor.label, created_at=ctx.now())
    ctx.db.add(ep)
    ctx.db.flush()
    record(ctx, actor, "notify.webhook.add", "webhook", ep.id,
           {"organization": org.code, "url": rules.shown_url(url)})
    return WebhookCreated(**_webhook_out(ep, org.code).model_dump(), secret=secret)


def list_webhooks(ctx: Ctx, actor: Actor, organization_code: str | None = None
                  ) -> list[WebhookOut]:
    org = _department(ctx, actor, organization_code)
    require(actor, Permission.CLIENT_MANAGE, organization_id=org.id)
    eps = ctx.db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.organization_id == org.id)
                         .order_by(WebhookEndpoint.id))
    return [_webhook_out(ep, org.code) for ep in eps]


def remove_webhook(ctx: Ctx, actor: Actor, endpoint_id: int) -> WebhookOut:
    """Deactivate an endpoint: nothing more is sent to it (pending deliveries give up)."""
    ep = ctx.db.get(WebhookEndpoint, endpoint_id)
    if ep is None:
        raise NotFound("webhook", endpoint_id)
    require(actor, Permission.CLIENT_MANAGE, organization_id=ep.organization_id)
    ep.active = False
    org_code = ctx.db.get_one(Organization, ep.organization_id).code
    record(ctx, actor, "notify.webhook.remove", "webhook", ep.id, {"organization": org_code})
    return _webhook_out(ep, org_code)
