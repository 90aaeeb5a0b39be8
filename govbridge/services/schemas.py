"""Typed inputs and results of the service-item use cases."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MaterialKind = Literal["certificate", "dataset", "form", "upload"]
ItemStatus = Literal["draft", "published", "retired"]
DayKind = Literal["holiday", "workday"]

CODE_PATTERN = r"^[0-9A-Z][0-9A-Z-]{2,63}$"
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class Material(BaseModel):
    """A required material: shared (certificate / dataset) or supplied (form / upload)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=KEY_PATTERN, description="unique within the item, e.g. id_card")
    name: str = Field(min_length=1, max_length=200)
    kind: MaterialKind
    resource_code: str | None = Field(
        default=None, max_length=32,
        description="catalog resource code of the dataset or certificate type (sharing kinds)",
    )
    required: bool = True

    @model_validator(mode="after")
    def _resource_only_for_sharing(self) -> Material:
        if self.resource_code and self.kind in ("form", "upload"):
            raise ValueError("resource_code is for materials of kind certificate or dataset")
        return self


HolderRule = Literal["applicant", "new_enterprise"]
# A source of a certificate field: the applicant's or holder's id or name, the case code,
# the issuing department's name, today's date, a form value ("form:<key>.<name>") or a
# fixed text ("=text").
SOURCE_PATTERN = (r"^(applicant_id|applicant_name|holder_id|holder_name|case_code|issuer_name"
                  r"|today|form:[a-z][a-z0-9_]{0,63}(\.[a-z][a-z0-9_]{0,63})?|=.{1,200})$")


class Outcome(BaseModel):
    """The certificate (电子证照) a service item's process issues: by the department of
    the lane of the service task named `task` when that task runs, or by the lead
    department when the process ends approved (`task` None)."""

    model_config = ConfigDict(extra="forbid")
    type_name: str = Field(min_length=1, max_length=100, description="e.g. 营业执照")
    certificate_type: str | None = Field(
        default=None, max_length=32,
        description="resource code of the issuer's certificate-type dataset: the new "
                    "certificate becomes a row of it, served at once by the exchange")
    task: str | None = Field(default=None, max_length=200,
                             description="BPMN id of the service task that issues it")
    holder: HolderRule = Field(
        default="applicant",
        description="applicant, or new_enterprise: a new unified social credit code is "
                    "assigned to the enterprise the case creates")
    holder_name: str = Field(default="applicant_name", pattern=SOURCE_PATTERN)
    valid_years: int | None = Field(default=None, ge=1, le=100, description="None: no expiry")
    data: dict[str, str] = Field(
        default_factory=dict, max_length=40,
        description="certificate field -> source (applicant_id, applicant_name, holder_id, "
                    "holder_name, case_code, issuer_name, today, form:<key>.<name>, =text)")

    @model_validator(mode="after")
    def _sources(self) -> Outcome:
        bad = [f"{k}={v}" for k, v in self.data.items() if not re.match(SOURCE_PATTERN, v)]
        if bad:
            raise ValueError(f"unknown data sources: {', '.join(bad)}")
        return self


class ServiceItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE_PATTERN, description="事项编码, e.g. 11320500MB1J374274-QY-001")
    name: str = Field(min_length=1, max_length=200)
    lead_org_code: str
    participating_org_codes: list[str] = Field(default_factory=list, max_length=50)
    materials: list[Material] = Field(default_factory=list, max_length=100)
    promised_days: int = Field(ge=0, le=3650, description="承诺时限, working days")
    legal_days: int = Field(ge=1, le=3650, description="法定时限, working days")
    fee: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1000000"), decimal_places=2,
                         description="yuan")
    outcome: Outcome | None = None


class ServiceItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    lead_org_code: str | None = None
    participating_org_codes: list[str] | None = Field(default=None, max_length=50)
    materials: list[Material] | None = Field(default=None, max_length=100)
    promised_days: int | None = Field(default=None, ge=0, le=3650)
    legal_days: int | None = Field(default=None, ge=1, le=3650)
    fee: Decimal | None = Field(default=None, ge=0, le=Decimal("1000000"), decimal_places=2)
    status: ItemStatus | None = None
    outcome: Outcome | None = None


class LaneOut(BaseModel):
    lane: str
    department: str | None  # credit code; None while unmapped (blocks publishing)


class ServiceItemOut(BaseModel):
    code: str
    name: str
    lead_org_code: str
    lead_org_name: str
    participating_org_codes: list[str]
    materials: list[Material]
    promised_days: int
    legal_days: int
    fee: Decimal
    outcome: Outcome | None = None
    status: ItemStatus
    current_version: int | None
    process_id: str | None
    departments: list[str] = Field(description="credit codes of the departments in the process")
    lanes: list[LaneOut] = Field(default_factory=list, description=(
        "lanes (or pools) of the process's user tasks and their departments; an unmapped "
        "lane blocks publishing"))
    created_by: str
    created_at: datetime
    updated_at: datetime


class LaneMapIn(BaseModel):
    """Lane (or pool) name -> the credit code of its department; null removes a mapping."""

    lanes: dict[str, str | None] = Field(max_length=200)


class VersionOut(BaseModel):
    code: str
    version: int
    current: bool
    process_id: str
    process_name: str
    sha256: str
    departments: list[str]
    created_by: str
    created_at: datetime
    bpmn_xml: str | None = Field(default=None, description="only when asked for one version")


class HolidayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: date
    kind: DayKind = Field(description="holiday: a day off; workday: a make-up working day (调休)")
    name: str = Field(min_length=1, max_length=100)


class HolidayOut(BaseModel):
    day: date
    kind: DayKind
    name: str
    created_by: str
