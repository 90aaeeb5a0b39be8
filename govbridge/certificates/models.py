"""The certificates table: one row per issued electronic certificate (电子证照).

The sealed PDF is kept in the row (`pdf`, a few tens of kB), so a backup of the database is
a backup of every certificate; `vc_jws` is the sealed VC 2.0 JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(35), unique=True)
    certificate_type: Mapped[str | None] = mapped_column(String(32), index=True)
    type_name: Mapped[str] = mapped_column(String(100))
    holder_kind: Mapped[str] = mapped_column(String(16))  # person | enterprise
    holder_id: Mapped[str] = mapped_column(String(18), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    vc_jws: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid | revoked
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ledger_leaf: Mapped[int | None] = mapped_column(Integer)
    # Issued by a case's process: the case, and its applicant (who may read the certificate
    # even when the holder is another party, e.g. the company a 企业开办 case creates).
    case_code: Mapped[str | None] = mapped_column(String(40), index=True)
    applicant_id: Mapped[str | None] = mapped_column(String(18), index=True)


class IssuanceRequest(Base):
    """A certificate asked for without a case: pending until another officer of the
    issuing department approves it (then it is sealed, ledgered and `certificate_id` set)
    or refuses it with a reason. The request keeps the checked input, not a certificate."""

    __tablename__ = "certificate_issuance_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    certificate_type: Mapped[str] = mapped_column(String(32))
    type_name: Mapped[str] = mapped_column(String(100))
    holder_kind: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[str] = mapped_column(String(18), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    # The rest of the input (number, validity, data, type code) as given, in JSON.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | refused
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_by_user: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
