"""Node fixtures: two provider departments with a published dataset each, a consumer with
agreements and an API key, enrolment into a directory, and a node served in a thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.permissions import Role
from govbridge.identity import clients
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.identity.schemas import ClientCreate
from govbridge.nodes.config import write_node_dir
from govbridge.nodes.usecases import enroll_node
from node_helpers import FIELDS, PURPOSE_TEXT


def officer_of(org_id: int, user_id: int) -> Actor:
    return Actor.for_user(user_id=user_id, username=f"officer{user_id}",
                          roles=frozenset({Role.DATA_OFFICER}), organization_id=org_id,
                          subject_id=None)


@dataclass
class City:
    a_code: str  # provider A (市场监管局): unconditional licences
    a_dataset: str
    b_code: str  # provider B (人社局): conditional dataset
    b_dataset: str
    b_officer: Actor
    consumer_code: str
    consumer_officer: Actor
    api_key: str


@pytest.fixture
def city(rt, provider, publish, entry, make_org, admin) -> City:
    a_dataset = publish(entry()).resource_code
    b_code = make_org(name="苏州市人力资源和社会保障局")
    consumer_code = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        b_id = org_by_code(ctx, b_code).id
        c_id = org_by_code(ctx, consumer_code).id
    b_officer = officer_of(b_id, 1100)
    with rt.context() as ctx:
        made = catalog.create_dataset(ctx, b_officer, DatasetIn(**entry(
            name="企业参保登记信息", share_type="conditional",
            share_condition="仅用于税收征管")))
        catalog.submit(ctx, b_officer, made.resource_code)
        b_dataset = catalog.review(ctx, admin, made.resource_code, approve=True).resource_code
    consumer_officer = officer_of(c_id, 1200)
    with rt.context() as ctx:
        key = clients.create_client(ctx, Actor.operator("test"), ClientCreate(
            organization_code=consumer_code, name="tax system")).api_key
    return City(provider["code"], a_dataset, b_code, b_dataset, b_officer, consumer_code,
                consumer_officer, key)


@pytest.fixture
def agree(rt, city) -> Callable[..., Any]:
    """Request fields of a dataset for the consumer; approve it when it is conditional."""
    def make(resource_code: str, approver: Actor | None = None) -> Any:
        data = AgreementRequestIn(
            resource_code=resource_code, fields=FIELDS, purpose_kind="legal_basis",
            purpose_text=PURPOSE_TEXT, valid_until=date.today() + timedelta(days=30))
        with rt.context() as ctx:
            made = agreements.request_agreement(ctx, city.consumer_officer, data)
        if approver is not None:
            with rt.context() as ctx:
                made = agreements.decide(ctx, approver, made.code)
        return made

    return make


@pytest.fixture
def enrol(rt, tmp_path) -> Callable[..., Path]:
    """Enrol `org_code`'s node at https://127.0.0.1:PORT into tmp_path/node-<code>."""
    def make(org_code: str, port: int, hub_url: str = "http://127.0.0.1:1") -> Path:
        directory = tmp_path / f"node-{org_code}"
        with rt.context() as ctx:
            files = enroll_node(ctx, Actor.operator("test"), org_code,
                                f"https://127.0.0.1:{port}", hub_url)
        write_node_dir(directory, files)
        return directory

    return make
