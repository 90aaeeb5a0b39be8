"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
GOVBRIDGE_TEST_DATABASE_URL is set), a runtime per test, and small factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from govbridge.config import Settings
from govbridge.core.permissions import Role
from govbridge.identity import organizations, users
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import OrganizationCreate, UserCreate, UserOut
from govbridge.runtime import Runtime
from govbridge.storage.base import Base
from govbridge.storage.engine import make_engine
from govbridge.storage.migrate import upgrade
from support import IN_CI, ORG_CODES, PASSWORD, need  # noqa: F401 - re-exported for tests

SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")
# Catalog fixtures (data elements, a provider, a dataset factory) for every folder.
pytest_plugins = ["catalog_fixtures"]

def _pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SERVER_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    admin_url = make_url(_pg(SERVER_URL))
    name = f"gbtest_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def rt(settings: Settings, engine: Engine) -> Iterator[Runtime]:
    runtime = Runtime(settings, engine=engine)
    yield runtime
    _wipe(engine)


@pytest.fixture
def operator() -> Actor:
    return Actor.operator("test")



@pytest.fixture
def make_org(rt: Runtime, operator: Actor) -> Callable[..., str]:
    counter = iter(ORG_CODES)

    def make(name: str = "苏州市测试局", level: str = "city", parent: str | None = None) -> str:
        code = next(counter)
        with rt.context() as ctx:
            organizations.create_organization(
                ctx, operator,
                OrganizationCreate(code=code, name=name, level=level, parent_code=parent),  # type: ignore[arg-type]
            )
        return code

    return make


@pytest.fixture
def make_user(rt: Runtime, operator: Actor) -> Callable[..., UserOut]:
    def make(username: str, roles: list[Role], org: str | None = None,
             subject_id: str | None = None, totp_secret: str | None = None) -> UserOut:
        with rt.context() as ctx:
            return users.create_user(
                ctx, operator,
                UserCreate(username=username, display_name=username.title(), password=PASSWORD,
                           roles=roles, organization_code=org, subject_id=subject_id),
                totp_secret=totp_secret,
            )

    return make
