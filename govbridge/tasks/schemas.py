"""Typed inputs and results of the campaign and task use cases (API, CLI and web share
them). Limits here are the ones every edge meets (`core.inputs.checked`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS
from govbridge.tasks import links, rules

Title = Annotated[str, Field(min_length=1, max_length=200), NO_CONTROLS]
Text = Annotated[str, Field(max_length=4000), NO_CONTROLS]
Reason = Annotated[str, Field(max_length=2000), NO_CONTROLS]
Link = Annotated[str, Field(max_length=links.LINK_MAX)] | None
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{2,31}$"
MAX_WORKING_DAYS = 750  # three years of working days
MAX_DEPENDENCIES = 50
ID_MAX = 2**63 - 1  # a database id (BIGINT); a larger number is refused, not sent to SQL
# Dates a campaign can plan with: working-day arithmetic and the Gantt chart's margins
# overflow near date.min / date.max (a 500), and no campaign runs in year 1 or 9999.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
PlanDate = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class LinksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meeting_url: Link = Field(default=None, description="https link to a Jitsi room")
    chat_url: Link = Field(default=None, description="https link to a Matrix room")
    docs_url: Link = Field(default=None,
                           description="https link to a Nextcloud / OnlyOffice folder")


class CampaignIn(LinksIn):
    code: Annotated[str, Field(pattern=CODE_PATTERN)] | None = Field(
        default=None, description="short code, e.g. WMCS-2026; default: made up")
    title: Title
    description: Text = ""
    lead_organization_code: str | None = Field(
        default=None, max_length=18, description="the lead department; default: your own")
    leader: str | None = Field(default=None, max_length=64,
                               description="user name of the leader; default: you")
    deadline: PlanDate


class DependencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: int = Field(ge=1, le=ID_MAX, description="the predecessor task's id")
    lag: int = Field(default=0, ge=0, le=250, description="working days after it is due")


class TaskIn(LinksIn):
    campaign: str = Field(min_length=1, max_length=32)
    title: Title
    organization_code: str = Field(min_length=1, max_length=18,
                                   description="the owning department")
    officer: str | None = Field(default=None, max_length=64,
                                description="user name of the officer in charge")
    parent: int | None = Field(default=None, ge=1, le=ID_MAX,
                                description="the parent task's id")
    start: PlanDate | None = Field(default=None,
                               description="default: the first day its dependencies allow")
    working_days: int = Field(ge=1, le=MAX_WORKING_DAYS)
    weight: int = Field(default=1, ge=1, le=100)
    depends_on: list[DependencyIn] = Field(default_factory=list,
                                           max_length=MAX_DEPENDENCIES)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percent: int = Field(ge=0, le=100)
    text: Text = ""
    submit: bool = Field(default=False, description="submit the task for acceptance")


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = ""


class DependencyOut(BaseModel):
    task: int
    lag: int


class TaskOut(BaseModel):
    id: int
    campaign: str
    title: str
    department: str = Field(description="the owning department's credit code")
    department_name: str
    officer: str | None
    parent: int | None
    state: Literal[rules.NOT_STARTED, rules.IN_PROGRESS, rules.SUBMITTED, rules.ACCEPTED,
                   rules.RETURNED, rules.BLOCKED, rules.CANCELLED]
    start: date
    due: date
    working_days: int
    weight: int
    progress: int
    late: bool
    status: Literal[rules.ON_TRACK, rules.AT_RISK, rules.LATE, rules.DONE, rules.WAITING]
    reason: str | None
    depends_on: list[DependencyOut]
    meeting_url: str | None
    chat_url: str | None
    docs_url: str | None


class AttachmentOut(BaseModel):
    id: int
    filename: str
    media_type: str
    size: int


class TaskEventOut(BaseModel):
    at: datetime
    kind: str
    actor: str
    percent: int | None
    text: str
    attachments: list[AttachmentOut] = Field(default_factory=list)


class TaskDetail(TaskOut):
    critical: bool
    actions: list[str] = Field(description="what the caller may do with it now")
    timeline: list[TaskEventOut]


class DepartmentProgress(BaseModel):
    department: str
    department_name: str
    progress: float
    tasks: int
    late: int
    at_risk: int


class CampaignOut(LinksIn):
    code: str
    title: str
    description: str
    lead_organization_code: str
    lead_organization_name: str
    leader: str
    deadline: date
    progress: float = Field(description="weighted roll-up of the tasks you can see, 0-100")
    tasks: int
    late: int
    at_risk: int


class CampaignDetail(CampaignOut):
    task_list: list[TaskOut]
    rollup: dict[int, float] = Field(description="each task's progress with its subtree")
    departments: list[DepartmentProgress]
    critical_path: list[int] = Field(description="ids of the tasks with zero float")
    projected_finish: date | None
    is_leader: bool


class IntegrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign: str = Field(min_length=1, max_length=32)
    name: Annotated[str, Field(min_length=1, max_length=100), NO_CONTROLS]
    kind: Literal["meeting", "chat", "docs"]


class IntegrationOut(BaseModel):
    id: int
    campaign: str
    name: str
    kind: str
    active: bool
    hook_path: str = Field(description="where the tool posts (Standard Webhooks signed)")


class IntegrationCreated(IntegrationOut):
    secret: str = Field(description="the whsec_ secret: shown this once, never again")


class HookEntryIn(BaseModel):
    """What a tool posts into a task's timeline."""

    model_config = ConfigDict(extra="forbid")

    task: int = Field(ge=1, le=ID_MAX)
    text: Annotated[str, Field(min_length=1, max_length=2000), NO_CONTROLS]
    link: Link = None


class HookAccepted(BaseModel):
    task: int
    accepted: bool = True


class RemindReport(BaseModel):
    """One reminder round: open tasks looked at, reminders sent per stage."""

    examined: int = 0
    before: int = 0
    due: int = 0
    overdue: int = 0
    notifications: int = 0
