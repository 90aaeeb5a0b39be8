"""Migration 0014 on a database that already holds accounts, sessions and keys.

The lockout columns leave `users` in place (a batch copy of `users`, which other
tables refer to, fails on SQLite with foreign keys on), and keys made before it are
matched to the account that made them.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from govbridge.storage.engine import make_engine
from govbridge.storage.migrate import alembic_config, current_revision, head_revision


def test_upgrade_keeps_accounts_and_finds_each_keys_maker(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        command.upgrade(alembic_config(eng), "0013")
        with eng.begin() as conn:
            conn.execute(text(
                "INSERT INTO organizations (id, code, name, level, vertically_managed, active,"
                " created_at) VALUES (1, '113205000000000015', '苏州市公安局', 'city', 0, 1,"
                " '2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO users (id, username, display_name, organization_id, password_hash,"
                " password_changed_at, failed_logins, locked_until, active, created_at)"
                " VALUES (7, 'officer', 'O', 1, 'h', '2026-01-01 00:00:00', 3,"
                " '2026-01-01 00:15:00', 1, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (7, 'data_officer')"))
            conn.execute(text(
                "INSERT INTO web_sessions (token_hash, user_id, csrf_token, second_factor_ok,"
                " created_at, expires_at) VALUES ('t', 7, 'c', 1, '2026-01-01 00:00:00',"
                " '2026-01-01 08:00:00')"))
            conn.execute(text(
                "INSERT INTO api_clients (key_id, name, organization_id, secret_hash, created_by,"
                " created_at) VALUES ('k1', 'a', 1, 's', 'user:officer', '2026-01-01 00:00:00'),"
                " ('k2', 'b', 1, 's', 'operator:root', '2026-01-01 00:00:00')"))
        command.upgrade(alembic_config(eng), "head")
        assert current_revision(eng) == head_revision(eng)
        with eng.connect() as conn:
            makers = conn.execute(text(
                "SELECT key_id, created_by_user_id FROM api_clients ORDER BY key_id")).all()
            columns = {row[1] for row in conn.execute(text("PRAGMA table_info(users)"))}
            sessions = conn.execute(text("SELECT code_failures FROM web_sessions")).all()
        assert makers == [("k1", 7), ("k2", None)]
        assert "locked_until" not in columns and "failed_logins" not in columns
        assert sessions == [(0,)]
        command.downgrade(alembic_config(eng), "0013")
        command.upgrade(alembic_config(eng), "head")
    finally:
        eng.dispose()
