"""Table of the data element registry: one row per (code, version)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class DataElement(Base):
    __tablename__ = "data_elements"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    data_type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    max_length: Mapped[int | None] = mapped_column(Integer)
    format: Mapped[str | None] = mapped_column(String(100))
    code_table: Mapped[str | None] = mapped_column(String(32))
    validator: Mapped[str | None] = mapped_column(String(16))
    pattern: Mapped[str | None] = mapped_column(String(200))
    min_value: Mapped[str | None] = mapped_column(String(32))
    max_value: Mapped[str | None] = mapped_column(String(32))
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    default_mask: Mapped[str | None] = mapped_column(String(16))
    suggested_grade: Mapped[str | None] = mapped_column(String(16))
    description_zh: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("code", "version"),)
