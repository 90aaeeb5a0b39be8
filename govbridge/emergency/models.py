"""Tables of the emergency domain: stations, rules, alerts, plans, incidents, dispatches.

- `Station`: a gauge publishing readings on a stream dataset, in a district; readings
  for a station not listed here are quarantined (`consumer.py`).
- `AlertRule`: one version of a rule (its definition as written, `rules.RuleIn`), live,
  draft or superseded, with its evaluation state (`evaluator.Evaluator.state`).
- `EvaluatedBatch`: an ingest batch whose readings went through the live rules; the
  consumer takes batches not yet listed, so a committed reading is never skipped.
- `Alert`: a CAP 1.2 alert as sent (the XML), sealed by the issuing department (a JWS
  over its digest) and ledgered; an Update or Cancel references the original.
- `ResponsePlan`: a 预案: per department a task and the resources requested.
- `Incident`: opened by an alert (or joined by one in the same district and time) or by
  the duty officer by hand.
- `Dispatch`: an EDXL-RM style resource request to one department (requested →
  committed → deployed → released), and `DispatchStep`: each step, sealed and ledgered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class Station(Base):
    __tablename__ = "emergency_stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # rain | river | reservoir
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    district: Mapped[str] = mapped_column(String(6))  # division code
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class AlertRule(Base):
    __tablename__ = "emergency_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # live | draft | superseded
    kind: Mapped[str] = mapped_column(String(16))  # threshold | rate | window | join
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("code", "version"),)


class EvaluatedBatch(Base):
    __tablename__ = "emergency_evaluated_batches"

    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"), primary_key=True)
    readings: Mapped[int] = mapped_column(Integer, default=0)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Alert(Base):
    __tablename__ = "emergency_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(160), unique=True)
    msg_type: Mapped[str] = mapped_column(String(8))  # Alert | Update | Cancel
    # active | updated | cancelled
    status: Mapped[str] = mapped_column(String(16), default="active")
    references_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_alerts.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_rules.id"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_incidents.id"),
                                                    index=True)
    district: Mapped[str] = mapped_column(String(6))
    area: Mapped[dict[str, Any]] = mapped_column(JSON)
    category: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(500))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the triggering reading's time
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cap_xml: Mapped[str] = mapped_column(Text)
    seal: Mapped[str] = mapped_column(Text)
    ledger_index: Mapped[int] = mapped_column(Integer)


class ResponsePlan(Base):
    __tablename__ = "emergency_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # [{"command_code", "lines": [{org_code, task, resources, respond_minutes}]}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Incident(Base):
    __tablename__ = "emergency_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    opened_by: Mapped[str] = mapped_column(String(16))  # alert | hand
    command_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    plan_code: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())  # event time of its first alert
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Dispatch(Base):
    __tablename__ = "emergency_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("emergency_incidents.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    task: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # requested | committed | deployed | released
    requested: Mapped[dict[str, Any]] = mapped_column(JSON)  # resource kind → quantity
    committed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime())
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrive_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DispatchStep(Base):
    __tablename__ = "emergency_dispatch_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("emergency_dispatches.id"))
    step: Mapped[str] = mapped_column(String(16))  # request | commit | report | release
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seal: Mapped[str] = mapped_column(Text)
    ledger_index: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_emergency_dispatch_steps_dispatch", "dispatch_id", "id"),)
