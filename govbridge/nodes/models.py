"""The hub's register of department nodes (前置机): where each one answers, and its pin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class Node(Base):
    """One department's node: at most one per organization.

    `tls_fingerprint` pins the node's CA-issued TLS certificate (SHA-256 of its DER); the hub
    refuses an answer from any other certificate. `seal_kid` is the seal key the node
    holds (the hub has its public part only). `status` is "active" or "disabled": a
    disabled node is not called, and the hub answers itself — which needs a seal the hub
    holds (`govbridge seal rotate`); until then such queries are refused (409).
    """

    __tablename__ = "nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    url: Mapped[str] = mapped_column(String(300))
    tls_fingerprint: Mapped[str] = mapped_column(String(64))
    seal_kid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
