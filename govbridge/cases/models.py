"""Tables of cases (办件), their materials and their timeline.

A case keeps its process run as JSON (`workflow_state`, SpiffWorkflow's own
serialisation, which carries the process definition), so it goes on after a restart
on the process version it started with.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    item_version: Mapped[int | None] = mapped_column(Integer)
    applicant_id: Mapped[str] = mapped_column(String(18), index=True)  # citizen ID / credit code
    applicant_name: Mapped[str] = mapped_column(String(200))
    # submitted | accepted | not_accepted | in_progress | completed | refused
    state: Mapped[str] = mapped_column(String(16), index=True)
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promised_due: Mapped[date | None] = mapped_column(Date)
    workflow_state: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(1000))
    accepting_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                         index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 时限中止: set while the case waits for the applicant's correction; the working days
    # it waited are added to `promised_due` when the materials come back.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseMaterial(Base):
    __tablename__ = "case_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16))  # fetched | missing | uploaded | rejected
    # "exchange:<query_id>" / "upload:<sha256>" / None
    source: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_case_material"),)


class CaseEvent(Base):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CaseFile(Base):
    """An uploaded material's file. Kept in the database (at most `MAX_UPLOAD` bytes), so a
    case and its evidence are backed up, restored and deleted together."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    material_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
