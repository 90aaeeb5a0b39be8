"""Certificate fixtures: the market regulator (provider) with its published 营业执照
certificate type, and an issuing helper that goes the way the rules want (the holder
registered; requested by the regulator's officer, approved by a second officer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from certificate_helpers import issue_approved

from govbridge.certificates.schemas import CertificateOut
from ingest_helpers import company_code, person_id


@pytest.fixture
def licence_type(publish, entry) -> str:
    return publish(entry(name="营业执照")).resource_code


@pytest.fixture
def person_type(publish, entry, elements) -> str:
    """A certificate type for persons (结婚证), keyed by the holder's citizen ID."""
    return publish(entry(
        name="结婚证", name_en="Marriage certificate", abstract="婚姻登记机关核发的结婚证。",
        subject_type="person", subject_field="id_number", keywords=["结婚证"],
        fields=[
            {"name": "id_number", "title": "公民身份号码", "element": elements["citizen_id"],
             "required": True, "grade": "important"},
            {"name": "spouse", "title": "配偶姓名", "element": elements["name"],
             "grade": "general-3"},
        ])).resource_code


@pytest.fixture
def issue(rt, provider, licence_type) -> Callable[..., CertificateOut]:
    def make(n: int = 1, **overrides: Any) -> CertificateOut:
        data: dict[str, Any] = {
            "certificate_type": licence_type,
            "holder_id": company_code(n), "holder_name": f"苏州测试{n}有限公司",
            "valid_until": datetime.now(UTC) + timedelta(days=3650),
            "data": {"legal_rep": "张三", "legal_rep_id": person_id(n),
                     "established": "2020-05-17"},
        }
        data.update(overrides)
        actor = data.pop("actor", provider["officer"])
        return issue_approved(rt, actor, data)

    return make
