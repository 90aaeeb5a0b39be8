"""Typed input and output of live sources (同源).

The connection URL is write-only: it is accepted here and stored encrypted, and
no output model has a field that could carry it back. Its checks happen in the
use case (`live.register_live_source`), not in a pydantic validator, so a
rejected URL is never echoed in a validation error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LiveSourceIn(BaseModel):
    """Register (or replace) the live source of a dataset.

    - kind "sql": `url` is a SQLAlchemy URL of the department's database server (not a
      SQLite file, not the platform's own database);
      `query` is either a SELECT using the expanding bind parameter
      `:subject_ids`, or a table name (optionally `schema.table`);
    - kind "rest": `url` is a template such as
      `https://host/persons/{subject_id}` answering JSON (an object, or a list
      of objects); `query` is unused.

    `mapping` maps each dataset field to its column (sql) or JSON key (rest;
    dots reach into nested objects). Fields not mapped are read under their own name.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["sql", "rest"]
    url: str
    query: str | None = Field(default=None, max_length=20_000)
    mapping: dict[str, str] = Field(default_factory=dict, max_length=300)


class LiveSourceOut(BaseModel):
    resource_code: str
    kind: str
    location: str = Field(description="scheme and host only; credentials masked")
    query: str | None
    mapping: dict[str, str]
    created_by: str
    created_at: datetime


class LiveReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_ids: list[str] = Field(min_length=1, max_length=500)


class LiveRowProblem(BaseModel):
    """One value read from the source that breaks the dataset's element rules."""

    subject_id: str | None
    row: int
    field: str
    value: str | None
    rule: str
    reason: str


class LiveReadResult(BaseModel):
    resource_code: str
    dataset_version: int
    rows: list[dict[str, Any]]
    problems: list[LiveRowProblem]
    missing: list[str] = Field(description="subject IDs the source has no row for")
    elapsed_ms: float
