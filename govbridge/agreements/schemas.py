"""Typed inputs and results of the agreement use cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS

PurposeKind = Literal["service_item", "legal_basis"]


# The longest reason a provider or a revoker writes; the use cases check it for every edge
# (`core.inputs.checked`), and a page shows their refusal beside the form, text kept.
REASON_MAX = 2000
# The most fields one request names or one decision approves or masks.
FIELDS_MAX = 300


class AgreementRequestIn(BaseModel):
    """A consumer department's request for fields of a published dataset."""

    model_config = ConfigDict(extra="forbid")

    resource_code: str = Field(min_length=1, max_length=32)
    consumer_code: str | None = Field(
        default=None, description="requesting organization; default: your organization"
    )
    fields: list[str] = Field(min_length=1, max_length=FIELDS_MAX)
    purpose_kind: PurposeKind
    purpose_code: str | None = Field(
        default=None, max_length=64, description="the service item's code (service_item only)"
    )
    purpose_text: Annotated[str, Field(min_length=2, max_length=2000), NO_CONTROLS] = Field(
        description="the service item or legal basis in words"
    )
    valid_from: date | None = Field(default=None, description="default: today")
    valid_until: date
    rate_per_minute: int = Field(default=60, ge=1, le=100_000)
    daily_volume: int = Field(default=10_000, ge=1, le=100_000_000)


class DecisionIn(BaseModel):
    """The provider's answer: approve (all or some fields, optional masks) or refuse."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "refuse"]
    fields: list[str] | None = Field(
        default=None, max_length=FIELDS_MAX,
        description="fields approved; default: every requested field"
    )
    masks: dict[str, str] | None = Field(
        default=None, max_length=FIELDS_MAX, description='per field: "raw" or a masking operator'
    )
    reason: Annotated[str, Field(max_length=REASON_MAX), NO_CONTROLS] | None = Field(
        default=None, description="required to refuse")


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX), NO_CONTROLS]


class AgreementOut(BaseModel):
    code: str
    state: str = Field(description="requested | approved | partially_approved | refused | "
                       "revoked | expired (expired is computed from valid_until)")
    consumer_code: str
    consumer_name: str
    provider_code: str
    provider_name: str
    resource_code: str
    dataset_name: str
    dataset_version: int
    fields: list[str]
    grants: dict[str, str]
    purpose_kind: str
    purpose_code: str | None
    purpose_text: str
    valid_from: date
    valid_until: date
    rate_per_minute: int
    daily_volume: int
    answer_due: date | None
    overdue: bool
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoked_reason: str | None
    created_at: datetime


class OverdueOut(BaseModel):
    """A request past its answer deadline, as the data bureau sees it."""

    code: str
    consumer_code: str
    consumer_name: str
    provider_code: str
    provider_name: str
    resource_code: str
    dataset_name: str
    answer_due: date
    days_overdue: int = Field(description="calendar days since the deadline")
    created_at: datetime
