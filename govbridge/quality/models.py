"""Table of quality runs: one score per dimension and overall, kept as history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class QualityRun(Base):
    __tablename__ = "quality_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    records: Mapped[int] = mapped_column(Integer)
    completeness: Mapped[float] = mapped_column(Float)
    validity: Mapped[float] = mapped_column(Float)
    uniqueness: Mapped[float] = mapped_column(Float)
    timeliness: Mapped[float] = mapped_column(Float)
    consistency: Mapped[float | None] = mapped_column(Float)
    overall: Mapped[float] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
