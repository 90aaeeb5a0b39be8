"""Quality fixtures: two departments (公安局, 民政局) publishing person datasets that share
the birth-date element, helpers to store records, batches and quarantined rows directly,
and actors per role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetIn, DatasetOut
from govbridge.core.identifiers import citizen_id_check_char
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.usecases import seed_builtin_elements

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def citizen_id(n: int, born: str = "19900101") -> str:
    first17 = f"320505{born}{n:03d}"
    return first17 + citizen_id_check_char(first17)


def _text(spec: Any) -> str:
    return " ".join(str(v) for v in vars(spec).values() if isinstance(v, str))


def element_code(validator: str | None = None, *, category: str | None = None,
                 data_type: str | None = None, named: str | None = None) -> str:
    """Code of a builtin element by what it checks or what it is called."""
    for spec in BUILTIN_ELEMENTS:
        if named is not None:
            if named in _text(spec):
                return spec.code
            continue
        if validator is not None and spec.validator != validator:
            continue
        if category is not None and spec.category != category:
            continue
        if data_type is not None and spec.data_type != data_type:
            continue
        if validator is None and spec.validator is not None:
            continue
        if spec.code_table is not None:
            continue
        return spec.code
    raise LookupError((validator, category, data_type, named))


@pytest.fixture
def elements(rt) -> dict[str, str]:
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
    try:
        birth = element_code(named="出生日期")
    except LookupError:
        birth = element_code(None, data_type="date")
    return {
        "citizen_id": element_code("citizen_id"),
        "name": element_code(None, category="person", data_type="string"),
        "birth_date": birth,
        "mobile": element_code("mobile"),
    }


@dataclass
class Department:
    code: str
    id: int
    name: str
    officer: Actor


def _officer(org_id: int, username: str, role: Role = Role.DATA_OFFICER) -> Actor:
    return Actor.for_user(user_id=abs(hash(username)) % 10_000 + 2000, username=username,
                          roles=frozenset({role}), organization_id=org_id, subject_id=None)


@pytest.fixture
def departments(rt, make_org) -> dict[str, Department]:
    made: dict[str, Department] = {}
    for key, name in (("psb", "苏州市公安局"), ("mca", "苏州市民政局")):
        code = make_org(name=name)
        with rt.context() as ctx:
            org_id = org_by_code(ctx, code).id
        made[key] = Department(code, org_id, name, _officer(org_id, f"officer.{key}"))
    return made


@pytest.fixture
def admin() -> Actor:
    return Actor.for_user(user_id=1001, username="admin", roles=frozenset({Role.BUREAU_ADMIN}),
                          organization_id=None, subject_id=None)


@pytest.fixture
def actor_as(departments) -> Callable[[Role, str], Actor]:
    def make(role: Role, department: str = "psb") -> Actor:
        return _officer(departments[department].id, f"{role.value}.{department}", role)

    return make


def _field(name: str, title: str, element: str, grade: str, required: bool = False) -> dict:
    return {"name": name, "title": title, "element": element, "grade": grade,
            "required": required}


@pytest.fixture
def publish(rt, admin) -> Callable[..., DatasetOut]:
    def run(officer: Actor, data: dict[str, Any]) -> DatasetOut:
        with rt.context() as ctx:
            made = catalog.create_dataset(ctx, officer, DatasetIn(**data))
            catalog.submit(ctx, officer, made.resource_code)
            return catalog.review(ctx, admin, made.resource_code, approve=True)

    return run


@pytest.fixture
def population(elements, departments, publish) -> DatasetOut:
    """公安局's 人口基本信息: birth date graded important."""
    return publish(departments["psb"].officer, {
        "name": "人口基本信息",
        "abstract": "户籍人口的基本登记信息。",
        "share_type": "conditional",
        "share_condition": "用于政务服务事项办理",
        "subject_type": "person",
        "subject_field": "id_number",
        "update_frequency": "daily",
        "fields": [
            _field("id_number", "公民身份号码", elements["citizen_id"], "important", True),
            _field("name", "姓名", elements["name"], "general-3", True),
            _field("birth_date", "出生日期", elements["birth_date"], "important", True),
            _field("mobile", "联系电话", elements["mobile"], "general-2"),
        ],
    })


@pytest.fixture
def marriage(elements, departments, publish) -> DatasetOut:
    """民政局's 婚姻登记信息: birth date graded general."""
    return publish(departments["mca"].officer, {
        "name": "婚姻登记信息",
        "abstract": "婚姻登记当事人信息。",
        "share_type": "conditional",
        "share_condition": "用于政务服务事项办理",
        "subject_type": "person",
        "subject_field": "id_number",
        "update_frequency": "monthly",
        "fields": [
            _field("id_number", "公民身份号码", elements["citizen_id"], "important", True),
            _field("name", "姓名", elements["name"], "general-3", True),
            _field("birth_date", "出生日期", elements["birth_date"], "general-2"),
        ],
    })


@pytest.fixture
def store(rt) -> Callable[..., int]:
    """Store one accepted batch of records (and its rejected rows) directly."""
    counter = iter(range(1, 10_000))

    def run(resource_code: str, rows: list[dict[str, Any]], *, at: datetime = T0,
            rejected: list[dict[str, Any]] = (), key: str = "id_number",
            keys: list[str] | None = None, version: str = "1") -> int:
        with rt.context() as ctx:
            ds = catalog.find_dataset(ctx, resource_code)
            batch = IngestBatch(dataset_id=ds.id, dataset_version=ds.published_version or 1,
                                source="upload", content_sha256=f"{next(counter):064x}",
                                filename="rows.csv", received=len(rows) + len(rejected),
                                accepted=len(rows), rejected=len(rejected), report={},
                                created_by="test", created_at=at)
            ctx.db.add(batch)
            ctx.db.flush()
            for i, row in enumerate(rows):
                record_key = keys[i] if keys else row[key]
                ctx.db.add(DatasetRecord(dataset_id=ds.id, record_key=record_key,
                                         version=version, subject_id=row.get(key), data=row,
                                         batch_id=batch.id, created_at=at))
            for i, bad in enumerate(rejected):
                ctx.db.add(QuarantinedRow(dataset_id=ds.id, batch_id=batch.id,
                                          row_number=len(rows) + i + 2, raw=bad["raw"],
                                          problems=bad["problems"],
                                          status=bad.get("status", "open"), created_at=at))
            return batch.id

    return run


@pytest.fixture
def pid() -> Callable[..., str]:
    return citizen_id


@pytest.fixture
def t0() -> datetime:
    return T0
