"""certificate issuance approvals

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 03:00:00

A certificate issued without a case waits in `certificate_issuance_requests` until a
second officer of the issuing department approves (or refuses) it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govbridge.storage.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_issuance_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_org_id", sa.Integer(), nullable=False),
        sa.Column("certificate_type", sa.String(length=32), nullable=False),
        sa.Column("type_name", sa.String(length=100), nullable=False),
        sa.Column("holder_kind", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.String(length=18), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_by_user", sa.Integer(), nullable=True),
        sa.Column("requested_at", govbridge.storage.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", govbridge.storage.base.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_issuance_requests_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_org_id"],
            ["organizations.id"],
            name=op.f("fk_certificate_issuance_requests_issuer_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_issuance_requests")),
    )
    with op.batch_alter_table("certificate_issuance_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_issuance_requests_holder_id"),
                              ["holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_issuance_requests_issuer_org_id"),
                              ["issuer_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_issuance_requests_state"),
                              ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificate_issuance_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_issuance_requests_state"))
        batch_op.drop_index(batch_op.f("ix_certificate_issuance_requests_issuer_org_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_issuance_requests_holder_id"))

    op.drop_table("certificate_issuance_requests")
