"""The node's own store of dataset rows: one SQLite file in the node directory.

Deliberately not the hub's schema: a node holds rows, not the catalog, agreements or
ledger. A row is kept by (resource code, record key); loading a row with a key already
present replaces it (the newest version is the one served, as on the hub). Columns are
checked against the dataset's published field names at load time; the standard data
elements' value rules are checked by the department's own system (or by `govbridge
ingest` on a hub-stored dataset), not again here.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from govbridge.nodes.config import DatasetInfo

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY,
  resource_code TEXT NOT NULL,
  record_key TEXT NOT NULL,
  subject_id TEXT,
  data TEXT NOT NULL,
  UNIQUE (resource_code, record_key)
);
CREATE INDEX IF NOT EXISTS ix_records_subject ON records (resource_code, subject_id);
"""


class LoadError(ValueError):
    """A file or row the node will not store; says which and why."""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn


def read_file(path: Path) -> list[dict[str, Any]]:
    """Rows from CSV (header line), JSON (a list of objects) or JSON Lines."""
    text = path.read_text("utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if suffix == ".json":
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise LoadError(f"{path}: expected a JSON list of objects")
        return data
    if suffix in (".jsonl", ".ndjson"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    raise LoadError(f"{path}: use .csv, .json or .jsonl")


def load_rows(path: Path, ds: DatasetInfo, rows: Iterable[Mapping[str, Any]]) -> int:
    """Store rows of one dataset (all or none); returns how many were stored."""
    known = set(ds.fields)
    key_field = ds.key_field or ds.subject_field
    if key_field is None:
        raise LoadError(f"dataset {ds.resource_code} has no key field")
    prepared = []
    for n, row in enumerate(rows, start=1):
        unknown = sorted(set(row) - known)
        if unknown:
            raise LoadError(f"row {n}: {', '.join(unknown)} not a field of {ds.resource_code}")
        key = str(row.get(key_field) or "").strip()
        if not key or len(key) > 128:
            raise LoadError(f"row {n}: the record key {key_field} is missing or too long")
        clean = {k: (None if v == "" else v) for k, v in row.items()}
        subject = str(clean.get(ds.subject_field) or "") if ds.subject_field else ""
        prepared.append((ds.resource_code, key, subject or None,
                         json.dumps(clean, ensure_ascii=False)))
    with closing(connect(path)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO records (resource_code, record_key, subject_id, data) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (resource_code, record_key) DO UPDATE SET "
            "subject_id = excluded.subject_id, data = excluded.data", prepared)
        conn.execute("COMMIT")
    return len(prepared)


def read_rows(conn: sqlite3.Connection, resource_code: str, *,
              subject_ids: Sequence[str] | None, filters: Mapping[str, str] | None,
              limit: int) -> list[dict[str, Any]]:
    """Rows about the subjects, or whose fields equal the filter's values (as text)."""
    sql = "SELECT data FROM records WHERE resource_code = ?"
    args: list[Any] = [resource_code]
    if subject_ids:
        sql += f" AND subject_id IN ({', '.join('?' for _ in subject_ids)})"
        args += [s.strip() for s in subject_ids]
    for name, value in (filters or {}).items():
        sql += " AND CAST(json_extract(data, ?) AS TEXT) = ?"
        args += ['$."' + name.replace('"', "") + '"', value]
    sql += " ORDER BY id LIMIT ?"
    args.append(int(limit))
    return [json.loads(d) for (d,) in conn.execute(sql, args)]
