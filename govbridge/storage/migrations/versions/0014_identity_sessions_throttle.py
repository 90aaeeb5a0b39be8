"""identity sessions throttle

Login throttling per client address replaces account lockout: failed attempts are
rows of `login_failures` (keyed hashes, no names or addresses), and the lockout
columns of `users` go. A half-open TOTP session counts its wrong codes. An API key
remembers the account that made it, so deactivating that account revokes it; keys
made before this revision are matched to their maker by the `user:<name>` label.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govbridge.storage.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("at", govbridge.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_login_failures_key_hash_at", ["key_hash", "at"], unique=False
        )

    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_user_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_api_clients_created_by_user_id"), ["created_by_user_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_api_clients_created_by_user_id_users"),
            "users",
            ["created_by_user_id"],
            ["id"],
        )
    op.execute(
        "UPDATE api_clients SET created_by_user_id = "
        "(SELECT users.id FROM users WHERE 'user:' || users.username = api_clients.created_by)"
    )

    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+), not in batch mode: a batch copies and drops `users`,
        # which other tables refer to, and SQLite refuses that with foreign keys on.
        op.execute("ALTER TABLE users DROP COLUMN locked_until")
        op.execute("ALTER TABLE users DROP COLUMN failed_logins")
    else:
        op.drop_column("users", "locked_until")
        op.drop_column("users", "failed_logins")

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("code_failures", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_column("code_failures")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "locked_until", govbridge.storage.base.UTCDateTime(timezone=True), nullable=True
            )
        )

    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_api_clients_created_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_api_clients_created_by_user_id"))
        batch_op.drop_column("created_by_user_id")

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_key_hash_at")
        batch_op.drop_index(batch_op.f("ix_login_failures_at"))

    op.drop_table("login_failures")
