"""The tables of privacy jobs (隐私计算任务): the job, each party's decision, and the datasets
a job reads (for the per-dataset budget and the persons' transparency log).

A job's result is kept sealed at rest (`security.at_rest`, purpose bound to the job) and
shown only to the receiving party; its disclosure receipt is a ledger entry
(`receipt_index`), the relayed messages a file under the data directory digested into it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govbridge.identity.models import Organization
from govbridge.storage.base import Base, UTCDateTime, utcnow


class PrivacyJob(Base):
    __tablename__ = "privacy_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    computation: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    receiver_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    min_group: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ran_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    epsilon: Mapped[float | None] = mapped_column(Float)
    result_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    receipt_index: Mapped[int | None] = mapped_column(Integer)
    transcript_sha256: Mapped[str | None] = mapped_column(String(64))

    receiver: Mapped[Organization] = relationship(lazy="joined")


class PrivacyDecision(Base):
    """One party's answer: approve (what is revealed, to whom) or refuse with a reason."""

    __tablename__ = "privacy_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("privacy_jobs.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("job_id", "org_id", name="uq_privacy_decision_party"),)


class PrivacyInput(Base):
    """A dataset a job reads, and by whom it is provided."""

    __tablename__ = "privacy_inputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("privacy_jobs.id"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))

    __table_args__ = (Index("ix_privacy_inputs_dataset", "dataset_id", "job_id"),)
