"""A node's live sources: datasets the node reads on demand from the department's own
database (同源 on the department's side) instead of from its store (`rows.db`).

Configured on the node, never on the hub: `govbridge node source add` writes
`NODE_DIR/sources.json`, resource code → SQLAlchemy URL, table (or view, `schema.table`
allowed) and the column of each field where it differs from the field's name. The file is
mode 0600 like the node's keys (a URL may hold a password); the hub never sees it.

What is read: only SELECTs this module builds itself on the named table (the mapped
columns, rows of the asked-for subjects or equal to the filter's values, at most the
limit); PostgreSQL reads run in a READ ONLY transaction (`ingest.live.fetch_sql`), and a
SQLite file is opened read-only (`mode=ro`), so a missing file is "unavailable" rather
than a new empty database. Each row is checked with its fields' data elements (taken
at enrolment, `DatasetInfo.elements`), the same rules as the hub's ingest; a row that
fails is not served, and the log names its field and rule, never its value.

Unlike a live source registered on the hub (`govbridge.ingest.live`), a SQLite file is
allowed and the bureau's host list (`GOVBRIDGE_LIVE_SOURCE_HOSTS`) does not apply: that
list stops hub users from pointing the platform at hosts it should not reach, whereas
here the department points its own node, on its own machine, at its own system, with
the same access as to the node's private keys.

Credentials never leave this module: listings, logs and errors show
`ingest.live.mask_location` (scheme and host, `***` for the credentials), and the
reading code quotes neither the URL nor the driver's messages.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import String, cast, column, select, table

from govbridge.ingest.live import (
    SourceFailed,
    engine_for,
    fetch_sql,
    mask_location,
    split_table,
    sql_url,
)
from govbridge.ingest.pipeline import json_value
from govbridge.nodes.config import SOURCES, DatasetInfo
from govbridge.nodes.tls import write_private
from govbridge.standards.spec import ElementSpec
from govbridge.standards.validation import RuleViolation, compile_element

log = logging.getLogger("govbridge.node")

# Below the hub's 5 s read timeout for a node (`nodes.client.READ_TIMEOUT`): a source that
# hangs is reported by the node as unavailable, not mistaken for a node that hangs.
TIMEOUT = 3.0
MAX_COLUMN = 200


class SourceConfigError(ValueError):
    """A live source the node will not use; says what is wrong without quoting the URL."""


@dataclass(frozen=True)
class LiveTable:
    """One dataset read live: where (URL, secret), which table, which columns."""

    resource_code: str
    url: str
    table: str
    mapping: dict[str, str] = field(default_factory=dict)  # field → column, where they differ

    @property
    def location(self) -> str:
        return mask_location("sql", self.url)

    def columns(self, ds: DatasetInfo) -> dict[str, str]:
        return {f: self.mapping.get(f, f) for f in ds.fields}

    def shown(self) -> dict[str, Any]:
        """What listings show: everything but the URL, whose credentials are masked."""
        return {"resource_code": self.resource_code, "location": self.location,
                "table": self.table, "mapping": dict(self.mapping)}


# -- the file -------------------------------------------------------------------------------


def load_sources(directory: Path) -> dict[str, LiveTable]:
    path = directory / SOURCES
    if not path.exists():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {code: LiveTable(resource_code=code, **spec) for code, spec in data.items()}


def _write(directory: Path, sources: Mapping[str, LiveTable]) -> None:
    data = {code: {k: v for k, v in asdict(src).items() if k != "resource_code"}
            for code, src in sorted(sources.items())}
    # Written whole and renamed into place: a node reading it mid-write sees old or new.
    tmp = directory / f".{SOURCES}.tmp"
    write_private(tmp, json.dumps(data, ensure_ascii=False, indent=2).encode())
    os.replace(tmp, directory / SOURCES)


def _clean_url(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        raise SourceConfigError("give the department database's SQLAlchemy URL")
    try:
        url = sql_url(raw)
        url.get_dialect()
    except Exception as exc:  # noqa: BLE001 - the URL (maybe with a password) is never echoed
        raise SourceConfigError(
            f"not a usable SQLAlchemy URL ({type(exc).__name__})") from None
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            raise SourceConfigError("a SQLite source is a file path: sqlite:////path/to/file.db")
        # Kept absolute: the node may run from another working directory.
        return url.set(database=str(Path(database).resolve())).render_as_string(
            hide_password=False)
    return url.render_as_string(hide_password=False)


def _clean_mapping(ds: DatasetInfo, mapping: Mapping[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, col in mapping.items():
        if name not in ds.fields:
            raise SourceConfigError(f"{name} is not a field of {ds.resource_code} (fields: "
                                    f"{', '.join(ds.fields)})")
        col = (col or "").strip()
        if not col or len(col) > MAX_COLUMN:
            raise SourceConfigError(f"give the column of {name} (at most {MAX_COLUMN} "
                                    "characters)")
        if col != name:
            clean[name] = col
    return clean


def add_source(directory: Path, ds: DatasetInfo, url: str, table_name: str,
               mapping: Mapping[str, str], *, check: bool = True,
               timeout: float = TIMEOUT) -> LiveTable:
    """Serve `ds` live from the department's database (replaces an earlier source).

    With `check`, the table and every mapped column are read once (no rows) before the
    source is written, so a typo is found now rather than at a consumer's query.
    """
    if not (ds.key_field or ds.subject_field):
        raise SourceConfigError(f"dataset {ds.resource_code} names no subject or key field")
    if split_table(table_name) is None:
        raise SourceConfigError("the table is a name or schema.name (letters, digits, _)")
    src = LiveTable(ds.resource_code, _clean_url(url), table_name.strip(),
                    _clean_mapping(ds, mapping))
    if check:
        check_source(src, ds, timeout=timeout)
    sources = load_sources(directory)
    sources[ds.resource_code] = src
    _write(directory, sources)
    return src


def remove_source(directory: Path, resource_code: str) -> bool:
    """Serve the dataset from the node's store again; whether it had a live source."""
    sources = load_sources(directory)
    if sources.pop(resource_code, None) is None:
        return False
    _write(directory, sources)
    return True


# -- reading --------------------------------------------------------------------------------


def _reader_url(src: LiveTable) -> str:
    """The URL the node connects with: a SQLite file read-only, never created."""
    url = sql_url(src.url)
    if url.get_backend_name() != "sqlite":
        return src.url
    path = quote(url.database or "", safe="/")
    return url.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"}
                   ).render_as_string(hide_password=False)


def _table(src: LiveTable, cols: Sequence[str]) -> Any:
    parts = split_table(src.table)
    if parts is None:  # a hand-edited sources.json
        raise SourceFailed(src.resource_code, src.location, "the table name is not valid")
    schema, name = parts
    return table(name, *[column(c) for c in cols], schema=schema)


def check_source(src: LiveTable, ds: DatasetInfo, *, timeout: float = TIMEOUT) -> None:
    """Read the mapped columns once without rows: raises SourceUnavailable / SourceFailed."""
    cols = sorted(set(src.columns(ds).values()))
    t = _table(src, cols)
    fetch_sql(engine_for(("node", src.resource_code), _reader_url(src), timeout),
              select(*[t.c[c] for c in cols]).limit(0), {}, src.resource_code, src.location)


RowCheck = Callable[[Mapping[str, Any]], tuple[dict[str, Any], list[str]]]


def row_check(ds: DatasetInfo) -> RowCheck:
    """Row → (clean row, problems as "field: rule"), with the fields' data elements.

    The same element checkers as `ingest.pipeline.row_validator` (which needs the hub's
    database to look the elements up; the node has their snapshot instead). Problems
    name the field and the rule, never the value: they go to the node's log.
    """
    checks = [(name, name in ds.required,
               compile_element(ElementSpec(**ds.elements[name]))
               if name in ds.elements else None) for name in ds.fields]

    def check(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        clean: dict[str, Any] = {}
        problems: list[str] = []
        for name, required, checker in checks:
            value = raw.get(name)
            if checker is not None:
                try:
                    value = checker(value)
                except RuleViolation as exc:
                    problems.append(f"{name}: {exc.rule}")
                    continue
            if value is None:
                if required:
                    problems.append(f"{name}: required")
                continue
            clean[name] = value if value.__class__ is str else json_value(value)
        return clean, problems

    return check


def read_rows(src: LiveTable, ds: DatasetInfo, *, subject_ids: Sequence[str] | None,
              filters: Mapping[str, str] | None, limit: int,
              timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """The rows about the subjects, or whose fields equal the filter's values (as text),
    read now from the department's database and checked; at most `limit`."""
    columns = src.columns(ds)
    cols = sorted(set(columns.values()))
    t = _table(src, cols)
    stmt = select(*[t.c[c] for c in cols])
    selector = ds.subject_field or ds.key_field
    if subject_ids:
        assert selector is not None  # add_source refuses a dataset without one
        stmt = stmt.where(t.c[columns[selector]].in_([s.strip() for s in subject_ids]))
    for name, value in (filters or {}).items():
        if name not in columns:
            raise SourceFailed(ds.resource_code, src.location, f"{name} is not a field")
        # As text, like the store's filter (`store.read_rows`): a date column equals
        # "2020-05-17", a number column "42".
        stmt = stmt.where(cast(t.c[columns[name]], String) == value)
    order = ds.key_field or ds.subject_field
    if order is not None:
        stmt = stmt.order_by(t.c[columns[order]])
    stmt = stmt.limit(int(limit))
    engine = engine_for(("node", src.resource_code), _reader_url(src), timeout)
    fetched = fetch_sql(engine, stmt, {}, ds.resource_code, src.location)
    check = row_check(ds)
    rows: list[dict[str, Any]] = []
    for n, raw in enumerate(fetched, start=1):
        clean, problems = check({f: json_value(raw.get(c)) for f, c in columns.items()})
        if problems:
            log.warning("live source of %s: row %d not served (%s)", ds.resource_code, n,
                        "; ".join(problems))
            continue
        rows.append(clean)
    return rows

