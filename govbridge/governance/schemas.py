"""Inputs and results of governance: scorecards, the scoring model, points."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NOTE_MAX = 500


class DimensionOut(BaseModel):
    score: float | None = Field(description="0-100; null when the dimension has no data")
    value: float | None
    weight: float
    full: float
    zero: float
    figures: dict[str, int] = Field(description="The counts the value is computed from")
    note: str | None = None


class ScorecardOut(BaseModel):
    department: str = Field(description="The department's unified social credit code")
    name: str
    period: str
    model_version: int
    score: float = Field(ge=0, le=100)
    rated: bool = Field(description="False when no dimension had data (score 0)")
    rank: int | None = Field(None, description="Place among all departments (bureau view)")
    dimensions: dict[str, DimensionOut]


class TrendPoint(BaseModel):
    period: str
    score: float
    rated: bool


class TrendOut(BaseModel):
    department: str
    name: str
    points: list[TrendPoint]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: float = Field(ge=0, le=1000)
    full: float = Field(ge=-1e9, le=1e9)
    zero: float = Field(ge=-1e9, le=1e9)


class ScoringModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dimensions: dict[str, RuleIn] = Field(min_length=1, max_length=32)
    note: str | None = Field(None, max_length=NOTE_MAX)


class SettingOut(BaseModel):
    kind: str
    version: int
    config: dict[str, Any]
    note: str | None
    created_by: str
    created_at: datetime


class RatesIn(BaseModel):
    """The bureau's points rates: what one call, one row and one approval cost the consumer
    (and earn the provider, weighted by the dataset's quality and timeliness)."""

    model_config = ConfigDict(extra="forbid")

    spend_on: Literal["call", "approval"] = "call"
    per_call: int = Field(1, ge=0, le=1_000_000)
    per_thousand_rows: int = Field(1, ge=0, le=1_000_000)
    per_approval: int = Field(10, ge=0, le=1_000_000)
    weight_by_quality: bool = True
    note: str | None = Field(None, max_length=NOTE_MAX)


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department: str = Field(min_length=18, max_length=18)
    # The account the points come from: the granting officer's department when omitted.
    source: str | None = Field(None, min_length=18, max_length=18)
    amount: int = Field(ge=1, le=10_000_000)
    reason: str = Field(min_length=2, max_length=NOTE_MAX)


class AccountOut(BaseModel):
    department: str
    name: str
    balance: int
    in_deficit: bool


class BalancesOut(BaseModel):
    accounts: list[AccountOut]
    total: int = Field(description="Sum over every account: always 0 (double entry)")


class MovementOut(BaseModel):
    movement: str
    kind: str
    amount: int
    counterpart: str
    reference: str | None
    rates_version: int
    at: datetime
