"""Typed inputs and results of the catalog use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS

ShareType = Literal["unconditional", "conditional", "none"]
ShareMethod = Literal["api", "file", "db_sync"]
Frequency = Literal["realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]
SubjectType = Literal["person", "enterprise", "none"]
Format = Literal["database", "spreadsheet", "file", "api", "stream"]

# The longest review comment and retirement reason (the use cases check them for every
# edge, see `core.inputs.checked`).
COMMENT_MAX = 2000
REASON_MAX = 2000


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, description="column name in files and API")
    title: str = Field(min_length=1, max_length=100, description="Chinese label")
    element: str = Field(description="data element code, e.g. DE0001")
    element_version: int | None = Field(default=None, description="default: latest")
    required: bool = False
    grade: str | None = Field(
        default=None, description="core | important | general-4 .. general-1 (GB/T 43697)"
    )
    description: str | None = Field(default=None, max_length=500)


class FieldOut(BaseModel):
    name: str
    title: str
    element: str
    element_version: int
    data_type: str
    max_length: int | None
    required: bool
    grade: str
    description: str | None


class DatasetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    abstract: str = Field(min_length=2, max_length=4000)
    provider_code: str | None = Field(default=None, description="default: your organization")
    classification: str = Field(
        default="301001001",
        description="前段码: class (1 digit) + item (2) + category (3) + subcategory (3)",
    )
    format: Format = "database"
    share_type: ShareType
    share_condition: str | None = Field(default=None, max_length=2000)
    legal_basis: str | None = Field(default=None, max_length=2000)
    share_method: ShareMethod = "api"
    open_to_public: bool = False
    open_condition: str | None = Field(default=None, max_length=2000)
    update_frequency: Frequency = "daily"
    subject_type: SubjectType = "person"
    subject_field: str | None = None
    key_field: str | None = None
    keywords: list[str] = Field(default_factory=list, max_length=30)
    related_codes: list[str] = Field(default_factory=list, max_length=30)
    certificate_type: bool = False
    fields: list[FieldIn] = Field(min_length=1, max_length=300)


class VersionOut(BaseModel):
    version: int
    status: str
    grade: str
    created_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_comment: str | None


class DatasetOut(BaseModel):
    resource_code: str
    name: str
    name_en: str | None
    abstract: str
    provider_code: str
    provider_name: str
    format: str
    share_type: str
    share_condition: str | None
    legal_basis: str | None
    share_method: str
    open_to_public: bool
    open_condition: str | None
    update_frequency: str
    subject_type: str
    subject_field: str | None
    key_field: str | None
    keywords: list[str]
    related_codes: list[str]
    certificate_type: bool
    status: str
    grade: str
    published_version: int | None
    published_at: datetime | None
    version: int = Field(description="the version whose fields are shown")
    fields: list[FieldOut]
    versions: list[VersionOut]

    @property
    def published(self) -> bool:
        """In the catalog for everyone: search, DCAT and requests find it."""
        return self.status == "published"


class SearchHit(BaseModel):
    resource_code: str
    name: str
    name_en: str | None
    provider_code: str
    provider_name: str
    share_type: str
    grade: str
    format: str
    subject_type: str
    abstract: str
    score: float


class SearchResult(BaseModel):
    query: str
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]
    provider_names: dict[str, str] = Field(
        default_factory=dict, description="name of each provider code in the facets")


class ReviewIn(BaseModel):
    """The data bureau's review: publish, or return with a comment."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    comment: Annotated[str, Field(max_length=COMMENT_MAX), NO_CONTROLS] | None = Field(
        default=None, description="required to return")


class RetireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX), NO_CONTROLS]


class VersionIn(BaseModel):
    """A schema change of a published dataset: its fields in the new version."""

    model_config = ConfigDict(extra="forbid")

    fields: list[FieldIn] = Field(min_length=1, max_length=300)
