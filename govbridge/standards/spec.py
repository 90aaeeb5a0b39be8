"""What a data element says about a value: type, length, format, code table, validator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DataType = Literal["string", "integer", "decimal", "date", "datetime", "boolean"]
DATA_TYPES: tuple[str, ...] = ("string", "integer", "decimal", "date", "datetime", "boolean")
VALIDATORS: tuple[str, ...] = (
    "citizen_id",
    "credit_code",
    "mobile",
    "division",
    "email",
    "regex",
    "range",
)
CATEGORIES: tuple[str, ...] = (
    "person",
    "enterprise",
    "address",
    "contact",
    "certificate",
    "date",
    "money",
    "other",
)
CODE = re.compile(r"^DE\d{4,6}$")
# Masks the exchange applies by default: redact, keep:<first>:<last>, surname, year,
# district, hash, null.
MASK = re.compile(r"^(redact|surname|year|district|hash|null|keep:\d{1,2}:\d{1,2})$")


@dataclass(frozen=True)
class ElementSpec:
    code: str
    version: int
    name_zh: str
    name_en: str
    data_type: DataType
    category: str
    max_length: int | None = None
    format: str | None = None
    code_table: str | None = None
    validator: str | None = None
    pattern: str | None = None
    min_value: str | None = None
    max_value: str | None = None
    subject_kind: str | None = None
    default_mask: str | None = None
    suggested_grade: str | None = None
    description_zh: str | None = None
