"""Tables of the exchange: usage counters behind agreement limits, flags of unusual access."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.ledger.models import Index64
from govbridge.storage.base import Base, UTCDateTime, utcnow


class ExchangeUsage(Base):
    """Calls and rows of one agreement in one window: a minute (`m…`) or a day (`d…`); in
    `x…` (a day) `calls` counts its lookups by subject that found nothing (masked subject)."""

    __tablename__ = "exchange_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    window: Mapped[str] = mapped_column(String(16))
    calls: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("agreement_id", "window"),)


class AccessFlag(Base):
    """An unusual access for auditors to look at (see exchange/anomaly.py for the rules)."""

    __tablename__ = "access_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    leaf_index: Mapped[int] = mapped_column(Index64, ForeignKey("ledger_entries.leaf_index"),
                                            index=True)
    consumer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(8))  # YYYYMMDD, China Standard Time
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
