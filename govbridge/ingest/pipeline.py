"""The one way rows get in: validate, store the valid ones, quarantine the rest, report.

Every way in (file upload, REST push, event stream, a fix from the quarantine) ends
here, so every row meets the same rules: the data elements its dataset's published
fields bind to, the record key, and idempotency.

- A batch is one transaction: its valid rows, its rejected rows (in the quarantine)
  and its report commit together or not at all; a crash leaves no half batch.
  Except for a file (`commit_chunks`): there each chunk of rows commits with the batch's
  running tally, so SQLite's one write lock is free between chunks and exchange queries
  are not made to wait (seconds per 25 MB) until they fail with "database is locked".
  Such a batch is marked `loading` until its last chunk. Sending the same file again
  after a crash resumes it after the rows already counted; a chunk's claim is a
  compare-and-set on the tally, so two loaders of one batch cannot both store a chunk.
  A file refused as a whole part-way (an undecodable byte) takes its stored chunks
  back out, so it still leaves nothing. Rows of a loading batch are visible to readers.
- A batch is identified by the SHA-256 of its content: the same content sent again
  adds nothing and answers with the first report (`duplicate_batch`).
- A record is identified by (dataset, record key, version). The key is the value of
  the dataset's key field; the version is the row's `_version` when given, else a hash
  of its validated content: a row sent again is a duplicate, a changed row is a new
  version of its record, and the same key twice in one batch with different content
  is rejected.
- Rows stream through in chunks: memory stays flat however long the batch.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import delete, insert, select, text, update

from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset, published_fields
from govbridge.core.errors import Conflict, FieldProblem, InvalidInput
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.ingest.cells import NUL, formula_like, shown_nul
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.ingest.schemas import BatchReport, RowProblem
from govbridge.runtime import Ctx
from govbridge.standards.usecases import spec_of
from govbridge.standards.validation import RuleViolation, compile_element

CHUNK = 2000
LOADING = "loading"  # in a batch's stored report: its chunks are still being committed
MAX_REPORTED = 1000  # problems kept in a report; the quarantine keeps them all
MAX_SHOWN = 200  # characters of a bad value shown back
VERSION_FIELD = "_version"
SOURCES = frozenset({"upload", "rest", "stream", "fix", "live"})

# A JSON string value that may start like a formula (cells.FORMULA_START), as canonical
# JSON writes it: "…":"=…", or an escaped tab or carriage return first.
MAYBE_FORMULA = re.compile(r'":"(?:[=+\-@]|\\[tr])')

RowValidator = Callable[[int | None, Mapping[str, Any]], tuple[dict[str, Any], list[FieldProblem]]]


class ReadProblem(Exception):
    """A row that could not even be read (ragged CSV line, broken JSON line)."""

    def __init__(self, problem: FieldProblem, raw: Mapping[str, Any]) -> None:
        super().__init__(problem.reason)
        self.problem = problem
        self.raw = dict(raw)


# A numbered row as readers hand it over: (row number, the row or what made it unreadable).
NumberedRow = tuple[int | None, Mapping[str, Any] | ReadProblem]


def json_value(value: Any) -> Any:
    """A value as JSON keeps it: dates as ISO text, decimals as text, the rest as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not text.isascii():
        text = storable_text(text)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


# A UTF-16 surrogate on its own: JSON can carry one ("\\ud800"), but it is no Unicode
# character, UTF-8 cannot encode it and no database driver takes it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """`text` with each lone surrogate shown as U+FFFD, so it can be stored and shown."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def storable(value: Any) -> Any:
    """A JSON value with its text (keys too) made storable (`storable_text`)."""
    if isinstance(value, str):
        return storable_text(value) if not value.isascii() else value
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_validator(ctx: Ctx, fields: Sequence[Mapping[str, Any]]) -> RowValidator:
    """A function (row number, raw row) → (clean row, problems) for the dataset's fields.

    Checkers are compiled once per batch; a row's every problem is reported, not only
    its first. Keys that name no field are problems too (a misspelt column would
    otherwise be dropped silently).
    """
    today = ctx.now().date()
    checks = [
        (f["name"], bool(f.get("required")),
         compile_element(spec_of(ctx, f["element"], f.get("element_version")), today))
        for f in fields
    ]
    known = frozenset(f["name"] for f in fields) | {VERSION_FIELD}

    def validate(
        n: int | None, raw: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[FieldProblem]]:
        clean: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for name, required, check in checks:
            value = raw.get(name)
            if value.__class__ is str and NUL in value:
                problems.append(FieldProblem(
                    name, "contains a NUL byte (0x00), which is never part of a value",
                    _shown(shown_nul(value)), "nul_byte", n))
                continue
            if (value.__class__ is str and not value.isascii()
                    and (lone := _LONE_SURROGATE.search(value)) is not None):
                problems.append(FieldProblem(
                    name, f"contains a lone UTF-16 surrogate (\\u{ord(lone.group()):04x}), "
                    "which is not a Unicode character", _shown(value), "encoding", n))
                continue
            try:
                checked = check(value)
            except RuleViolation as exc:
                problems.append(FieldProblem(name, exc.reason, _shown(value), exc.rule, n))
                continue
            if checked is None:
                if required:
                    problems.append(FieldProblem(name, "a value is required", None, "required", n))
                continue
            clean[name] = checked if checked.__class__ is str else json_value(checked)
        for name in raw:
            if name not in known:
                problems.append(FieldProblem(
                    storable_text(str(name)), "not a field of this dataset", _shown(raw[name]),
                    "unknown_field", n
                ))
        return clean, problems

    return validate


@dataclass
class BatchTally:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    truncated: int = 0
    warnings: list[RowProblem] = field(default_factory=list)
    warnings_truncated: int = 0

    def warn(self, n: int | None, clean: Mapping[str, Any]) -> None:
        """Formula-like text in an accepted row: kept, reported (cells.py says why)."""
        for name, value in clean.items():
            if formula_like(value):
                if len(self.warnings) < MAX_REPORTED:
                    self.warnings.append(RowProblem(
                        row=n, field=name, value=_shown(value), rule="formula_like",
                        reason=f"starts with {value[0]!r}: a spreadsheet would run it as a "
                               "formula; kept as sent, exported behind a leading '"))
                else:
                    self.warnings_truncated += 1

    @classmethod
    def of(cls, batch: IngestBatch) -> BatchTally:
        """The tally a loading batch had stored with its last chunk."""
        stored = batch.report or {}
        return cls(batch.received, batch.accepted, batch.duplicates, batch.rejected,
                   [RowProblem(**p) for p in stored.get("problems", [])],
                   int(stored.get("problems_truncated", 0)),
                   [RowProblem(**p) for p in stored.get("warnings", [])],
                   int(stored.get("warnings_truncated", 0)))

    def stored(self, *, loading: bool) -> dict[str, Any]:
        """The batch's report as kept in its row."""
        out: dict[str, Any] = {
            "problems": [p.model_dump() for p in self.problems],
            "problems_truncated": self.truncated,
        }
        if self.warnings or self.warnings_truncated:
            out["warnings"] = [w.model_dump() for w in self.warnings]
            out["warnings_truncated"] = self.warnings_truncated
        if loading:
            out[LOADING] = True
        return out

    def reject(self, problems: Sequence[FieldProblem]) -> None:
        self.rejected += 1
        for p in problems:
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(RowProblem(row=p.row, field=p.field, value=p.value,
                                                rule=p.code, reason=p.reason))
            else:
                self.truncated += 1


def ingestible(ctx: Ctx, actor: Actor, resource_code: str) -> Dataset:
    """The dataset rows may go into: published, not retired, and the actor's to feed."""
    ds = find_dataset(ctx, resource_code)
    require(actor, Permission.DATA_INGEST, organization_id=ds.provider_id)
    if ds.status == "retired":
        raise Conflict(f"dataset {ds.resource_code} is retired and takes no data",
                       "resource_code", ds.resource_code)
    if ds.published_version is None:
        raise InvalidInput.one("resource_code", "dataset has no published version yet",
                               ds.resource_code, "not_published")
    return ds


def batch_report(ds: Dataset, batch: IngestBatch, *, duplicate: bool) -> BatchReport:
    stored = batch.report or {}
    return BatchReport(
        resource_code=ds.resource_code,
        dataset_version=batch.dataset_version,
        batch_id=batch.id,
        source=batch.source,
        filename=batch.filename,
        content_sha256=batch.content_sha256,
        received=batch.received,
        accepted=batch.accepted,
        duplicates=batch.duplicates,
        rejected=batch.rejected,
        duplicate_batch=duplicate,
        problems=[RowProblem(**p) for p in stored.get("problems", [])],
        problems_truncated=int(stored.get("problems_truncated", 0)),
        warnings=[RowProblem(**p) for p in stored.get("warnings", [])],
        warnings_truncated=int(stored.get("warnings_truncated", 0)),
    )


def content_hash_of_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        text = canonical_json({k: json_value(v) for k, v in row.items()})
        digest.update(text.encode("utf-8", "surrogatepass"))  # a lone one is a row problem
        digest.update(b"\n")
    return digest.hexdigest()


def ingest_rows(
    ctx: Ctx,
    actor: Actor,
    resource_code: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str,
    content_sha256: str | None = None,
    filename: str | None = None,
) -> BatchReport:
    """Ingest rows numbered 1, 2, … (JSON batches, stream messages, Python callers).

    Without `content_sha256` the rows are hashed as canonical JSON, which needs them
    all at hand; readers of large files pass the hash of the file instead.
    """
    if content_sha256 is None:
        rows = list(rows)
        content_sha256 = content_hash_of_rows(rows)
    return ingest_numbered(ctx, actor, resource_code, enumerate(rows, start=1), source=source,
                           content_sha256=content_sha256, filename=filename)


def ingest_numbered(
    ctx: Ctx,
    actor: Actor,
    resource_code: str,
    rows: Iterable[NumberedRow],
    *,
    source: str,
    content_sha256: str,
    filename: str | None = None,
    commit_chunks: bool = False,
) -> BatchReport:
    """Ingest numbered rows as one batch (see the module docstring for the guarantees).

    With `commit_chunks` the caller's transaction is committed after every chunk (and
    before the first): call it only in a context that holds nothing else.
    """
    if source not in SOURCES:
        raise InvalidInput.one("source", f"one of {', '.join(sorted(SOURCES))}", source, "enum")
    ds = ingestible(ctx, actor, resource_code)
    batch = ctx.db.scalar(select(IngestBatch).where(
        IngestBatch.dataset_id == ds.id, IngestBatch.content_sha256 == content_sha256))
    resuming = batch is not None
    if batch is not None and not (batch.report or {}).get(LOADING):
        return batch_report(ds, batch, duplicate=True)
    if batch is not None and not commit_chunks:
        raise Conflict(f"batch {batch.id} with the same content is still loading; send it "
                       "again when it is done", "content_sha256", content_sha256)
    if batch is None:
        batch = IngestBatch(dataset_id=ds.id, dataset_version=ds.published_version,
                            source=source, content_sha256=content_sha256, filename=filename,
                            report={LOADING: True} if commit_chunks else {},
                            created_by=actor.label, created_at=ctx.now())
        ctx.db.add(batch)
        ctx.db.flush()
    writer = _BatchWriter(ctx, ds, batch, row_validator(ctx, published_fields(ds)),
                          claim_chunks=commit_chunks)
    rows = iter(rows)
    if resuming:
        writer.tally = BatchTally.of(batch)
        rows = islice(rows, batch.received, None)  # counted and stored before the crash
    if commit_chunks:
        ctx.db.commit()
    try:
        for chunk in _chunks(rows, CHUNK):
            writer.write(chunk)
            if commit_chunks:
                ctx.db.commit()
    except InvalidInput:
        if commit_chunks:  # the file is refused as a whole: take its chunks back out
            ctx.db.rollback()
            _undo(ctx, batch.id)
        raise
    writer.save(loading=False, counted=writer.tally.received if commit_chunks else None)
    tally = writer.tally
    ctx.db.refresh(batch)
    ctx.emit("ingest.batch", {"resource_code": ds.resource_code, "batch_id": batch.id,
                              "source": source, "accepted": tally.accepted,
                              "rejected": tally.rejected})
    return batch_report(ds, batch, duplicate=False)


def _undo(ctx: Ctx, batch_id: int) -> None:
    """Delete a batch and what it stored, a piece per transaction (the write lock again)."""
    for table in (DatasetRecord, QuarantinedRow):
        while True:
            ids = select(table.id).where(table.batch_id == batch_id).limit(CHUNK)
            gone = ctx.db.execute(delete(table).where(table.id.in_(ids.scalar_subquery()))
                                  .execution_options(synchronize_session=False)).rowcount
            ctx.db.commit()
            if not gone:
                break
    ctx.db.execute(delete(IngestBatch).where(IngestBatch.id == batch_id)
                   .execution_options(synchronize_session=False))
    ctx.db.commit()


def _chunks(rows: Iterator[NumberedRow], size: int) -> Iterator[list[NumberedRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def record_identity(key_field: str | None, n: int | None, raw: Mapping[str, Any], content: str,
                    clean: Mapping[str, Any]) -> tuple[str, str] | FieldProblem:
    """A valid row's (record key, version), or the problem that leaves it without one."""
    if key_field is None:
        key = hashlib.sha256(content.encode()).hexdigest()[:32]
    else:
        value = clean.get(key_field)
        if value is None:
            return FieldProblem(key_field, "the record key is required", None, "required", n)
        key = str(value)
        if len(key) > 128:
            return FieldProblem(key_field, "a record key has at most 128 characters",
                                _shown(key), "length", n)
    given = raw.get(VERSION_FIELD)
    if given is not None and str(given).strip():
        version = str(given).strip()
        if len(version) > 32:
            return FieldProblem(VERSION_FIELD, "a version has at most 32 characters",
                                _shown(version), "length", n)
    else:
        version = hashlib.sha256(content.encode()).hexdigest()[:16]
    return key, version


def stored_versions(ctx: Ctx, dataset_id: int,
                    keys: set[str]) -> dict[str, dict[str, int | None]]:
    """{record key: {version: batch id}} for those of `keys` the dataset already stores."""
    found: dict[str, dict[str, int | None]] = {}
    if not keys:
        return found
    if ctx.db.connection().dialect.name == "postgresql":
        # One index probe per key: inside a long load transaction the planner's
        # statistics still say the table is empty and it would scan it per chunk.
        stmt = text(
            "SELECT k.key, r.version, r.batch_id FROM unnest(CAST(:keys AS text[])) "
            "AS k(key) CROSS JOIN LATERAL (SELECT version, batch_id FROM dataset_records "
            "WHERE dataset_id = :ds AND record_key = k.key OFFSET 0) AS r")
        rows = ctx.db.execute(stmt, {"keys": list(keys), "ds": dataset_id})
    else:
        rows = ctx.db.execute(
            select(DatasetRecord.record_key, DatasetRecord.version, DatasetRecord.batch_id)
            .where(DatasetRecord.dataset_id == dataset_id, DatasetRecord.record_key.in_(keys)))
    for key, version, batch_id in rows:
        found.setdefault(key, {})[version] = batch_id
    return found


_COLUMNS = ("dataset_records (dataset_id, record_key, version, subject_id, data, batch_id, "
            "created_at)")
INSERT_SQLITE = f"INSERT INTO {_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608 - constant
INSERT_PG = (
    f"INSERT INTO {_COLUMNS} VALUES (%s, %s, %s, %s, CAST(%s AS JSON), %s, %s)"  # noqa: S608
)


class _BatchWriter:
    """Writes a batch chunk by chunk: validation, key and version, duplicates, inserts.

    This is the hot path of every large upload, so stored rows go to the driver as
    ready tuples: each row's canonical JSON is made once and serves both as the
    version hash's input and as the stored `data`, and the constant columns are
    converted once per batch (`govbridge bench ingest` measures the result).
    """

    def __init__(self, ctx: Ctx, ds: Dataset, batch: IngestBatch, validate: RowValidator,
                 *, claim_chunks: bool = False) -> None:
        self.ctx, self.ds, self.batch, self.validate = ctx, ds, batch, validate
        self.dataset_id, self.batch_id = ds.id, batch.id
        self.key_field = ds.key_field or ds.subject_field
        self.subject_field = ds.subject_field
        self.claim_chunks = claim_chunks
        self.tally = BatchTally()
        self.now = ctx.now()
        dialect = ctx.db.connection().dialect
        self.postgres = dialect.name == "postgresql"
        stamp = DatasetRecord.__table__.c.created_at.type.bind_processor(dialect)
        self.created_at = stamp(self.now) if stamp else self.now
        self.insert_sql = INSERT_PG if self.postgres else INSERT_SQLITE

    def _quarantine(self, n: int | None, raw: Mapping[str, Any],
                    problems: Sequence[FieldProblem], out: list[dict[str, Any]]) -> None:
        self.tally.reject(problems)
        out.append({
            "dataset_id": self.dataset_id, "batch_id": self.batch_id, "row_number": n,
            "raw": storable({str(k): json_value(v) for k, v in raw.items()}),
            "problems": [{"row": p.row, "field": p.field, "value": p.value, "rule": p.code,
                          "reason": p.reason} for p in problems],
            "status": "open", "resolved_batch_id": None, "created_at": self.now,
        })

    def write(self, chunk: list[NumberedRow]) -> None:
        tally = self.tally
        rejected: list[dict[str, Any]] = []
        candidates: list[tuple[int | None, str, str, dict[str, Any], str,
                               Mapping[str, Any]]] = []
        validate, maybe_formula, key_field = self.validate, MAYBE_FORMULA.search, self.key_field
        for n, raw in chunk:
            tally.received += 1
            if isinstance(raw, ReadProblem):
                self._quarantine(n, raw.raw, [raw.problem], rejected)
                continue
            clean, problems = validate(n, raw)
            if problems:
                self._quarantine(n, raw, problems, rejected)
                continue
            content = canonical_json(clean)
            identity = record_identity(key_field, n, raw, content, clean)
            if isinstance(identity, FieldProblem):
                self._quarantine(n, raw, [identity], rejected)
                continue
            candidates.append((n, identity[0], identity[1], clean, content, raw))
        stored = stored_versions(self.ctx, self.dataset_id, {c[1] for c in candidates})
        fresh: list[tuple[Any, ...]] = []
        batch_id, dataset_id, subject_field = self.batch_id, self.dataset_id, self.subject_field
        for n, key, version, clean, content, raw in candidates:
            seen = stored.setdefault(key, {})
            if version in seen:
                tally.duplicates += 1
                continue
            if seen and batch_id in seen.values():
                self._quarantine(n, raw, [FieldProblem(
                    self.key_field or "record", "this record key came earlier in the batch "
                    "with other values", key, "duplicate_key", n)], rejected)
                continue
            seen[version] = batch_id
            if maybe_formula(content):  # a quick look at the row's JSON before each value
                tally.warn(n, clean)
            fresh.append((dataset_id, key, version, subject_of(clean, subject_field), content,
                          batch_id, self.created_at))
        tally.accepted += len(fresh)
        if self.claim_chunks:  # first write of the chunk's transaction: claim it
            self.save(loading=True, counted=tally.received - len(chunk))
        conn = self.ctx.db.connection()  # a new one after each chunk's commit
        if fresh:
            conn.exec_driver_sql(self.insert_sql, fresh)
        if rejected:
            conn.execute(insert(QuarantinedRow), rejected)

    def save(self, *, loading: bool, counted: int | None = None) -> None:
        """Store the tally in the batch's row. With `counted`, only if the row still says
        that many rows were received: another loader of the batch has moved it on
        otherwise, and this one stops (its chunk rolls back)."""
        t = self.tally
        stmt = update(IngestBatch).where(IngestBatch.id == self.batch_id).values(
            received=t.received, accepted=t.accepted, duplicates=t.duplicates,
            rejected=t.rejected, report=t.stored(loading=loading))
        if counted is not None:
            stmt = stmt.where(IngestBatch.received == counted)
        done = self.ctx.db.execute(stmt.execution_options(synchronize_session=False))
        if counted is not None and done.rowcount != 1:
            raise Conflict(f"batch {self.batch_id} is being loaded by another upload of the "
                           "same content", "content_sha256", self.batch.content_sha256)


def subject_of(clean: Mapping[str, Any], subject_field: str | None) -> str | None:
    if subject_field is None:
        return None
    value = clean.get(subject_field)
    return None if value is None else str(value)[:64]
