"""Tables of governance: the bureau's versioned settings (the scoring model of the
department scorecards, the rates of the sharing points) and the points ledger.

Settings are never changed in place: each save adds a version, and a score or a movement
names the version it was made under, so last year's scorecard can be read again with last
year's model. The built-in default is version 1 (written the first time it is needed).

The points ledger is double-entry: every movement is two rows sharing `movement`, one
`+amount` on one department's account and one `-amount` on another's, so the sum over
all accounts is 0 at every commit (`points.check_balanced` proves it with one SUM).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow

SCORING = "scoring"
POINTS = "points"


class GovernanceSetting(Base):
    """One version of a bureau setting: `kind` is "scoring" or "points"."""

    __tablename__ = "governance_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "version", name="uq_governance_setting"),)


class PointsEntry(Base):
    """One side of a points movement (whole points; a movement's two sides sum to 0)."""

    __tablename__ = "points_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    movement: Mapped[str] = mapped_column(String(32), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    # grant | call | approval
    kind: Mapped[str] = mapped_column(String(16))
    # What caused it: the agreement's code, with the ledger leaf of a call.
    reference: Mapped[str | None] = mapped_column(String(120))
    rates_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
