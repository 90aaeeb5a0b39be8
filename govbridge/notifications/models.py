"""Tables of the notification outbox: what was said, to whom, and each delivery's state.

- `Notification`: one message (kind, subject, body, link, urgent), written in the
  transaction of the change that causes it, so a rolled-back change says nothing.
- `InboxItem`: the in-app inbox, one row per recipient; it *is* the in-app channel (no
  delivery step: it exists once the change commits). Unread = `read_at` is null.
- `Delivery`: one row per notification × outward channel × target (a user's e-mail, a
  department's webhook endpoint), with a unique `idempotency_key`. The dispatcher leases
  a due row, sends after the lease commits, then marks it sent or schedules a retry: a
  process killed at any point leaves a row that is sent again once its lease runs out,
  never a lost one (rows, not memory). A webhook sent twice carries the same `webhook-id`.
- `WebhookEndpoint`: a department's receiver, registered by its data officer; the
  signing secret is kept encrypted (security/at_rest.py) and shown once, at creation.
- `NotificationPreference`: per user and channel, on or off (and the e-mail address for
  the e-mail channel); urgent notifications ignore "off".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govbridge.storage.base import Base, UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # A path in the web UI (e.g. /agreements/AGR-2026-000001), joined to public_url.
    link: Mapped[str | None] = mapped_column(String(500))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboxItem(Base):
    __tablename__ = "notification_inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    notification: Mapped[Notification] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_notification_inbox_user_read", "user_id", "read_at"),
    )


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    __tablename__ = "notification_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id"))
    # The address the e-mail goes to, fixed when written (a later change of address
    # does not redirect a message already promised).
    address: Mapped[str | None] = mapped_column(String(254))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the row is next due: after a failure the back-off, while a dispatcher holds
    # it the end of its lease.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    notification: Mapped[Notification] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_notification_deliveries_due", "state", "next_attempt_at"),
    )


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    address: Mapped[str | None] = mapped_column(String(254))
