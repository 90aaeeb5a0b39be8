"""Ingest way 4: live sources (同源). The provider's own system stays the source of truth.

A dataset's provider registers where its rows live: its own database server (any
SQLAlchemy server URL, with a SELECT taking `:subject_ids` or a table name; not a
SQLite file on the platform's host, not the platform's own database) or its REST
API (a URL template with `{subject_id}`). `read_live` reads the rows of the given
subjects on demand, validates each one with the dataset's element rules (the
same rules as every other way in), and returns the valid rows with the problems
of the others. Nothing read is stored centrally.

The URL may hold credentials: it is encrypted at rest (AES-GCM, key derived for
this purpose only) and never shown back; listings show the scheme and host with
credentials masked, and errors never quote it (nor the driver's message, which
may). A source that does not answer in time, or refuses the connection, is a
`SourceUnavailable` (HTTP 503) with a retry hint.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Hashable
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from sqlalchemy import Engine, bindparam, column, create_engine, select, table, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset, latest_version, published_fields
from govbridge.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.ingest.live_models import LiveSource
from govbridge.ingest.live_schemas import (
    LiveReadResult,
    LiveRowProblem,
    LiveSourceIn,
    LiveSourceOut,
)
from govbridge.ingest.pipeline import RowValidator, json_value
from govbridge.ingest.pipeline import row_validator as pipeline_validator
from govbridge.runtime import Ctx
from govbridge.security.at_rest import seal, unseal

PURPOSE = "live-source-target"
DEFAULT_TIMEOUT = 5.0  # seconds to connect and to answer
RETRY_AFTER = 30  # seconds a caller should wait before trying an unavailable source again
MAX_ROWS = 10_000  # rows one read may return
MAX_URL = 2000

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_TABLE = re.compile(rf"({_IDENT})(?:\.({_IDENT}))?")


class SourceUnavailable(DomainError):
    """The provider's system did not answer (down, refused, timed out): try again later."""

    status = 503
    type_slug = "source-unavailable"
    title = "The data source is unavailable"

    def __init__(self, resource_code: str, location: str, reason: str,
                 retry_after: int = RETRY_AFTER) -> None:
        super().__init__(
            f"the live source of {resource_code} ({location}) is unavailable: {reason}; "
            f"try again in {retry_after} s"
        )
        self.resource_code = resource_code
        self.location = location
        self.reason = reason  # names no host, user or statement (see `_unavailable_reason`)
        self.retry_after = retry_after

    def extensions(self) -> dict[str, object]:
        return {"resource_code": self.resource_code, "source": self.location,
                "retry_after_seconds": self.retry_after}


class SourceFailed(DomainError):
    """The provider's system answered, but not as registered (bad query, wrong shape)."""

    status = 502
    type_slug = "source-failed"
    title = "The data source gave an unusable answer"

    def __init__(self, resource_code: str, location: str, reason: str) -> None:
        super().__init__(f"the live source of {resource_code} ({location}) failed: {reason}")
        self.resource_code = resource_code
        self.location = location
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {"resource_code": self.resource_code, "source": self.location}


# -- the target URL -------------------------------------------------------------------------


def sql_url(raw: str) -> URL:
    """A source's SQLAlchemy URL (`postgresql://` means the psycopg 3 driver)."""
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw.removeprefix("postgresql://")
    return make_url(raw)


def mask_location(kind: str, raw: str) -> str:
    """Scheme and host of a source, credentials masked: what listings and errors show."""
    try:
        if kind == "sql":
            url = sql_url(raw)
            if url.drivername.startswith("sqlite"):
                return f"{url.drivername}://(local file)"
            scheme, user, host, port = url.drivername, url.username, url.host, url.port
            secret = bool(url.username or url.password)
        else:
            parts = urlsplit(raw)
            scheme, host, port = parts.scheme, parts.hostname, parts.port
            secret = bool(parts.username or parts.password)
            user = None
    except Exception:  # noqa: BLE001 - never let a malformed URL leak through an error
        return f"{kind}://(unreadable)"
    del user
    where = (host or "") + (f":{port}" if port else "")
    return f"{scheme}://{'***@' if secret else ''}{where}"


def split_table(name: str) -> tuple[str | None, str] | None:
    """(schema, table) of a `table` or `schema.table` name; None when it is not one."""
    match = _TABLE.fullmatch(name.strip())
    if match is None:
        return None
    return (match.group(1), match.group(2)) if match.group(2) else (None, match.group(1))


def _same_database(url: URL, platform: URL) -> bool:
    """Whether a source URL names the platform's own database server and database."""
    def where(u: URL) -> tuple[str, str, int | None, str | None]:
        default = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}.get(u.get_backend_name())
        return (u.get_backend_name(), (u.host or "").lower(), u.port or default, u.database)

    return where(url) == where(platform)


def host_allowed(host: str | None, allowed: list[str]) -> bool:
    """Whether `host` is on the bureau's list: an exact entry or under a ".domain" entry."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    for entry in (a.strip().lower() for a in allowed):
        if entry.startswith(".") and (host.endswith(entry) or host == entry[1:]):
            return True
        if entry and host == entry:
            return True
    return False


def _check_host(host: str | None, allowed: list[str]) -> None:
    if not host_allowed(host, allowed):
        raise InvalidInput.one(
            "url", "the host is not on the bureau's list of department hosts "
            "(GOVBRIDGE_LIVE_SOURCE_HOSTS)", host, "forbidden")


def _check_url(kind: str, raw: str, platform_url: str | None = None,
               allowed_hosts: list[str] | None = None) -> str:
    raw = raw.strip()
    if not raw or len(raw) > MAX_URL:
        raise InvalidInput.one("url", f"give the source URL (at most {MAX_URL} characters)",
                               None, "required")
    if kind == "sql":
        try:
            url = sql_url(raw)
            url.get_dialect()
        except Exception as exc:  # noqa: BLE001 - the URL itself is never echoed
            raise InvalidInput.one(
                "url", f"not a usable SQLAlchemy URL ({type(exc).__name__})", None, "format"
            ) from None
        # A department's database is a server it runs. A file on the platform's own host
        # (SQLite) is not, and reading it would let an officer read any such file, the
        # platform's own database included; nor may a source be the platform's database.
        if url.get_backend_name() == "sqlite":
            raise InvalidInput.one("url", "a live source is a database server of the "
                                   "department, not a file on the platform's host", None,
                                   "forbidden")
        if platform_url is not None and _same_database(url, sql_url(platform_url)):
            raise InvalidInput.one("url", "this is the platform's own database, not a "
                                   "department's", None, "forbidden")
        if allowed_hosts is not None:
            _check_host(url.host, allowed_hosts)
        return url.render_as_string(hide_password=False)
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput.one("url", "must be an http:// or https:// URL with a host", None,
                               "format")
    if "{subject_id}" not in raw or re.search(r"\{(?!subject_id\})", raw):
        raise InvalidInput.one("url", "must contain {subject_id} where the subject goes, and "
                               "no other {placeholder}", None, "format")
    if allowed_hosts is not None:
        _check_host(parts.hostname, allowed_hosts)
    return raw


def _check_query(kind: str, query: str | None) -> str | None:
    if kind == "rest":
        if query:
            raise InvalidInput.one("query", "a REST source takes no query", None, "unexpected")
        return None
    q = (query or "").strip().rstrip(";").strip()
    if not q:
        raise InvalidInput.one("query", "give a SELECT using :subject_ids, or a table name",
                               None, "required")
    if _TABLE.fullmatch(q):
        return q
    if not re.match(r"(?is)\s*(select|with)\b", q):
        raise InvalidInput.one("query", "must be a SELECT (or WITH … SELECT) or a table name",
                               q[:80], "format")
    if ";" in q:
        raise InvalidInput.one("query", "must be a single statement", q[:80], "format")
    if not re.search(r":subject_ids\b", q):
        raise InvalidInput.one("query", "must select the subjects with :subject_ids, e.g. "
                               "WHERE id_number IN :subject_ids", q[:80], "format")
    return q


def _check_mapping(mapping: dict[str, str], fields: list[dict[str, Any]]) -> dict[str, str]:
    names = {f["name"] for f in fields}
    problems = []
    clean: dict[str, str] = {}
    for key, value in mapping.items():
        if key not in names:
            problems.append(FieldProblem(f"mapping.{key}", "not a field of the dataset", key,
                                         "unknown_field"))
        elif not isinstance(value, str) or not value.strip() or len(value) > 200:
            problems.append(FieldProblem(f"mapping.{key}", "give the column or JSON key "
                                         "(at most 200 characters)", None, "required"))
        else:
            clean[key] = value.strip()
    if problems:
        raise InvalidInput(problems)
    return clean


# -- use cases: register, show, remove ------------------------------------------------------


def _dataset_for(ctx: Ctx, actor: Actor, resource_code: str) -> Dataset:
    ds = find_dataset(ctx, resource_code)
    require(actor, Permission.DATA_INGEST, organization_id=ds.provider_id)
    return ds


def _fields_of(ds: Dataset) -> list[dict[str, Any]]:
    return published_fields(ds) if ds.published_version is not None else latest_version(ds).fields


def _source_of(ctx: Ctx, ds: Dataset) -> LiveSource:
    src = ctx.db.scalar(select(LiveSource).where(LiveSource.dataset_id == ds.id))
    if src is None:
        raise NotFound("live source of dataset", ds.resource_code)
    return src


def _target(ctx: Ctx, src: LiveSource) -> str:
    return unseal(ctx.settings.secret_key, PURPOSE, src.target_enc).decode()


def _out(ctx: Ctx, ds: Dataset, src: LiveSource) -> LiveSourceOut:
    return LiveSourceOut(
        resource_code=ds.resource_code, kind=src.kind,
        location=mask_location(src.kind, _target(ctx, src)), query=src.query,
        mapping=dict(src.mapping or {}), created_by=src.created_by, created_at=src.created_at,
    )


def register_live_source(ctx: Ctx, actor: Actor, resource_code: str,
                         data: LiveSourceIn) -> LiveSourceOut:
    """Register or replace the dataset's live source; the provider's officers and clients."""
    ds = _dataset_for(ctx, actor, resource_code)
    fields = _fields_of(ds)
    problems: list[FieldProblem] = []
    url = query = None
    mapping: dict[str, str] = {}
    try:
        url = _check_url(data.kind, data.url, ctx.settings.resolved_database_url,
                         ctx.settings.live_source_hosts)
    except InvalidInput as exc:
        problems += exc.problems
    try:
        query = _check_query(data.kind, data.query)
    except InvalidInput as exc:
        problems += exc.problems
    try:
        mapping = _check_mapping(data.mapping, fields)
    except InvalidInput as exc:
        problems += exc.problems
    if problems or url is None:
        raise InvalidInput(problems)
    src = ctx.db.scalar(select(LiveSource).where(LiveSource.dataset_id == ds.id))
    if src is None:
        src = LiveSource(dataset_id=ds.id)
        ctx.db.add(src)
    src.kind = data.kind
    src.target_enc = seal(ctx.settings.secret_key, PURPOSE, url.encode())
    src.query = query
    src.mapping = mapping
    src.created_by = actor.label
    src.created_at = ctx.now()
    ctx.db.flush()
    _forget_engines(ds.id)
    location = mask_location(data.kind, url)
    record(ctx, actor, "live_source.register", "dataset", ds.resource_code,
           {"kind": data.kind, "location": location})
    return _out(ctx, ds, src)


def get_live_source(ctx: Ctx, actor: Actor, resource_code: str) -> LiveSourceOut:
    ds = _dataset_for(ctx, actor, resource_code)
    return _out(ctx, ds, _source_of(ctx, ds))


def list_live_sources(ctx: Ctx, actor: Actor) -> list[LiveSourceOut]:
    """Sources of the datasets the actor may ingest into (its organization's; all for the
    platform-wide permission)."""
    rows = ctx.db.execute(
        select(Dataset, LiveSource).join(LiveSource, LiveSource.dataset_id == Dataset.id)
        .order_by(Dataset.resource_code)
    ).all()
    if not rows and actor.organization_id is None:
        require(actor, Permission.DATA_INGEST)
    out = []
    for ds, src in rows:
        try:
            require(actor, Permission.DATA_INGEST, organization_id=ds.provider_id)
        except DomainError:
            continue
        out.append(_out(ctx, ds, src))
    return out


def delete_live_source(ctx: Ctx, actor: Actor, resource_code: str) -> None:
    ds = _dataset_for(ctx, actor, resource_code)
    src = _source_of(ctx, ds)
    ctx.db.delete(src)
    _forget_engines(ds.id)
    record(ctx, actor, "live_source.delete", "dataset", ds.resource_code, {"kind": src.kind})


# -- reading --------------------------------------------------------------------------------

_ENGINES: dict[tuple[Hashable, str], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _forget_engines(owner: Hashable) -> None:
    with _ENGINES_LOCK:
        for key in [k for k in _ENGINES if k[0] == owner]:
            _ENGINES.pop(key).dispose()


def engine_for(owner: Hashable, raw: str, timeout: float) -> Engine:
    """One small pool per source, reused across reads (connecting is the slow part).

    `owner` names whose source it is (a dataset ID here, a node's resource code in
    `govbridge.nodes.live`), so that one owner's pools can be forgotten together.
    """
    key = (owner, hashlib.sha256(f"{raw}|{timeout}".encode()).hexdigest())
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            url = sql_url(raw)
            connect_args: dict[str, Any] = {}
            if url.get_backend_name() == "postgresql":
                connect_args = {"connect_timeout": max(1, round(timeout)),
                                "options": f"-c statement_timeout={int(timeout * 1000)}"}
            elif url.get_backend_name() == "sqlite":
                connect_args = {"timeout": timeout}
            elif url.get_backend_name() in ("mysql", "mariadb"):
                connect_args = {"connect_timeout": max(1, round(timeout))}
            engine = create_engine(url, connect_args=connect_args, pool_size=2, max_overflow=2,
                                   pool_timeout=timeout, pool_pre_ping=True, pool_recycle=300)
            _ENGINES[key] = engine
        return engine


def fetch_sql(engine: Engine, stmt: Any, params: dict[str, Any], resource_code: str,
              location: str) -> list[dict[str, Any]]:
    """Run one SELECT read-only on a department's database; at most MAX_ROWS rows.

    Failures become `SourceUnavailable` (not reachable: 503) or `SourceFailed` (it
    answered, but not as registered: 502), quoting neither the URL nor the driver's
    message (either may hold a host, a user or a password).
    """
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION READ ONLY"))
            result = conn.execute(stmt, params)
            fetched = [dict(r._mapping) for r in result.fetchmany(MAX_ROWS + 1)]
            conn.rollback()
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as exc:
        reason = _unavailable_reason(exc)
        if reason is None:
            raise SourceFailed(resource_code, location,
                               f"the database refused the query ({_dbapi_name(exc)})") from None
        raise SourceUnavailable(resource_code, location, reason) from None
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise SourceUnavailable(resource_code, location, "the connection was lost") \
                from None
        raise SourceFailed(resource_code, location,
                           f"the database refused the query ({_dbapi_name(exc)})") from None
    except sa_exc.SQLAlchemyError as exc:
        raise SourceFailed(resource_code, location,
                           f"the query could not run ({type(exc).__name__})") from None
    if len(fetched) > MAX_ROWS:
        raise SourceFailed(resource_code, location, f"more than {MAX_ROWS} rows answered")
    return fetched


def _read_sql(ds: Dataset, src: LiveSource, raw: str, ids: list[str], columns: dict[str, str],
              subject_field: str, timeout: float, location: str) -> list[tuple[str | None, dict]]:
    engine = engine_for(ds.id, raw, timeout)
    query = src.query or ""
    match = _TABLE.fullmatch(query)
    if match:
        schema, name = (match.group(1), match.group(2)) if match.group(2) else (None, query)
        cols = sorted(set(columns.values()))
        t = table(name, *[column(c) for c in cols], schema=schema)
        stmt: Any = select(*[t.c[c] for c in cols]).where(t.c[columns[subject_field]].in_(ids))
    else:
        stmt = text(query).bindparams(bindparam("subject_ids", expanding=True))
    fetched = fetch_sql(engine, stmt, {"subject_ids": ids} if not match else {},
                        ds.resource_code, location)
    subject_col = columns[subject_field]
    out = []
    for row in fetched:
        mapped = {f: json_value(row[c]) for f, c in columns.items() if c in row}
        sid = row.get(subject_col)
        out.append((None if sid is None else str(sid), mapped))
    return out


def _dbapi_name(exc: sa_exc.StatementError) -> str:
    orig = getattr(exc, "orig", None)
    return type(orig).__name__ if orig is not None else type(exc).__name__


_UNAVAILABLE = re.compile(
    r"connection refused|could not connect|timeout|timed out|canceling statement|"
    r"server closed|terminating connection|no route|name or service not known|"
    r"could not translate host|connection reset|database is locked|unable to open database|"
    r"too many connections|the database system is (starting|shutting)",
    re.I,
)


def _unavailable_reason(exc: sa_exc.SQLAlchemyError) -> str | None:
    """A coarse reason that names no host, user or statement; None if not a reachability
    problem (e.g. a missing table, which is the registration's fault)."""
    if isinstance(exc, sa_exc.TimeoutError):
        return "no free connection in time"
    message = str(getattr(exc, "orig", exc))
    if not _UNAVAILABLE.search(message):
        return None
    if re.search(r"timeout|timed out|canceling statement", message, re.I):
        return "it did not answer in time"
    if "locked" in message:
        return "it is busy"
    return "the connection was refused or lost"


def _pick(obj: Any, path: str) -> tuple[bool, Any]:
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return False, None
        obj = obj[part]
    return True, obj


def _read_rest(ds: Dataset, raw: str, ids: list[str], columns: dict[str, str], timeout: float,
               location: str) -> list[tuple[str | None, dict]]:
    out: list[tuple[str | None, dict]] = []
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False,
                          headers={"accept": "application/json"}) as client:
            for sid in ids:
                resp = client.get(raw.replace("{subject_id}", quote(sid, safe="")))
                if resp.status_code == 404:
                    continue
                if resp.status_code >= 500 or resp.status_code == 429:
                    raise SourceUnavailable(ds.resource_code, location,
                                            f"it answered HTTP {resp.status_code}")
                if resp.status_code != 200:
                    raise SourceFailed(ds.resource_code, location,
                                       f"it answered HTTP {resp.status_code}")
                try:
                    body = resp.json()
                except ValueError:
                    raise SourceFailed(ds.resource_code, location,
                                       "it answered something that is not JSON") from None
                items = body if isinstance(body, list) else [body]
                if not all(isinstance(i, dict) for i in items):
                    raise SourceFailed(ds.resource_code, location,
                                       "it answered JSON that is not an object or a list of "
                                       "objects")
                for item in items:
                    mapped = {}
                    for f, key in columns.items():
                        found, value = _pick(item, key)
                        if found:
                            mapped[f] = value
                    out.append((sid, mapped))
    except httpx.TimeoutException:
        raise SourceUnavailable(ds.resource_code, location, "it did not answer in time") \
            from None
    except httpx.TransportError:
        raise SourceUnavailable(ds.resource_code, location,
                                "the connection was refused or lost") from None
    return out


def read_live(ctx: Ctx, actor: Actor, resource_code: str, subject_ids: list[str], *,
              timeout: float = DEFAULT_TIMEOUT) -> LiveReadResult:
    """Read the subjects' rows from the provider's own system and validate them."""
    started = time.perf_counter()
    ds = _dataset_for(ctx, actor, resource_code)
    fields = published_fields(ds)
    subject_field = ds.subject_field or ds.key_field
    if not subject_field:
        raise InvalidInput.one("resource_code", "the dataset names no subject field",
                               resource_code, "no_subject")
    ids = list(dict.fromkeys(s.strip() for s in subject_ids if s and s.strip()))
    if not ids:
        raise InvalidInput.one("subject_ids", "give at least one subject ID", None, "required")
    if any(len(s) > 64 for s in ids):
        raise InvalidInput.one("subject_ids", "a subject ID has at most 64 characters", None,
                               "too_long")
    src = _source_of(ctx, ds)
    raw = _target(ctx, src)
    location = mask_location(src.kind, raw)
    mapping = dict(src.mapping or {})
    columns = {f["name"]: mapping.get(f["name"], f["name"]) for f in fields}
    if src.kind == "sql":
        read = _read_sql(ds, src, raw, ids, columns, subject_field, timeout, location)
    else:
        read = _read_rest(ds, raw, ids, columns, timeout, location)
    validate = row_validator(ctx, fields)
    rows: list[dict[str, Any]] = []
    problems: list[LiveRowProblem] = []
    found: set[str] = set()
    for n, (sid, data) in enumerate(read, start=1):
        sid = sid if sid is not None else _str_or_none(data.get(subject_field))
        if sid is not None:
            found.add(sid)
        clean, row_problems = validate(n, data)
        if row_problems:
            problems += [LiveRowProblem(subject_id=sid, row=n, field=p.field,
                                        value=p.value, rule=p.code, reason=p.reason)
                         for p in row_problems]
        else:
            rows.append(clean)
    return LiveReadResult(
        resource_code=ds.resource_code, dataset_version=ds.published_version or 0, rows=rows,
        problems=problems, missing=[s for s in ids if s not in found],
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def row_validator(ctx: Ctx, fields: list[dict[str, Any]]) -> RowValidator:
    """The per-row check of the ingest pipeline, for rows that are read, not stored."""
    return pipeline_validator(ctx, fields)
