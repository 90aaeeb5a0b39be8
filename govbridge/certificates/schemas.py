"""Inputs and results of the certificate use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["valid", "revoked"]
VerdictStatus = Literal["valid", "revoked", "expired", "tampered", "unknown"]


class CertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type_name: str = Field(min_length=1, max_length=100, description="e.g. 营业执照")
    certificate_type: str | None = Field(
        default=None, max_length=32,
        description="resource code of the issuer's certificate-type dataset (its row is "
                    "shared through the exchange)")
    type_code: str | None = Field(default=None, pattern=r"^[0-9A-Z]{6}$",
                                  description="6-character type code; default: from the name")
    issuer_org: str | None = Field(default=None, max_length=18,
                                   description="issuing organization's code (default: own)")
    holder_id: str = Field(min_length=18, max_length=18,
                           description="citizen ID or unified social credit code")
    holder_name: str = Field(min_length=1, max_length=200)
    number: str | None = Field(default=None, max_length=64,
                               description="certificate number (default: the identifier)")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class CertificateOut(BaseModel):
    id: int
    identifier: str
    certificate_type: str | None
    type_name: str
    holder_kind: str
    holder_id: str
    holder_name: str
    issuer_code: str
    issuer_name: str
    number: str
    valid_from: datetime
    valid_until: datetime | None
    data: dict[str, Any]
    status: Status
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    created_by: str
    created_at: datetime
    ledger_leaf: int | None
    verify_url: str


class Verdict(BaseModel):
    """What a public verification says; the holder is always masked."""

    status: VerdictStatus
    identifier: str | None = None
    type_name: str | None = None
    issuer_code: str | None = None
    issuer_name: str | None = None
    holder_id: str | None = None
    holder_name: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked_at: datetime | None = None
    reasons: list[str] = Field(default_factory=list)
