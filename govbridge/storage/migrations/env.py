"""Alembic environment: takes the engine handed over by govbridge.storage.migrate."""

from __future__ import annotations

from alembic import context

from govbridge.storage.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
