"""Tables of the ingest domain: stored records, batches with their reports, quarantine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class IngestBatch(Base):
    """One accepted batch. Committed together with its valid rows, or not at all."""

    __tablename__ = "ingest_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # upload | rest | stream | live
    content_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    received: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("dataset_id", "content_sha256"),)


class DatasetRecord(Base):
    """A stored row, identified by (dataset, record key, version)."""

    __tablename__ = "dataset_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    record_key: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("dataset_id", "record_key", "version"),)


class QuarantinedRow(Base):
    """A rejected row kept for the provider to fix and resubmit."""

    __tablename__ = "quarantined_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved | discarded
    resolved_batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
