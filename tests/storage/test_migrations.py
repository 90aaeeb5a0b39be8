"""Migrations match the models, and SQLite runs with WAL and foreign keys."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from govbridge.storage.base import Base
from govbridge.storage.engine import make_engine
from govbridge.storage.migrate import current_revision, head_revision, upgrade


def test_database_is_at_head_and_models_match_migrations(engine):
    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


def test_sqlite_pragmas(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(eng)
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with eng.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (424242, 'clerk')"))
    eng.dispose()
