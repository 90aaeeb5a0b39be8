"""Tables of the exchange: usage counters behind an agreement's rate and volume limits."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base


class ExchangeUsage(Base):
    """Calls and rows of one agreement in one window: a minute (`m…`) or a day (`d…`)."""

    __tablename__ = "exchange_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    window: Mapped[str] = mapped_column(String(16))
    calls: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("agreement_id", "window"),)
