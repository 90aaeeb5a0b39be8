"""Catalog routes: entries, lifecycle, review queue, search, DCAT-AP export."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from govbridge.api import bodies
from govbridge.api.deps import acting
from govbridge.catalog import dcat, search, usecases
from govbridge.catalog.schemas import (
    DatasetIn,
    DatasetOut,
    RetireIn,
    ReviewIn,
    SearchResult,
    VersionIn,
)

router = APIRouter(prefix="/catalog", tags=["catalog"])


@router.get("/search", response_model=SearchResult, summary="Search published datasets")
def search_catalog(request: Request, q: str = "", provider: str | None = None,
                   share_type: str | None = None, grade: str | None = None,
                   format: str | None = None, subject_type: str | None = None,
                   limit: int = bodies.limit(20, 200),
                   offset: int = bodies.offset()) -> SearchResult:
    filters = {"provider": provider or "", "share_type": share_type or "", "grade": grade or "",
               "format": format or "", "subject_type": subject_type or ""}
    with acting(request) as (ctx, actor):
        return search.search(ctx, actor, q, filters=filters, limit=limit, offset=offset)


@router.get("/export/dcat", summary="The published catalog as DCAT-AP (Turtle or JSON-LD)",
            response_class=Response,
            responses={200: {"content": {"text/turtle": {}, "application/ld+json": {}}}})
def export_dcat(request: Request, format: Literal["turtle", "json-ld"] = "turtle",
                open_only: bool = False) -> Response:
    with acting(request) as (ctx, actor):
        text = dcat.export_catalog(ctx, actor, format, str(request.base_url),
                                   open_only=open_only)
    media = "text/turtle" if format == "turtle" else "application/ld+json"
    return Response(text, media_type=f"{media}; charset=utf-8")


@router.get("/review-queue", response_model=list[DatasetOut], summary="Submitted entries")
def review_queue(request: Request) -> list[DatasetOut]:
    with acting(request) as (ctx, actor):
        return usecases.review_queue(ctx, actor)


@router.get("/datasets", response_model=list[DatasetOut])
def list_datasets(request: Request, provider: str | None = None,
                  status: str | None = None) -> list[DatasetOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_datasets(ctx, actor, provider_code=provider, status=status)


@router.post("/datasets", response_model=DatasetOut, status_code=201,
             summary="Register a dataset (draft, version 1)")
def create_dataset(body: DatasetIn, request: Request) -> DatasetOut:
    with acting(request) as (ctx, actor):
        return usecases.create_dataset(ctx, actor, body)


@router.get("/datasets/{classification}/{sequence}", response_model=DatasetOut)
def get_dataset(classification: str, sequence: str, request: Request,
                version: int | None = bodies.query_int(1)) -> DatasetOut:
    with acting(request) as (ctx, actor):
        return usecases.get_dataset(ctx, actor, f"{classification}/{sequence}", version)


@router.put("/datasets/{classification}/{sequence}", response_model=DatasetOut,
            summary="Edit a draft or returned version")
def update_dataset(classification: str, sequence: str, body: DatasetIn,
                   request: Request) -> DatasetOut:
    with acting(request) as (ctx, actor):
        return usecases.update_draft(ctx, actor, f"{classification}/{sequence}", body)


@router.post("/datasets/{classification}/{sequence}/submit", response_model=DatasetOut)
def submit_dataset(classification: str, sequence: str, request: Request) -> DatasetOut:
    with acting(request) as (ctx, actor):
        return usecases.submit(ctx, actor, f"{classification}/{sequence}")


@router.post("/datasets/{classification}/{sequence}/review", response_model=DatasetOut)
def review_dataset(classification: str, sequence: str, body: ReviewIn,
                   request: Request) -> DatasetOut:
    with acting(request) as (ctx, actor):
        return usecases.review(ctx, actor, f"{classification}/{sequence}",
                               approve=body.approve, comment=body.comment)


@router.post("/datasets/{classification}/{sequence}/versions", response_model=DatasetOut,
             status_code=201, summary="Propose a schema change (new draft version)")
def propose_version(classification: str, sequence: str, body: VersionIn,
                    request: Request) -> DatasetOut:
    with acting(request) as (ctx, actor):
        return usecases.propose_version(ctx, actor, f"{classification}/{sequence}",
                                        body.fields)


@router.post("/datasets/{classification}/{sequence}/retire", response_model=DatasetOut)
def retire_dataset(classification: str, sequence: str, body: RetireIn,
                   request: Request) -> DatasetOut:
    with acting(request) as (ctx, actor):
        return usecases.retire(ctx, actor, f"{classification}/{sequence}", body.reason)
