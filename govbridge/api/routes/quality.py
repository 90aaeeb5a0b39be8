"""Quality routes: run the measures, the history and its chart, failing rows, bureau table."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from govbridge.api.deps import acting
from govbridge.quality import usecases
from govbridge.quality.schemas import Dimension, FailingRows, QualityRunOut, QualityTableRow

router = APIRouter(prefix="/quality", tags=["quality"])


@router.get(
    "/table",
    response_model=list[QualityTableRow],
    summary="Every published dataset with its latest scores and trend",
)
def table(request: Request) -> list[QualityTableRow]:
    with acting(request) as (ctx, actor):
        return usecases.bureau_table(ctx, actor)


@router.post(
    "/{classification}/{sequence}/runs",
    response_model=QualityRunOut,
    status_code=201,
    summary="Measure a dataset now and keep the scores in its history",
)
def run(classification: str, sequence: str, request: Request) -> QualityRunOut:
    with acting(request) as (ctx, actor):
        return usecases.run_quality(ctx, actor, f"{classification}/{sequence}")


@router.get(
    "/{classification}/{sequence}/runs",
    response_model=list[QualityRunOut],
    summary="Quality history of a dataset, newest first",
)
def runs(
    classification: str,
    sequence: str,
    request: Request,
    limit: int = Query(50, ge=1, le=usecases.MAX_HISTORY),
) -> list[QualityRunOut]:
    with acting(request) as (ctx, actor):
        return usecases.history(ctx, actor, f"{classification}/{sequence}", limit)


@router.get(
    "/{classification}/{sequence}/chart.svg",
    summary="Quality history as an SVG line chart",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def chart(
    classification: str,
    sequence: str,
    request: Request,
    limit: int = Query(50, ge=1, le=usecases.MAX_HISTORY),
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    with acting(request) as (ctx, actor):
        svg = usecases.history_chart_svg(ctx, actor, f"{classification}/{sequence}", limit, lang)
    return Response(
        svg, media_type="image/svg+xml; charset=utf-8", headers={"cache-control": "no-store"}
    )


@router.get(
    "/{classification}/{sequence}/failing",
    response_model=FailingRows,
    summary="Rows failing one dimension (subjects masked, sensitive values withheld)",
)
def failing(
    classification: str,
    sequence: str,
    request: Request,
    dimension: Dimension,
    limit: int = Query(100, ge=1, le=usecases.MAX_FAILING),
) -> FailingRows:
    with acting(request) as (ctx, actor):
        return usecases.failing_rows(ctx, actor, f"{classification}/{sequence}", dimension, limit)
