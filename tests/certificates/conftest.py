"""Certificate fixtures: the market regulator (provider) with its published 营业执照
certificate-type dataset, and an issuing helper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from govbridge.certificates import usecases
from govbridge.certificates.schemas import CertificateIn, CertificateOut
from ingest_helpers import company_code, person_id


@pytest.fixture
def licence_type(publish, entry) -> str:
    return publish(entry()).resource_code


@pytest.fixture
def issue(rt, provider, licence_type) -> Callable[..., CertificateOut]:
    def make(n: int = 1, **overrides: Any) -> CertificateOut:
        data: dict[str, Any] = {
            "type_name": "营业执照", "certificate_type": licence_type,
            "holder_id": company_code(n), "holder_name": f"苏州测试{n}有限公司",
            "valid_until": datetime.now(UTC) + timedelta(days=3650),
            "data": {"legal_rep": "张三", "legal_rep_id": person_id(n),
                     "established": "2020-05-17"},
        }
        data.update(overrides)
        actor = data.pop("actor", provider["officer"])
        with rt.context() as ctx:
            return usecases.issue_certificate(ctx, actor, CertificateIn(**data))

    return make
