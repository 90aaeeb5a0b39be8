"""The dispatcher: one round takes the due deliveries, sends each after commit, and marks
it sent or schedules its retry; `NotificationDispatcher` runs a round every
`notify_seconds` in the server (core/periodic.py), `govbridge notify deliver` one by hand.

A round takes one row at a time, in three steps, so no send ever happens inside a
transaction (a slow receiver must not hold SQLite's writer lock), a lease is taken just
before its send (it cannot run out while earlier rows of the round are sent), and a
killed process loses nothing:
1. lease (one transaction): the oldest due row (pending, `next_attempt_at` ≤ now) gets
   `attempts + 1` and `next_attempt_at` = now + lease, guarded by its old `attempts`,
   so two dispatchers never take the same row at once;
2. send, outside any transaction;
3. mark (one transaction per row, right after its send): sent, or pending again after
   the back-off, or dead after `notify_max_attempts`.
Killed between 1 and 3, a row is due again when its lease ends and is sent again with
the same idempotency key (the `webhook-id`, the Message-ID): at least once on the wire,
once per channel to a receiver that keeps the ids it has seen, as Standard Webhooks
asks receivers to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from govbridge.core.periodic import Periodic
from govbridge.identity.models import Organization, User
from govbridge.notifications import rules
from govbridge.notifications.channels import SendFailed, send_email, send_webhook, webhook_body
from govbridge.notifications.models import Delivery, InboxItem, WebhookEndpoint
from govbridge.notifications.schemas import DeliveryReport
from govbridge.notifications.webhook_secrets import open_secret
from govbridge.runtime import Ctx, Runtime

log = logging.getLogger("govbridge.notifications")
# Due rows read per lease: enough to step past those another dispatcher just took.
LEASE_CANDIDATES = 8


@dataclass(frozen=True)
class _Job:
    id: int
    attempt: int
    channel: str
    key: str
    to: str | None = None  # e-mail address
    subject: str = ""
    text: str = ""
    url: str | None = None  # webhook
    secret: str | None = None
    body: bytes = b""
    gone: str | None = None  # why it cannot be sent at all


def deliver_round(rt: Runtime, limit: int | None = None) -> DeliveryReport:
    """Send what is due now, one row at a time (at most `limit`); what the round did."""
    report = DeliveryReport()
    for _ in range(limit or rt.settings.notify_batch):
        with rt.context() as ctx:
            job = _lease_one(ctx)
        if job is None:
            break
        report.taken += 1
        error = job.gone
        if error is None:
            try:
                _send(rt, job)
            except SendFailed as exc:
                error = exc.reason
        with rt.context() as ctx:
            outcome = _mark(ctx, job, error, final=job.gone is not None)
        if outcome == rules.SENT:
            report.sent += 1
            log.info("notification %s sent by %s", job.key, job.channel)
        elif outcome == rules.DEAD:
            report.dead += 1
            log.warning("notification %s given up after attempt %d: %s", job.key,
                        job.attempt, error)
        else:
            report.retried += 1
            log.info("notification %s attempt %d failed, retried later: %s", job.key,
                     job.attempt, error)
    return report


def _lease_one(ctx: Ctx) -> _Job | None:
    """The oldest due row, leased; None when nothing is due. A row another dispatcher
    took between the read and the update is skipped for the next one."""
    now = ctx.now()
    until = now + rules.lease(ctx.settings.notify_timeout_seconds)
    due = ctx.db.execute(
        select(Delivery.id, Delivery.attempts)
        .where(Delivery.state == rules.PENDING, Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id).limit(LEASE_CANDIDATES)).all()
    for delivery_id, attempts in due:
        taken = ctx.db.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state == rules.PENDING,
                   Delivery.attempts == attempts)
            .values(attempts=attempts + 1, next_attempt_at=until)
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return _job(ctx, ctx.db.get_one(Delivery, delivery_id), attempts + 1)
    return None


def _job(ctx: Ctx, d: Delivery, attempt: int) -> _Job:
    note = d.notification
    link = f"{ctx.settings.public_url.rstrip('/')}{note.link}" if note.link else None
    if d.channel == rules.EMAIL:
        text = note.body + (f"\n\n{link}" if link else "")
        return _Job(d.id, attempt, d.channel, d.idempotency_key, to=d.address,
                    subject=note.subject, text=text,
                    gone=None if d.address else "no e-mail address")
    endpoint = ctx.db.get(WebhookEndpoint, d.endpoint_id) if d.endpoint_id else None
    if endpoint is None or not endpoint.active:
        return _Job(d.id, attempt, d.channel, d.idempotency_key, gone="endpoint removed")
    org_code = ctx.db.scalar(select(Organization.code)
                             .where(Organization.id == endpoint.organization_id))
    recipients = list(ctx.db.scalars(
        select(User.username).join(InboxItem, InboxItem.user_id == User.id)
        .where(InboxItem.notification_id == note.id,
               User.organization_id == endpoint.organization_id).order_by(User.username)))
    payload = {
        "type": note.kind,
        "timestamp": note.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"id": note.id, "subject": note.subject, "body": note.body, "link": link,
                 "urgent": note.urgent, "department": org_code, "recipients": recipients},
    }
    return _Job(d.id, attempt, d.channel, d.idempotency_key, url=endpoint.url,
                secret=open_secret(ctx.settings, endpoint.secret_enc),
                body=webhook_body(payload))


def _send(rt: Runtime, job: _Job) -> None:
    if job.channel == rules.EMAIL:
        assert job.to is not None
        send_email(rt.settings, key=job.key, to=job.to, subject=job.subject, body=job.text)
    else:
        assert job.url is not None and job.secret is not None
        send_webhook(job.url, job.secret, msg_id=job.key, body=job.body,
                     timeout=rt.settings.notify_timeout_seconds)


def _mark(ctx: Ctx, job: _Job, error: str | None, *, final: bool) -> str:
    now = ctx.now()
    if error is None:
        ctx.db.execute(update(Delivery).where(Delivery.id == job.id)
                       .values(state=rules.SENT, sent_at=now, last_error=None)
                       .execution_options(synchronize_session=False))
        return rules.SENT
    s = ctx.settings
    state, when = (rules.DEAD, now) if final else rules.next_state(
        job.attempt, s.notify_max_attempts, now, s.notify_retry_base_seconds,
        s.notify_retry_cap_seconds)
    # Only while the row is still ours: a later lease (ours ran out) decides for itself.
    ctx.db.execute(update(Delivery)
                   .where(Delivery.id == job.id, Delivery.state == rules.PENDING,
                          Delivery.attempts == job.attempt)
                   .values(state=state, next_attempt_at=when, last_error=error[:300])
                   .execution_options(synchronize_session=False))
    return state


class NotificationDispatcher(Periodic):
    """One `deliver_round` per `notify_seconds` on a daemon thread in the server."""

    def __init__(self, rt: Runtime, interval: float) -> None:
        self.rt = rt
        super().__init__("notification dispatcher", interval, self.run_once, log)

    def run_once(self) -> None:
        deliver_round(self.rt)
