"""Tables of the seals domain: the platform CA and the seal keys it certifies.

Private keys are stored only encrypted (`govbridge.security.at_rest.seal`, AES-256-GCM under
a key derived from the installation secret, with the row's kid in the purpose so a blob
cannot be moved to another row).

One table holds both kinds of signing key, told apart by `purpose`:
- "seal": an organization's seal (organization_id set), signs sealed JSON;
- "ledger": the hub's ledger key (organization_id NULL), signs tree heads;
- "pdf": an organization's P-256 key for PAdES signatures on certificate PDFs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow


class SealAuthority(Base):
    """The platform's own CA: an Ed25519 key and its self-signed certificate."""

    __tablename__ = "seal_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One row per name; the unique name makes a concurrent second `ensure_ca` fail.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    certificate_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SealKey(Base):
    """A signing key certified by the platform CA (X.509, or an attestation for SM2)."""

    __tablename__ = "seal_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16), index=True)  # seal | ledger | pdf
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("seal_authorities.id"))
    algorithm: Mapped[str] = mapped_column(String(16))  # Ed25519 | P-256 | SM2
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    certificate_pem: Mapped[str | None] = mapped_column(Text)  # NULL for SM2
    attestation: Mapped[str | None] = mapped_column(Text)  # SM2 only: CA-signed binding
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|retired|revoked
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
