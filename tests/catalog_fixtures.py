"""Catalog fixtures shared by catalog, ingest and web tests: seeded data elements, a provider
department, a dataset factory. Each test folder's conftest.py imports the ones it uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from govbridge.catalog import usecases
from govbridge.catalog.schemas import DatasetIn, DatasetOut
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.usecases import seed_builtin_elements


def element(
    validator: str | None = None, *, category: str | None = None, data_type: str | None = None
) -> str:
    """Code of a builtin element by what it checks (keeps tests independent of numbering)."""
    for spec in BUILTIN_ELEMENTS:
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
    raise LookupError((validator, category, data_type))


@pytest.fixture
def elements(rt) -> dict[str, str]:
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
    return {
        "citizen_id": element("citizen_id"),
        "credit_code": element("credit_code"),
        "name": element(None, category="person", data_type="string"),
        # 成立日期 (an enterprise's date), not the first date element (出生日期): a birth date in
        # clear beside a kept ID number makes the gateway pseudonymise the ID.
        "date": element(None, category="enterprise", data_type="date"),
        "mobile": element("mobile"),
    }


def department(rt, make_org, name: str, *, user_id: int, username: str) -> dict[str, Any]:
    """An organization with one data officer: {"code", "id", "officer"}."""
    code = make_org(name=name)
    with rt.context() as ctx:
        org_id = org_by_code(ctx, code).id
    officer = Actor.for_user(
        user_id=user_id,
        username=username,
        roles=frozenset({Role.DATA_OFFICER}),
        organization_id=org_id,
        subject_id=None,
    )
    return {"code": code, "id": org_id, "officer": officer}


@pytest.fixture
def provider(rt, make_org) -> dict[str, Any]:
    return department(rt, make_org, "苏州市市场监督管理局", user_id=1000, username="officer.amr")


@pytest.fixture
def admin() -> Actor:
    return Actor.for_user(
        user_id=1001,
        username="admin",
        roles=frozenset({Role.BUREAU_ADMIN}),
        organization_id=None,
        subject_id=None,
    )


@pytest.fixture
def entry(elements) -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        base = {
            "name": "企业营业执照信息",
            "name_en": "Business licence information",
            "abstract": "市场主体登记后核发的营业执照的主要登记事项。",
            "share_type": "unconditional",
            "subject_type": "enterprise",
            "subject_field": "credit_code",
            "keywords": ["营业执照", "市场主体"],
            "certificate_type": True,
            "fields": [
                {
                    "name": "credit_code",
                    "title": "统一社会信用代码",
                    "element": elements["credit_code"],
                    "required": True,
                    "grade": "general-2",
                },
                {
                    "name": "legal_rep",
                    "title": "法定代表人姓名",
                    "element": elements["name"],
                    "grade": "general-3",
                },
                {
                    "name": "legal_rep_id",
                    "title": "法定代表人公民身份号码",
                    "element": elements["citizen_id"],
                    "grade": "important",
                },
                {
                    "name": "established",
                    "title": "成立日期",
                    "element": elements["date"],
                    "grade": "general-1",
                },
            ],
        }
        base.update(overrides)
        return base

    return make


@pytest.fixture
def publish(rt, provider, admin) -> Callable[[dict[str, Any]], DatasetOut]:
    def run(data: dict[str, Any]) -> DatasetOut:
        with rt.context() as ctx:
            made = usecases.create_dataset(ctx, provider["officer"], DatasetIn(**data))
            usecases.submit(ctx, provider["officer"], made.resource_code)
            return usecases.review(ctx, admin, made.resource_code, approve=True)

    return run
