"""Service figures route: per service item case figures for the data bureau."""

from __future__ import annotations

from fastapi import APIRouter, Request

from govbridge.api.deps import acting
from govbridge.cases import reports
from govbridge.cases.reports import ItemFigures

router = APIRouter(prefix="/services", tags=["cases"])


@router.get("/figures", response_model=list[ItemFigures],
            summary="Per service item: cases by state, handling time, on-time rate, sharing")
def item_figures(request: Request) -> list[ItemFigures]:
    with acting(request) as (ctx, actor):
        return reports.item_figures(ctx, actor)
