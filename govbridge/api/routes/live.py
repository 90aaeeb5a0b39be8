"""Live source routes (同源): register a dataset's source, read from it on demand."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from govbridge.api.deps import acting
from govbridge.api.problems import problem
from govbridge.ingest import live
from govbridge.ingest.live_schemas import LiveReadIn, LiveReadResult, LiveSourceIn, LiveSourceOut

router = APIRouter(prefix="/live-sources", tags=["live sources"])

UNAVAILABLE = {503: {"description": "The source did not answer; see `Retry-After`"}}


@router.get("", response_model=list[LiveSourceOut], summary="Live sources you may manage")
def list_sources(request: Request) -> list[LiveSourceOut]:
    with acting(request) as (ctx, actor):
        return live.list_live_sources(ctx, actor)


@router.put(
    "/{classification}/{sequence}",
    response_model=LiveSourceOut,
    summary="Register or replace the live source of a dataset (the URL is never shown back)",
)
def put_source(classification: str, sequence: str, body: LiveSourceIn,
               request: Request) -> LiveSourceOut:
    with acting(request) as (ctx, actor):
        return live.register_live_source(ctx, actor, f"{classification}/{sequence}", body)


@router.get("/{classification}/{sequence}", response_model=LiveSourceOut)
def get_source(classification: str, sequence: str, request: Request) -> LiveSourceOut:
    with acting(request) as (ctx, actor):
        return live.get_live_source(ctx, actor, f"{classification}/{sequence}")


@router.delete("/{classification}/{sequence}", status_code=204)
def delete_source(classification: str, sequence: str, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        live.delete_live_source(ctx, actor, f"{classification}/{sequence}")
    return Response(status_code=204)


@router.post(
    "/{classification}/{sequence}/read",
    response_model=LiveReadResult,
    responses=UNAVAILABLE,
    summary="Read subjects' rows from the source now, validated; nothing is stored",
)
def read_source(classification: str, sequence: str, body: LiveReadIn,
                request: Request) -> LiveReadResult | JSONResponse:
    try:
        with acting(request) as (ctx, actor):
            return live.read_live(ctx, actor, f"{classification}/{sequence}", body.subject_ids)
    except live.SourceUnavailable as exc:
        resp = problem(exc.status, exc.type_slug, exc.title, exc.detail, request.url.path,
                       **exc.extensions())
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
