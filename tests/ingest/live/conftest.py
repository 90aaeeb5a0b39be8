"""Live source fixtures: a published person dataset, a department's own PostgreSQL database
(created and dropped per test) and a department REST API served by uvicorn on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException, Request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalog_fixtures import department
from govbridge.catalog import usecases
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.usecases import seed_builtin_elements
from support import need

PG_ADMIN = os.environ.get("GOVBRIDGE_TEST_PG_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_PASSWORD = "S3cret-Pw-4711"  # ignored by trust auth; must never show up anywhere
API_TOKEN = "tok3n-Zq81"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def citizen_id(n: int, *, valid: bool = True) -> str:
    body = f"11010519800101{n % 1000:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    if not valid:
        check = "0" if check != "0" else "1"
    return body + check


def _element(validator: str | None, category: str | None, data_type: str) -> str:
    for spec in BUILTIN_ELEMENTS:
        if (spec.validator == validator and spec.data_type == data_type
                and (category is None or spec.category == category) and not spec.code_table):
            return spec.code
    raise LookupError((validator, category, data_type))


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def make_id() -> Callable[..., str]:
    return citizen_id


@pytest.fixture
def provider(rt, make_org) -> dict[str, Any]:
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
    return department(rt, make_org, "苏州市民政局", user_id=3000, username="officer.mz")


@pytest.fixture
def persons(rt, provider) -> str:
    """A published person dataset of the provider; returns its resource code."""
    admin = Actor.for_user(user_id=3001, username="admin", roles=frozenset({Role.BUREAU_ADMIN}),
                           organization_id=None, subject_id=None)
    entry = {
        "name": "婚姻登记居民信息",
        "abstract": "在本市办理婚姻登记的居民的身份号码、姓名和出生日期。",
        "share_type": "conditional",
        "share_condition": "用于办理婚姻相关事项",
        "subject_type": "person",
        "subject_field": "id_number",
        "fields": [
            {"name": "id_number", "title": "公民身份号码", "required": True,
             "element": _element("citizen_id", "person", "string"), "grade": "important"},
            {"name": "full_name", "title": "姓名", "element": _element(None, "person", "string"),
             "grade": "general-3"},
            {"name": "birth_date", "title": "出生日期", "element": _element(None, None, "date"),
             "grade": "general-2"},
        ],
    }
    with rt.context() as ctx:
        made = usecases.create_dataset(ctx, provider["officer"], DatasetIn(**entry))
        usecases.submit(ctx, provider["officer"], made.resource_code)
        return usecases.review(ctx, admin, made.resource_code, approve=True).resource_code


@pytest.fixture
def department_db() -> Iterator[dict[str, str]]:
    """A PostgreSQL database of the department with a `persons` table; its URL (with a
    password, which trust auth ignores). Three good rows, one with a wrong check digit."""
    admin_url = make_url(PG_ADMIN)
    need(_port_open(admin_url.host or "127.0.0.1", admin_url.port or 5432),
         f"PostgreSQL at {admin_url.render_as_string(hide_password=True)}")
    name = f"gblive_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name, password=DB_PASSWORD)
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE persons (sfzh varchar(18) PRIMARY KEY, xm varchar(50), "
                          "csrq date, bz text)"))
        conn.execute(text("INSERT INTO persons VALUES (:a, :b, :c, 'x')"), [
            {"a": citizen_id(1), "b": "张一", "c": "1980-01-01"},
            {"a": citizen_id(2), "b": "张二", "c": "1980-01-01"},
            {"a": citizen_id(3), "b": "张三", "c": "1980-01-01"},
            {"a": citizen_id(4, valid=False), "b": "张四", "c": "1980-01-01"},
        ])
    eng.dispose()
    try:
        yield {"url": url.render_as_string(hide_password=False), "password": DB_PASSWORD,
               "host": f"{url.host}:{url.port or 5432}"}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def department_api() -> FastAPI:
    # FastAPI, HTTPException and Request are module-level imports: with postponed
    # annotations FastAPI resolves `request: Request` in the module's globals (imported
    # here locally it would be taken for a query parameter, and every call answers 422).
    app = FastAPI()
    people = {
        citizen_id(1): {"id": citizen_id(1), "person": {"name": "李一", "born": "1980-01-01"}},
        citizen_id(2): {"id": citizen_id(2), "person": {"name": "李二", "born": "19800101"}},
        citizen_id(4, valid=False): {"id": citizen_id(4, valid=False),
                                     "person": {"name": "李四", "born": "1980-02-30"}},
    }

    def authorised(request: Request) -> None:
        import base64

        expected = "Basic " + base64.b64encode(f"reader:{API_TOKEN}".encode()).decode()
        if request.headers.get("authorization") != expected:
            raise HTTPException(401)

    @app.get("/persons/{sid}")
    def person(sid: str, request: Request) -> dict[str, Any]:
        authorised(request)
        if sid not in people:
            raise HTTPException(404)
        return people[sid]

    @app.get("/slow/{sid}")
    def slow(sid: str) -> dict[str, Any]:
        time.sleep(1.5)
        return {"id": sid}

    @app.get("/broken/{sid}")
    def broken(sid: str) -> dict[str, Any]:
        raise HTTPException(500)

    return app


@pytest.fixture
def department_rest() -> Iterator[dict[str, Any]]:
    """A real HTTP server (uvicorn in a thread) on a free loopback port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(department_api(), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield {"port": port, "token": API_TOKEN,
           "base": f"http://reader:{API_TOKEN}@127.0.0.1:{port}", "server": server}
    server.should_exit = True
    thread.join(5)


@pytest.fixture(autouse=True)
def department_hosts(rt) -> list[str]:
    """The bureau lists the hosts live sources may point at; here the local test peers."""
    rt.settings.live_source_hosts = ["127.0.0.1", "localhost"]
    return rt.settings.live_source_hosts
