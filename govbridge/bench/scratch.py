"""A throw-away database for a benchmark: SQLite in a temporary directory, or a
temporary database created on a PostgreSQL server and dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Scratch:
    url: str  # the throw-away database (with credentials: do not print)
    tmp: Path  # a temporary directory removed afterwards (CSV files, GOVBRIDGE_HOME)
    backend: str  # sqlite | postgresql


@contextmanager
def scratch_database(server_url: str | None = None) -> Iterator[Scratch]:
    """Yield a fresh, empty database; `server_url` a postgresql:// URL, else SQLite."""
    with tempfile.TemporaryDirectory(prefix="gbbench-") as tmp:
        if not server_url or not server_url.startswith("postgresql"):
            url = server_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            yield Scratch(url, Path(tmp), "sqlite")
            return
        server = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"gbbench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = server.set(database=name).render_as_string(hide_password=False)
                yield Scratch(url, Path(tmp), "postgresql")
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
