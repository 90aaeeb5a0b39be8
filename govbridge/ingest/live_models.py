"""Table of live sources (同源): where a dataset's rows are read on demand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class LiveSource(Base):
    __tablename__ = "live_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # sql | rest
    # The connection URL may hold credentials: encrypted at rest, never shown back.
    target_enc: Mapped[bytes] = mapped_column(LargeBinary)
    query: Mapped[str | None] = mapped_column(Text)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
