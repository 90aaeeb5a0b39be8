"""Tables of service items (政务服务事项), their process versions, and the holiday calendar.

A service item points at its current process version by number (`current_version`);
every import of a BPMN document adds a row to `service_item_versions` and never changes
an older one, so a case started on version 1 can always be read against version 1.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govbridge.identity.models import Organization
from govbridge.storage.base import Base, UTCDateTime, utcnow


class ServiceItem(Base):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Organization ids of the participating departments (the lead is not repeated).
    participating_org_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # [{key, name, kind: certificate|dataset|form|upload, resource_code?, required}]
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    promised_days: Mapped[int] = mapped_column(Integer)
    legal_days: Mapped[int] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)  # in fen (0.01 yuan)
    # The certificate the process issues (schemas.Outcome as a dict), or None.
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft|published|retired
    current_version: Mapped[int | None] = mapped_column(Integer)
    # Lane (or pool) name -> credit code of its department, set by the item admin for
    # lanes whose name does not hold the code; kept across process versions.
    lane_departments: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lead: Mapped[Organization] = relationship(lazy="joined")


class ServiceItemVersion(Base):
    __tablename__ = "service_item_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(200))
    process_name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # Credit codes of the departments doing its user tasks.
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Lanes (or pools) of its user tasks, each mapped to a department by the item (None:
    # imported before lanes were kept; read from the XML).
    lanes: Mapped[list[str] | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("item_id", "version", name="uq_service_item_version"),)


class Holiday(Base):
    """A day of the bureau's calendar: a public holiday, or a make-up working day (调休)."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | workday
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
