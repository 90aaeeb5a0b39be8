"""Node fixtures: two provider departments with a published dataset each, a consumer with
agreements and an API key, enrolment into a directory, and a department's own PostgreSQL
database for live sources (created and dropped per test)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
from ingest_helpers import licence_row
from node_helpers import FIELDS, LIVE_MAP, LIVE_TABLE, PURPOSE_TEXT
from support import need

PG_ADMIN = os.environ.get("GOVBRIDGE_TEST_PG_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Ignored by trust authentication; it must never show up in a log, an error or an answer.
DB_PASSWORD = "Dept-S3cret-9931"


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


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def department_pg() -> Iterator[dict[str, Any]]:
    """A department's own PostgreSQL database with 5 licence rows in LIVE_TABLE: its URL
    (with a password), the password, and an engine to change rows with."""
    admin_url = make_url(PG_ADMIN)
    need(_port_open(admin_url.host or "127.0.0.1", admin_url.port or 5432),
         f"PostgreSQL at {admin_url.render_as_string(hide_password=True)}")
    name = f"gbdept_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name, username="postgres", password=DB_PASSWORD)
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text(f"CREATE TABLE {LIVE_TABLE} (tyshxydm varchar(18) PRIMARY KEY, "
                          "fddbr varchar(50), fddbr_sfzh varchar(18), clrq date, bz text)"))
        conn.execute(text(f"INSERT INTO {LIVE_TABLE} VALUES (:a, :b, :c, :d, 'x')"), [
            dict(zip("abcd", (licence_row(n)[f] for f in LIVE_MAP), strict=True))
            for n in range(5)])
    try:
        yield {"url": url.render_as_string(hide_password=False), "password": DB_PASSWORD,
               "engine": eng}
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
