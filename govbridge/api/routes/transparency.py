"""Transparency routes: my access log, an auditor's lookup, and the flags of unusual access."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from govbridge.api import bodies
from govbridge.api.deps import acting
from govbridge.exchange import transparency
from govbridge.exchange.schemas import FlagReviewIn
from govbridge.exchange.transparency import AccessOut, FlagOut

router = APIRouter(tags=["transparency"])


class SubjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_id: str = Field(min_length=1, max_length=64)


@router.get("/me/accesses", response_model=list[AccessOut],
            summary="Who read my data, when, which data and why — each with its ledger proof")
def my_accesses(request: Request, limit: int = bodies.limit(100, 500),
                before: int | None = bodies.query_int(0)) -> list[AccessOut]:
    with acting(request) as (ctx, actor):
        return transparency.my_accesses(ctx, actor, limit=limit, before=before)


@router.post("/audit/subject-accesses", response_model=list[AccessOut],
             summary="A subject's access log, for auditors (the ID travels in the body)")
def subject_accesses(body: SubjectIn, request: Request) -> list[AccessOut]:
    with acting(request) as (ctx, actor):
        return transparency.subject_accesses(ctx, actor, body.subject_id)


@router.get("/access-flags", response_model=list[FlagOut], summary="Unusual access, for auditors")
def flags(request: Request, status: Literal["open", "dismissed", "confirmed"] = "open",
          limit: int = bodies.limit(200, 1000)) -> list[FlagOut]:
    with acting(request) as (ctx, actor):
        return transparency.list_flags(ctx, actor, status=status, limit=limit)


@router.post("/access-flags/{flag_id}/review", status_code=204)
def review(flag_id: bodies.Id, body: FlagReviewIn, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        transparency.review_flag(ctx, actor, flag_id, body.verdict, body.note)
    return Response(status_code=204)
