"""Typed inputs and results of the emergency use cases (shared by API, CLI and web)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS
from govbridge.emergency.rules import Text

ResourceKind = Literal["people", "vehicles", "pumps", "sandbags", "shelters", "boats"]
RESOURCE_KINDS: tuple[str, ...] = ("people", "vehicles", "pumps", "sandbags", "shelters", "boats")
MAX_QUANTITY = 1_000_000
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Note = Annotated[str, Field(max_length=1000), NO_CONTROLS]
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _in_range(at: datetime) -> datetime:
    if not EARLIEST <= at < LATEST:
        raise ValueError("must lie between 2000 and 2099")
    return at


# A time a person gives (arrival, start): with its UTC offset (a time without one was a
# 500 when stored) and within 2000-2099 (9999-12-31T23:59-14:00 overflows in UTC).
Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]


class RuleOut(BaseModel):
    code: str
    version: int
    status: str
    kind: str
    name: str
    issuer_code: str
    hold_down_minutes: int
    severity: str
    urgency: str
    certainty: str
    definition: dict[str, Any]
    created_at: datetime


class WouldFire(BaseModel):
    """One firing a rule test found in recorded readings."""

    at: datetime
    key: str
    district: str
    stations: list[str]
    values: list[float]


class RuleTestOut(BaseModel):
    code: str
    readings: int
    skipped: int  # unknown stations, unreadable times or values
    late_dropped: int
    fired: list[WouldFire]


class AreaOut(BaseModel):
    desc: str
    district: str
    polygon: list[list[float]] = Field(default_factory=list)
    circle: list[float] | None = None


class AlertOut(BaseModel):
    identifier: str
    msg_type: str
    status: str
    references: str | None
    rule: str | None
    issuer_code: str
    issuer_name: str
    incident: str | None
    district: str
    area: AreaOut
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    event_at: datetime
    sent_at: datetime
    ledger_index: int


class AlertChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    msg_type: Literal["Update", "Cancel"]
    headline: Text | None = None
    instruction: Text | None = None
    severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"] | None = None


class PlanLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_code: str = Field(min_length=18, max_length=18)
    task: Annotated[str, Field(min_length=1, max_length=500), NO_CONTROLS]
    resources: dict[ResourceKind, Quantity] = Field(min_length=1)
    respond_minutes: int = Field(default=30, ge=1, le=24 * 60)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{2,39}$")
    name: Annotated[str, Field(min_length=1, max_length=200), NO_CONTROLS]
    command_code: str = Field(min_length=18, max_length=18,
                              description="the department commanding the response")
    lines: list[PlanLineIn] = Field(min_length=1, max_length=50)


class PlanOut(BaseModel):
    code: str
    name: str
    lines: list[dict[str, Any]]


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200), NO_CONTROLS]
    district: str = Field(pattern=r"^\d{6}$")
    command_code: str = Field(min_length=18, max_length=18)
    started_at: Moment | None = None


class ResourceLine(BaseModel):
    kind: str
    requested: int
    committed: int


class DispatchOut(BaseModel):
    code: str
    incident: str
    org_code: str
    org_name: str
    task: str
    status: str
    requested: dict[str, int]
    committed: dict[str, int]
    requested_at: datetime
    respond_by: datetime
    committed_at: datetime | None
    arrive_by: datetime | None
    released_at: datetime | None
    late: bool


class DepartmentLine(BaseModel):
    org_code: str
    org_name: str
    resources: list[ResourceLine]
    statuses: list[str]
    late: int


class TimelineItem(BaseModel):
    at: datetime
    what: str  # alert | request | commit | report | release | opened
    detail: str
    org_code: str | None = None


class IncidentOut(BaseModel):
    code: str
    title: str
    district: str
    status: str
    opened_by: str
    command_code: str
    plan: str | None
    started_at: datetime
    opened_at: datetime
    alerts: int
    dispatches: int
    late: int


class IncidentBoard(IncidentOut):
    alert_list: list[AlertOut]
    departments: list[DepartmentLine]
    dispatch_list: list[DispatchOut]
    timeline: list[TimelineItem]


class DispatchPlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str | None = Field(default=None, min_length=3, max_length=40,
                             description="default: the plan the incident's rule proposed")


class CommitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resources: dict[ResourceKind, Quantity] = Field(min_length=1)
    arrive_by: Moment
    note: Note = ""


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["en_route", "on_scene", "deployed", "completed"]
    deployed: dict[ResourceKind, Quantity] = Field(default_factory=dict)
    note: Note = ""
