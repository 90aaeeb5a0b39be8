"""Ingest routes: file upload, REST push, batches, and the quarantine."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from govbridge.api import bodies
from govbridge.api.deps import acting
from govbridge.ingest import files, usecases
from govbridge.ingest.schemas import BatchOut, BatchReport, QuarantinedRowOut, RowIn

router = APIRouter(prefix="/datasets", tags=["ingest"])


class PushIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=usecases.MAX_PUSH_ROWS)


class DiscardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


@router.post("/{classification}/{sequence}/records", response_model=BatchReport,
             summary="Push a batch of rows (idempotent: the same body again adds nothing)")
async def push(classification: str, sequence: str, body: PushIn,
               request: Request) -> BatchReport:
    digest = hashlib.sha256(await request.body()).hexdigest()
    with acting(request) as (ctx, actor):
        return usecases.push_rows(ctx, actor, f"{classification}/{sequence}", body.rows,
                                  content_sha256=digest)


@router.post("/{classification}/{sequence}/upload", response_model=BatchReport,
             summary="Upload a CSV (UTF-8 or GB18030), .xlsx or JSON Lines file as one batch")
def upload(classification: str, sequence: str, file: UploadFile, request: Request,
           format: Literal["csv", "xlsx", "jsonl"] | None = None,
           encoding: Literal["utf-8", "gb18030"] | None = None) -> BatchReport:
    with acting(request) as (ctx, actor):
        return files.ingest_file(ctx, actor, f"{classification}/{sequence}", file.file,
                                 file.filename or "upload", fmt=format, encoding=encoding)


@router.get("/{classification}/{sequence}/batches", response_model=list[BatchOut])
def batches(classification: str, sequence: str, request: Request,
            limit: int = bodies.limit(50, 500)) -> list[BatchOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_batches(ctx, actor, f"{classification}/{sequence}", limit)


@router.get("/{classification}/{sequence}/quarantine", response_model=list[QuarantinedRowOut],
            summary="Rejected rows waiting to be fixed (provider only)")
def quarantine(classification: str, sequence: str, request: Request,
               status: Literal["open", "resolved", "discarded"] = "open",
               batch_id: int | None = bodies.query_int(1),
               limit: int = bodies.limit(100, 1000),
               offset: int = bodies.offset()) -> list[QuarantinedRowOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_quarantine(ctx, actor, f"{classification}/{sequence}",
                                        status=status, batch_id=batch_id, limit=limit,
                                        offset=offset)


@router.post("/{classification}/{sequence}/quarantine/{row_id}/resubmit",
             response_model=BatchReport, summary="Send a corrected row through validation again")
def resubmit(classification: str, sequence: str, row_id: bodies.Id, body: RowIn,
             request: Request) -> BatchReport:
    with acting(request) as (ctx, actor):
        return usecases.resubmit(ctx, actor, f"{classification}/{sequence}", row_id, body.data)


@router.post("/{classification}/{sequence}/quarantine/{row_id}/discard", status_code=204)
def discard(classification: str, sequence: str, row_id: bodies.Id, body: DiscardIn,
            request: Request) -> Response:
    with acting(request) as (ctx, actor):
        usecases.discard(ctx, actor, f"{classification}/{sequence}", row_id, body.reason)
    return Response(status_code=204)
