"""Typed inputs and results of the identity use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS
from govbridge.core.permissions import Role

Level = Literal["province", "city", "district"]
SecondFactor = Literal["none", "verify", "enroll"]
# How a listing shows an applicant's identifier: in full (revealed on purpose, audited),
# masked, or not at all; None for staff, who have none.
SubjectShown = Literal["full", "masked", "withheld"]


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="统一社会信用代码 (GB 32100), 18 characters")
    name: Annotated[str, Field(min_length=2, max_length=200), NO_CONTROLS]
    name_en: Annotated[str, Field(max_length=200), NO_CONTROLS] | None = None
    level: Level
    vertically_managed: bool = False
    division_code: str | None = None
    parent_code: str | None = None


class OrganizationOut(BaseModel):
    code: str
    name: str
    name_en: str | None
    level: Level
    vertically_managed: bool
    division_code: str | None
    parent_code: str | None
    active: bool
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64)
    display_name: Annotated[str, Field(min_length=1, max_length=100), NO_CONTROLS]
    password: str = Field(repr=False)
    roles: list[Role] = Field(min_length=1)
    organization_code: str | None = None
    subject_id: str | None = Field(
        default=None, description="applicants: citizen ID number or credit code"
    )


class UserOut(BaseModel):
    username: str
    display_name: str
    roles: list[Role]
    organization_code: str | None
    subject_type: str | None
    subject_id: str | None = Field(
        description="applicants: masked (first 6 and last 4 characters) unless revealed by "
        "the bureau; withheld from other readers"
    )
    subject_id_shown: SubjectShown | None = None
    totp_enrolled: bool
    active: bool
    created_at: datetime


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization_code: str
    name: Annotated[str, Field(min_length=2, max_length=100), NO_CONTROLS]


class ClientOut(BaseModel):
    key_id: str
    name: str
    organization_code: str
    created_by: str
    created_by_active: bool | None = Field(
        default=None,
        description="whether the account that made the key is still active (null: made by "
        "the operator); deactivating it revokes the key",
    )
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ClientCreated(ClientOut):
    api_key: str = Field(description="shown once; only its hash is stored", repr=False)


class LoginResult(BaseModel):
    session_token: str = Field(repr=False)
    csrf_token: str = Field(repr=False)
    second_factor: SecondFactor
    expires_at: datetime
