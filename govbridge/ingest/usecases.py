"""Ingest use cases around the pipeline: REST push, batches, and the quarantine.

Rejected rows wait in the quarantine for their provider, who fixes and resubmits
them (through the same pipeline, as a batch of source "fix") or discards them.
Only the provider's own staff and systems see quarantined rows: they hold raw
values that failed validation, which may be sensitive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import select

from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset, published_fields
from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.ingest.models import IngestBatch, QuarantinedRow
from govbridge.ingest.pipeline import (
    canonical_json,
    content_hash_of_rows,
    ingest_rows,
    ingestible,
    json_value,
    row_validator,
)
from govbridge.ingest.schemas import BatchOut, BatchReport, QuarantinedRowOut
from govbridge.runtime import Ctx

MAX_PUSH_ROWS = 10_000
QuarantineStatus = Literal["open", "resolved", "discarded"]


def push_rows(ctx: Ctx, actor: Actor, resource_code: str, rows: list[Mapping[str, Any]],
              *, content_sha256: str | None = None) -> BatchReport:
    """Ingest way 2: a department system pushes a batch of rows over REST."""
    if not rows:
        raise InvalidInput.one("rows", "give at least one row", None, "required")
    if len(rows) > MAX_PUSH_ROWS:
        raise InvalidInput.one("rows", f"at most {MAX_PUSH_ROWS} rows per push; upload a file "
                               "for more", len(rows), "too_many")
    return ingest_rows(ctx, actor, resource_code, rows, source="rest",
                       content_sha256=content_sha256 or content_hash_of_rows(rows))


def _own_dataset(ctx: Ctx, actor: Actor, resource_code: str) -> Dataset:
    ds = find_dataset(ctx, resource_code)
    require(actor, Permission.DATA_INGEST, organization_id=ds.provider_id)
    return ds


def list_batches(ctx: Ctx, actor: Actor, resource_code: str, limit: int = 50) -> list[BatchOut]:
    ds = _own_dataset(ctx, actor, resource_code)
    batches = ctx.db.scalars(select(IngestBatch).where(IngestBatch.dataset_id == ds.id)
                             .order_by(IngestBatch.id.desc()).limit(min(limit, 500)))
    return [BatchOut(id=b.id, resource_code=ds.resource_code, dataset_version=b.dataset_version,
                     source=b.source, filename=b.filename, received=b.received,
                     accepted=b.accepted, duplicates=b.duplicates, rejected=b.rejected,
                     created_by=b.created_by, created_at=b.created_at) for b in batches]


def _row_out(ds: Dataset, row: QuarantinedRow) -> QuarantinedRowOut:
    return QuarantinedRowOut(id=row.id, resource_code=ds.resource_code, batch_id=row.batch_id,
                             row=row.row_number, raw=row.raw, problems=row.problems,
                             status=row.status, resolved_batch_id=row.resolved_batch_id,
                             created_at=row.created_at)


def list_quarantine(ctx: Ctx, actor: Actor, resource_code: str, *,
                    status: QuarantineStatus = "open", batch_id: int | None = None,
                    limit: int = 100, offset: int = 0) -> list[QuarantinedRowOut]:
    ds = _own_dataset(ctx, actor, resource_code)
    stmt = select(QuarantinedRow).where(QuarantinedRow.dataset_id == ds.id,
                                        QuarantinedRow.status == status)
    if batch_id is not None:
        stmt = stmt.where(QuarantinedRow.batch_id == batch_id)
    stmt = stmt.order_by(QuarantinedRow.id).limit(min(max(limit, 1), 1000)).offset(max(offset, 0))
    return [_row_out(ds, r) for r in ctx.db.scalars(stmt)]


def _open_row(ctx: Ctx, ds: Dataset, row_id: int) -> QuarantinedRow:
    row = ctx.db.get(QuarantinedRow, row_id)
    if row is None or row.dataset_id != ds.id:
        raise NotFound("quarantined row", row_id)
    if row.status != "open":
        raise Conflict(f"quarantined row {row_id} is already {row.status}", "status", row.status)
    return row


def resubmit(ctx: Ctx, actor: Actor, resource_code: str, row_id: int,
             data: Mapping[str, Any]) -> BatchReport:
    """Send a corrected row through the pipeline; the quarantined row is then resolved.

    A correction that still breaks a rule is refused with its problems and changes
    nothing: the row stays open in the quarantine.
    """
    ds = ingestible(ctx, actor, resource_code)
    row = _open_row(ctx, ds, row_id)
    _clean, problems = row_validator(ctx, published_fields(ds))(row.row_number, data)
    if problems:
        raise InvalidInput(problems)
    body = canonical_json({k: json_value(v) for k, v in data.items()})
    digest = hashlib.sha256(f"fix:{row_id}:{body}".encode()).hexdigest()
    report = ingest_rows(ctx, actor, ds.resource_code, [data], source="fix",
                         content_sha256=digest, filename=f"quarantine#{row_id}")
    row.status = "resolved"
    row.resolved_batch_id = report.batch_id
    record(ctx, actor, "ingest.quarantine.resubmit", "quarantined_row", row_id,
           {"resource_code": ds.resource_code, "batch_id": report.batch_id})
    return report


def discard(ctx: Ctx, actor: Actor, resource_code: str, row_id: int, reason: str) -> None:
    """Give up on a quarantined row (e.g. a test record); kept, marked discarded."""
    if not reason.strip():
        raise InvalidInput.one("reason", "say why the row is discarded", reason, "required")
    ds = _own_dataset(ctx, actor, resource_code)
    row = _open_row(ctx, ds, row_id)
    row.status = "discarded"
    record(ctx, actor, "ingest.quarantine.discard", "quarantined_row", row_id,
           {"resource_code": ds.resource_code, "reason": reason.strip()[:500]})
