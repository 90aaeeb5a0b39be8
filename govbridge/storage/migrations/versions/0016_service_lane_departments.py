"""service item lane departments

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 07:00:00

Lanes and pools named without a credit code ("市场监管") are mapped to departments by the
item admin (`govbridge service map-lanes`): lane name -> credit code, on the item, kept
across process versions; each process version keeps the lanes of its user tasks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.add_column(sa.Column("lane_departments", sa.JSON(), nullable=True))
    with op.batch_alter_table("service_item_versions") as batch_op:
        batch_op.add_column(sa.Column("lanes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_item_versions") as batch_op:
        batch_op.drop_column("lanes")
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_column("lane_departments")
