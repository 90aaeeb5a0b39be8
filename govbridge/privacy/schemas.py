"""Typed inputs and results of the privacy-job use cases (API, CLI and pages alike)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS
from govbridge.privacy.rules import COMPUTATIONS

PARTIES_MAX = 10
REASON_MAX = 2000
Name = Annotated[str, Field(min_length=1, max_length=64), NO_CONTROLS]


class PartyIn(BaseModel):
    """A party: the department, its published dataset, and the fields the job reads."""

    model_config = ConfigDict(extra="forbid")

    org_code: str = Field(min_length=18, max_length=18, description="credit code")
    resource_code: str = Field(min_length=1, max_length=32)
    key_field: Name | None = Field(default=None, description="subject key (PSI)")
    value_field: Name | None = Field(default=None, description="the value aggregated")
    features: list[Name] = Field(default_factory=list, max_length=50)
    label: Name | None = None


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    computation: Literal[COMPUTATIONS]  # type: ignore[valid-type]
    parties: list[PartyIn] = Field(min_length=2, max_length=PARTIES_MAX)
    receiver: str = Field(min_length=18, max_length=18,
                          description="the party the result is revealed to")
    purpose: Annotated[str, Field(min_length=2, max_length=2000), NO_CONTROLS]
    params: dict[str, Any] = Field(default_factory=dict, description=(
        "epsilon (0..10], clip [low, high], decimals 0..6, edges (histogram), rounds, "
        "local_epochs, lr, seed, holdout (federated)"))


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "refuse"]
    reason: Annotated[str, Field(max_length=REASON_MAX), NO_CONTROLS] | None = None
    party: str | None = Field(default=None, min_length=18, max_length=18, description=(
        "the deciding party; default: your organization"))


class PartyOut(BaseModel):
    org_code: str
    org_name: str | None
    resource_code: str
    dataset_name: str | None
    fields: list[str]
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


class RevealedItem(BaseModel):
    item: str
    field: str | None


class RevealedOut(BaseModel):
    org_code: str
    org_name: str | None
    what: list[str]
    items: list[RevealedItem]


class JobOut(BaseModel):
    code: str
    computation: str
    state: str
    purpose: str
    params: dict[str, Any]
    parties: list[PartyOut]
    revealed_to: RevealedOut
    min_group: int
    epsilon: float | None
    created_by: str
    created_at: datetime
    ran_at: datetime | None
    outcome_reason: str | None
    result: dict[str, Any] | None = Field(description="only for the receiving party")
    receipt: int | None = Field(description="the disclosure receipt's ledger index")
    transcript_sha256: str | None


class ComputationUseOut(BaseModel):
    """A computation that read a dataset holding the subject's record (never its result)."""

    job: str
    computation: str
    purpose: str
    at: datetime
    state: str
    receiver_name: str | None
    resource_code: str
    dataset_name: str | None
    provider_name: str | None
    receipt: int | None
