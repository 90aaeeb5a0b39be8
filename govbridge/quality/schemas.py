"""Typed results of the quality use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Dimension = Literal["completeness", "validity", "uniqueness", "timeliness", "consistency"]


class QualityRunOut(BaseModel):
    """One quality run of a dataset: a score per dimension (0..1) and overall."""

    id: int
    resource_code: str
    at: datetime
    records: int = Field(description="current records (latest version per record key)")
    completeness: float
    validity: float
    uniqueness: float
    timeliness: float
    consistency: float | None = Field(description="None when nothing could be compared")
    overall: float
    details: dict[str, Any] = Field(description="counts behind each score")


class QualityTableRow(BaseModel):
    """A published dataset in the bureau-wide quality table."""

    resource_code: str
    name: str
    provider_code: str
    provider_name: str
    update_frequency: str
    at: datetime | None = Field(description="time of the latest run; None: never run")
    records: int | None
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    timeliness: float | None
    consistency: float | None
    overall: float | None
    previous_overall: float | None
    trend: float | None = Field(description="overall minus the previous run's overall")
    direction: Literal["up", "down", "flat"] | None


class FailingRow(BaseModel):
    """One row that fails a dimension. Subjects and IDs masked, sensitive values withheld."""

    subject: str | None = Field(default=None, description="masked: 320505********1234")
    record_key: str | None = None
    fields: list[str] = Field(default_factory=list)
    reason: str
    value: str | None = Field(default=None, description="this dataset's value, as shown")
    other_department: str | None = None
    other_dataset: str | None = None
    other_field: str | None = None
    other_value: str | None = None
    row_number: int | None = None
    batch_id: int | None = None
    count: int | None = Field(default=None, description="records sharing a duplicated key")


class FailingRows(BaseModel):
    resource_code: str
    dimension: Dimension
    rows: list[FailingRow]
    truncated: bool = Field(description="more rows fail than were listed")
