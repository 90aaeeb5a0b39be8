"""Results of the analytics: the certificate graph, demand, outcomes, what-if replays."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GraphNode(BaseModel):
    key: str = Field(description="The resource code of the certificate type or dataset")
    name: str
    provider: str | None = Field(description="Credit code of the department holding it")
    provider_name: str | None = None
    kind: str
    items: list[str] = Field(description="Service items requiring it")
    departments: list[str] = Field(description="Credit codes of those items' lead departments")
    demand: int = Field(description="Cases whose item requires it")
    saves: int = Field(description="Uploads of it: submissions sharing it would remove")
    rank: int


class GraphEdge(BaseModel):
    source: str
    target: str
    weight: int = Field(description="Cases of the items requiring both")
    items: list[str]


class GraphOut(BaseModel):
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class ItemDemand(BaseModel):
    item: str
    name: str
    by_month: dict[str, int]
    total: int


class StepOut(BaseModel):
    item: str
    department: str
    department_name: str | None = None
    steps: int
    avg_hours: float
    promised_hours: int
    share_of_promised: float = Field(description="Mean step hours / the case's promised hours")


class CountOut(BaseModel):
    key: str
    count: int


class TransitionOut(BaseModel):
    source: str
    target: str
    source_name: str | None = None
    target_name: str | None = None
    applicants: int = Field(description="Distinct applicants (groups under min_group hidden)")


class DemandOut(BaseModel):
    period: str | None
    months: list[str]
    items: list[ItemDemand]
    weekday: list[int] = Field(description="Cases submitted per weekday, Monday first")
    month_of_year: list[int]
    steps: list[StepOut]
    causes: list[CountOut]
    other_causes: int = Field(description="Returns whose cause is shared by fewer cases")
    journeys: list[TransitionOut]
    other_journeys: int
    min_group: int


class OutcomeOut(BaseModel):
    key: str = Field(description="Item code, month (YYYY-MM) or 'all'")
    name: str | None = None
    cases: int
    completed: int
    avg_handling_days: float | None
    avg_promised_days: float | None
    sharing_rate: float | None
    trips_per_case: float | None
    on_time_rate: float | None


class OutcomesOut(BaseModel):
    period: str | None
    overall: OutcomeOut
    items: list[OutcomeOut]
    trend: list[OutcomeOut]
