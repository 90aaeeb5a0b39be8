"""Typed inputs and results of the data element use cases."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.errors import FieldProblem
from govbridge.core.grading import is_grade
from govbridge.standards.code_tables import NAMES
from govbridge.standards.spec import CATEGORIES, CODE, DATA_TYPES, MASK, VALIDATORS


class ElementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="DE followed by 4-6 digits")
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    data_type: str
    category: str = "other"
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    format: str | None = Field(default=None, max_length=100)
    code_table: str | None = None
    validator: str | None = None
    pattern: str | None = Field(default=None, max_length=200)
    min_value: str | None = None
    max_value: str | None = None
    subject_kind: str | None = None
    default_mask: str | None = None
    suggested_grade: str | None = None
    description_zh: str | None = Field(default=None, max_length=2000)

    def problems(self) -> list[FieldProblem]:
        """Every rule this element breaks, each naming its field."""
        out: list[FieldProblem] = []

        def bad(field: str, reason: str, value: object, code: str = "invalid") -> None:
            out.append(FieldProblem(field, reason, None if value is None else str(value), code))

        if not CODE.match(self.code):
            bad("code", "must be DE followed by 4 to 6 digits", self.code, "format")
        if self.data_type not in DATA_TYPES:
            bad("data_type", f"choose one of {', '.join(DATA_TYPES)}", self.data_type, "unknown")
        if self.category not in CATEGORIES:
            bad("category", f"choose one of {', '.join(CATEGORIES)}", self.category, "unknown")
        if self.code_table is not None and self.code_table not in NAMES:
            bad(
                "code_table",
                f"unknown code table; known: {', '.join(NAMES)}",
                self.code_table,
                "unknown",
            )
        if self.validator is not None and self.validator not in VALIDATORS:
            bad("validator", f"choose one of {', '.join(VALIDATORS)}", self.validator, "unknown")
        if self.validator == "regex":
            if not self.pattern:
                bad("pattern", "a regex validator needs a pattern", None, "required")
            else:
                try:
                    re.compile(self.pattern)
                except re.error as exc:
                    bad("pattern", f"not a regular expression: {exc}", self.pattern, "format")
        if self.data_type != "string" and (
            self.code_table or self.validator not in (None, "range")
        ):
            bad(
                "data_type",
                "code tables and identifier validators apply to strings only",
                self.data_type,
                "conflict",
            )
        if self.subject_kind not in (None, "person", "enterprise"):
            bad("subject_kind", "person, enterprise or empty", self.subject_kind, "unknown")
        if self.default_mask is not None and not MASK.match(self.default_mask):
            bad(
                "default_mask",
                "redact, surname, year, district, hash, null or keep:N:M",
                self.default_mask,
                "format",
            )
        if self.suggested_grade is not None and not is_grade(self.suggested_grade):
            bad(
                "suggested_grade",
                "core, important or general-4 .. general-1",
                self.suggested_grade,
                "unknown",
            )
        return out


class ElementOut(BaseModel):
    code: str
    version: int
    name_zh: str
    name_en: str
    data_type: str
    category: str
    max_length: int | None
    format: str | None
    code_table: str | None
    validator: str | None
    pattern: str | None
    min_value: str | None
    max_value: str | None
    subject_kind: str | None
    default_mask: str | None
    suggested_grade: str | None
    description_zh: str | None
    status: str
    created_at: datetime


class CodeTableOut(BaseModel):
    name: str
    title_zh: str
    title_en: str
    standard: str
    entries: dict[str, str]
