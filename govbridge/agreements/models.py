"""The table of sharing agreements (共享申请 / 共享协议).

`state` stores what was decided: requested, approved, partially_approved, refused or
revoked. "expired" is never written: an approved agreement whose `valid_until` lies
before today (China Standard Time) reads as expired (`policy.effective_state`), so
expiry takes effect on the next call without a background job.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govbridge.catalog.models import Dataset
from govbridge.identity.models import Organization
from govbridge.storage.base import Base, UTCDateTime, utcnow


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    consumer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[list[str]] = mapped_column(JSON)
    grants: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    purpose_kind: Mapped[str] = mapped_column(String(16))
    purpose_code: Mapped[str | None] = mapped_column(String(64))
    purpose_text: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    daily_volume: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(24))
    answer_due: Mapped[date | None] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consumer: Mapped[Organization] = relationship(lazy="joined")
    dataset: Mapped[Dataset] = relationship(lazy="joined")

    __table_args__ = (Index("ix_agreements_state_answer_due", "state", "answer_due"),)
