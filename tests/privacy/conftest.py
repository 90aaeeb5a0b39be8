"""Privacy-job fixtures: four departments, each with a published person dataset whose rows
overlap in known ways, their officers, and the bureau."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from catalog_fixtures import department
from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetIn
from govbridge.ingest.pipeline import ingest_rows
from ingest_helpers import person_id


@dataclass
class Dept:
    code: str
    id: int
    officer: Any
    resource_code: str
    rows: list[dict[str, Any]]


def _entry(name: str, value: str, element: str) -> dict[str, Any]:
    return {
        "name": name, "name_en": name, "abstract": f"{name}（测试）", "share_type": "conditional",
        "share_condition": "用于依法履职，经提供部门审核同意后共享",
        "subject_type": "person", "subject_field": "id_number", "keywords": [name],
        "fields": [
            {"name": "id_number", "title": "公民身份号码", "element": "DE0002", "required": True,
             "grade": "important"},
            {"name": value, "title": value, "element": element, "grade": "general-2"},
            {"name": "score", "title": "score", "element": "DE0090", "grade": "general-2"},
            {"name": "flag", "title": "flag", "element": "DE0094", "grade": "general-2"},
        ],
    }


def _rows(seed: int, people: range, value: str) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    rows = []
    for n in people:
        score = round(rnd.uniform(0, 10), 2)
        rows.append({"id_number": person_id(n), value: f"{rnd.randrange(30000, 300000) / 100:.2f}",
                     "score": f"{score:.2f}",
                     "flag": int(score + rnd.gauss(0, 2) > 5)})
    return rows


@pytest.fixture
def city(rt, make_org, admin, elements) -> dict[str, Dept]:
    """mca: persons 0-59; nrp: 30-129 (30 shared with mca); hrss: 100-179; edu: none of
    the jobs' parties (a bystander)."""
    plan = {"mca": ("苏州市民政局", "最低生活保障（测试）", "amount", "DE0090", range(0, 60)),
            "nrp": ("苏州市自然资源和规划局", "不动产登记（测试）", "area", "DE0071",
                    range(30, 130)),
            "hrss": ("苏州市人力资源和社会保障局", "社保缴费（测试）", "amount", "DE0090",
                     range(100, 180)),
            "edu": ("苏州市教育局", "学籍（测试）", "amount", "DE0090", range(0, 20))}
    out = {}
    for i, (key, (org, name, value, element, people)) in enumerate(plan.items()):
        d = department(rt, make_org, org, user_id=3000 + i, username=f"officer.{key}")
        rows = _rows(i, people, value)
        with rt.context() as ctx:
            made = catalog.create_dataset(ctx, d["officer"], DatasetIn(**_entry(name, value,
                                                                                 element)))
            catalog.submit(ctx, d["officer"], made.resource_code)
            catalog.review(ctx, admin, made.resource_code, approve=True)
            report = ingest_rows(ctx, d["officer"], made.resource_code, rows, source="rest")
            assert report.accepted == len(rows), report
        out[key] = Dept(d["code"], d["id"], d["officer"], made.resource_code, rows)
    return out
