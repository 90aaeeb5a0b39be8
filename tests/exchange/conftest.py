"""Exchange fixtures: a provider with a published 营业执照 dataset and stored rows, a
consumer department (税务局) with an officer and a system client, and an agreement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ingest.pipeline import ingest_rows
from ingest_helpers import licence_row

ROWS = 6


@dataclass
class Consumer:
    code: str
    id: int
    officer: Actor
    system: Actor


@pytest.fixture
def licences(rt, publish, entry, provider) -> str:
    code = publish(entry()).resource_code
    with rt.context() as ctx:
        report = ingest_rows(ctx, provider["officer"], code,
                             [licence_row(n) for n in range(ROWS)], source="rest")
    assert report.accepted == ROWS
    return code


@pytest.fixture
def consumer(rt, make_org) -> Consumer:
    code = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        org_id = org_by_code(ctx, code).id
    officer = Actor.for_user(user_id=501, username="officer.tax", roles=frozenset(
        {Role.DATA_OFFICER}), organization_id=org_id, subject_id=None)
    system = Actor.for_client(client_id=9, key_id="gbk_tax", organization_id=org_id)
    return Consumer(code, org_id, officer, system)


PURPOSE = {"kind": "legal_basis", "text": "《中华人民共和国税收征收管理法》第十五条"}


@pytest.fixture
def agree(rt, consumer, licences) -> Callable[..., Any]:
    def make(**overrides: Any):
        data = {"resource_code": licences, "fields": ["credit_code", "legal_rep",
                                                      "legal_rep_id", "established"],
                "purpose_kind": "legal_basis", "purpose_text": PURPOSE["text"],
                "valid_until": rt.clock().date() + timedelta(days=30)}
        data.update(overrides)
        with rt.context() as ctx:
            return agreements.request_agreement(ctx, consumer.officer, AgreementRequestIn(**data))

    return make
