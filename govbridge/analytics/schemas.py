"""Results of the analytics: the certificate graph, demand, outcomes, what-if replays."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GraphNode(BaseModel):
    key: str = Field(description="The resource code of the certificate type or dataset")
    name: str
    provider: str | None = Field(description="Credit code of the department holding it")
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
