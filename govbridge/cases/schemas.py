"""Typed inputs and results of the case use cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class CaseSubmitIn(BaseModel):
    """An application: the service item, the applicant's name and the form's fields."""

    model_config = ConfigDict(extra="forbid")
    item_code: str = Field(min_length=1, max_length=64)
    applicant_name: str = Field(min_length=1, max_length=200)
    form: dict[str, Any] = Field(default_factory=dict, description="form materials by key")


# The longest reason or opinion a person writes on a case (the forms cut at this length).
TEXT_MAX = 1000


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identity_checked_id: str = Field(min_length=1, max_length=18,
                                     description="the ID the clerk read from the applicant")


class NotAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=TEXT_MAX)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_id: str = Field(min_length=1, max_length=64)
    decision: Literal["approve", "return", "refuse"]
    opinion: str = Field(default="", max_length=TEXT_MAX)
    materials: list[str] = Field(default_factory=list, max_length=50,
                                 description="on return: the materials to supply again")


class MaterialOut(BaseModel):
    key: str
    name: str
    kind: str
    required: bool
    status: str
    source: str | None
    detail: str | None


class EventOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    detail: dict[str, Any]


class StepOut(BaseModel):
    task_id: str
    name: str
    department: str | None
    claimed_by: str | None = None


class CaseOut(BaseModel):
    code: str
    item_code: str
    item_version: int | None
    applicant_id: str
    applicant_name: str
    state: str
    submitted_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    promised_due: date | None
    reason: str | None
    overdue: bool = False
    suspended_at: datetime | None = Field(
        default=None, description="时限中止: waiting for the applicant's correction since")


class CaseCertificateOut(BaseModel):
    """A certificate the case's process issued."""

    id: int
    identifier: str
    type_name: str
    holder_id: str
    holder_name: str
    status: str
    issued_at: datetime


class CaseFileOut(BaseModel):
    material_key: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class CaseDetail(CaseOut):
    materials: list[MaterialOut]
    missing: list[str]
    current_steps: list[StepOut]
    events: list[EventOut]
    certificates: list[CaseCertificateOut] = Field(default_factory=list)
    files: list[CaseFileOut] = Field(default_factory=list)


class TaskOut(BaseModel):
    case_code: str
    item_code: str
    applicant_name: str
    promised_due: date | None
    task_id: str
    name: str
    department: str | None
    claimed_by: str | None = None


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_id: str = Field(min_length=1, max_length=64)


class SharedView(BaseModel):
    """A shared material as the viewing department's own agreement lets it see it."""

    key: str
    name: str
    resource_code: str | None
    status: Literal["shown", "no_agreement", "not_shared", "unavailable"]
    rows: list[dict[str, Any]] = Field(default_factory=list)
    masked_fields: list[str] = Field(default_factory=list)
    titles: dict[str, str] = Field(default_factory=dict, description="field -> its title")
    agreement: str | None = None
    query_id: str | None = None
    detail: str | None = None


class TickReport(BaseModel):
    timers_fired: int = 0
    reminded: list[str] = Field(default_factory=list)
    escalated: list[str] = Field(default_factory=list)
    completed: list[str] = Field(default_factory=list)
