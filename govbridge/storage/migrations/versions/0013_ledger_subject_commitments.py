"""ledger subject commitments: the index names subjects by keyed commitment; epoch keys

Entries appended before this revision keep the raw IDs they were hashed with (a ledger
is never rewritten); their index rows keep them too and are found by the raw ID.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govbridge.storage.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_subject_keys",
        sa.Column("epoch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", govbridge.storage.base.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_ledger_subject_keys")),
    )
    with op.batch_alter_table("ledger_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_subjects_subject_id"))
        batch_op.alter_column("subject_id", new_column_name="commitment",
                              existing_type=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table("ledger_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_subjects_commitment"), ["commitment"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_subjects_commitment"))
        batch_op.alter_column("commitment", new_column_name="subject_id",
                              existing_type=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table("ledger_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_subjects_subject_id"), ["subject_id"],
                              unique=False)
    op.drop_table("ledger_subject_keys")
