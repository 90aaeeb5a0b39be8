"""Typed inputs and results of the seal use cases. No result carries private key material."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS

KeyAlgorithm = Literal["Ed25519", "P-256", "SM2"]
# The longest revocation reason (the use case checks it for every edge).
REVOKE_REASON_MAX = 500


class SealOut(BaseModel):
    kid: str
    purpose: Literal["seal", "ledger", "pdf"]
    organization_code: str | None
    organization_name: str | None
    algorithm: KeyAlgorithm
    jws_alg: str = Field(description="EdDSA | ES256 | SM2SM3 (SM2SM3 is not a registered alg)")
    status: Literal["active", "retired", "revoked"]
    not_before: datetime
    not_after: datetime
    created_by: str
    created_at: datetime
    retired_at: datetime | None
    revoked_at: datetime | None
    revoke_reason: str | None
    public_key: str = Field(description="base64url: raw Ed25519 key, or the 04‖x‖y point")
    certificate_pem: str | None = Field(description="X.509 certificate from the platform CA")
    attestation: str | None = Field(description="SM2 only: the CA's compact-JWS key binding")


class CaOut(BaseModel):
    name: str
    algorithm: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    certificate_pem: str


class SealIssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organization_code: str
    algorithm: KeyAlgorithm = "Ed25519"
    validity_days: int = Field(default=730, ge=1, le=3650)


class SealRotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organization_code: str
    algorithm: KeyAlgorithm | None = Field(default=None, description="default: keep the current")
    validity_days: int = Field(default=730, ge=1, le=3650)


class SealRevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=REVOKE_REASON_MAX), NO_CONTROLS]
