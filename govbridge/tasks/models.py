"""Tables of campaigns and tasks (专项工作 / 督办任务).

- `Campaign`: cross-department work with a lead department, a leader (the user who
  accepts or returns its tasks), a deadline, and links to where people meet, chat and
  write (Jitsi, Matrix, Nextcloud/OnlyOffice; checked by `links.py`).
- `CampaignTask`: one department's piece of a campaign, in a tree (`parent_id`), with
  start and due dates on the bureau's working-day calendar, a weight for the roll-up,
  its last reported progress and its state (`rules.py`). `ix_campaign_tasks_open` on
  (state, due) is what the reminder round reads: 100,000 open tasks are one range scan.
- `TaskDependency`: finish-to-start, with a lag in working days; cycles are refused
  before a row is written (`plan.find_cycle`).
- `TaskEvent`: the task's timeline: reports (percent, text), state changes, reminders
  and escalations, and entries posted by the tools' inbound webhooks.
- `TaskAttachment`: a file attached to a report, its type checked whole.
- `TaskEscalation`: one row per task and stage (before / due / overdue), unique, so a
  reminder goes out once however many scheduler rounds run (`remind.py`).
- `TaskIntegration`: a tool allowed to post into a campaign's task timelines, with its
  Standard Webhooks secret sealed at rest; `TaskHookReceipt` remembers each message id
  it sent, so a replayed message is refused.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                      index=True)
    leader_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    chat_url: Mapped[str | None] = mapped_column(String(500))
    docs_url: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CampaignTask(Base):
    __tablename__ = "campaign_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_tasks.id"))
    title: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    officer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    start: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # Why it is blocked, returned or cancelled (the last such reason).
    reason: Mapped[str | None] = mapped_column(Text)
    # Who submitted it for acceptance (an audit label): they may not accept it.
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    chat_url: Mapped[str | None] = mapped_column(String(500))
    docs_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_campaign_tasks_open", "state", "due"),)


class TaskDependency(Base):
    __tablename__ = "task_dependencies"

    successor_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"),
                                              primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"),
                                                primary_key=True, index=True)
    lag_days: Mapped[int] = mapped_column(Integer, default=0)


class TaskEvent(Base):
    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    percent: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")


class TaskAttachment(Base):
    __tablename__ = "task_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("task_events.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class TaskEscalation(Base):
    __tablename__ = "task_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"))
    stage: Mapped[str] = mapped_column(String(16))  # before | due | overdue
    due: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))

    __table_args__ = (UniqueConstraint("task_id", "stage"),)


class TaskIntegration(Base):
    __tablename__ = "task_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # meeting | chat | docs
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TaskHookReceipt(Base):
    __tablename__ = "task_hook_receipts"

    integration_id: Mapped[int] = mapped_column(ForeignKey("task_integrations.id"),
                                                primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
