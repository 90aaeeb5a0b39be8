"""Inputs and results of the certificate use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["valid", "revoked"]
VerdictStatus = Literal["valid", "revoked", "expired", "tampered", "unknown"]


class CertificateIn(BaseModel):
    """A certificate to issue by hand: of one of the issuer's published certificate types,
    to a registered holder of the kind the type is for, on a case (`case`) or, without
    one, as a request another officer of the issuing department approves."""

    model_config = ConfigDict(extra="forbid")

    certificate_type: str = Field(
        min_length=1, max_length=200,
        description="resource code (or exact name) of one of the issuer's published "
                    "certificate-type datasets; the certificate becomes a row of it")
    type_name: str | None = Field(default=None, min_length=1, max_length=100,
                                  description="e.g. 营业执照; default and only value: the "
                                              "certificate type's name")
    type_code: str | None = Field(default=None, pattern=r"^[0-9A-Z]{6}$",
                                  description="6-character type code; default: from the name")
    issuer_org: str | None = Field(default=None, max_length=18,
                                   description="issuing organization's code (default: own)")
    holder_id: str = Field(min_length=18, max_length=18,
                           description="citizen ID or unified social credit code")
    holder_name: str = Field(min_length=1, max_length=200,
                             description="as registered for the holder")
    case: str | None = Field(
        default=None, min_length=1, max_length=40,
        description="code of the accepted or in-progress case the certificate is issued "
                    "on (its applicant or created enterprise is the holder); without a "
                    "case the issuance waits for another officer's approval")
    number: str | None = Field(default=None, max_length=64,
                               description="certificate number (default: the identifier)")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


RequestState = Literal["pending", "approved", "refused"]


class IssuanceRequestOut(BaseModel):
    """A certificate asked for without a case, waiting for (or given) a second officer's
    decision; `certificate_id` names the certificate once approved."""

    id: int
    state: RequestState
    certificate_type: str
    type_name: str
    holder_kind: str
    holder_id: str
    holder_name: str
    issuer_code: str
    issuer_name: str
    details: dict[str, Any]
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    certificate_id: int | None


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
    case_code: str | None = None
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

    @property
    def valid(self) -> bool:
        """The certificate checks out: issued, signed, neither revoked nor expired."""
        return self.status == "valid"
