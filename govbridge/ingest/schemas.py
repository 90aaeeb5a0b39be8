"""Typed results of the ingest use cases: batch reports and quarantined rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class RowProblem(BaseModel):
    """One rule one value broke, and where: row number (line in the file), field, value."""

    row: int | None
    field: str
    value: str | None = None
    rule: str
    reason: str


class BatchReport(BaseModel):
    """What became of one batch: every row is accepted, a duplicate, or rejected."""

    resource_code: str
    dataset_version: int
    batch_id: int | None
    source: str
    filename: str | None = None
    content_sha256: str
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    duplicate_batch: bool = Field(
        default=False, description="the same content was ingested before; nothing was added"
    )
    problems: list[RowProblem] = Field(default_factory=list)
    problems_truncated: int = Field(
        default=0, description="problems left out of this report; all are in the quarantine"
    )
    warnings: list[RowProblem] = Field(
        default_factory=list,
        description="accepted values to look at: text a spreadsheet would run as a formula "
                    "(rule formula_like), written behind a leading ' on every export")
    warnings_truncated: int = Field(default=0, description="warnings left out of this report")


class RowIn(BaseModel):
    """A corrected row sent back from the quarantine."""

    data: dict[str, Any]


class QuarantinedRowOut(BaseModel):
    id: int
    resource_code: str
    batch_id: int | None
    row: int | None
    raw: dict[str, Any]
    problems: list[dict[str, Any]]
    status: str
    resolved_batch_id: int | None
    created_at: datetime


class BatchOut(BaseModel):
    id: int
    resource_code: str
    dataset_version: int
    source: str
    filename: str | None
    received: int
    accepted: int
    duplicates: int
    rejected: int
    created_by: str
    created_at: datetime
