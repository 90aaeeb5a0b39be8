"""Governance routes: scorecards (JSON, CSV, SVG charts), the scoring model, sharing points.

Each route runs one use case of `govbridge.governance`, which decides who sees which
department (the bureau and auditors all, an officer its own, others 403).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from govbridge.api.deps import acting
from govbridge.governance import points, scorecards
from govbridge.governance.schemas import (
    BalancesOut,
    GrantIn,
    MovementOut,
    RatesIn,
    ScorecardOut,
    ScoringModelIn,
    SettingOut,
    TrendOut,
)

router = APIRouter(prefix="/governance", tags=["governance"])

PeriodQ = Query(None, pattern=r"^\d{4}(-\d{2})?$", description="YYYY-MM or YYYY")
MonthQ = Query(None, pattern=r"^\d{4}-\d{2}$", description="The last month, YYYY-MM")
SVG = {200: {"content": {"image/svg+xml": {}}}}


def _svg(svg: str) -> Response:
    return Response(svg, media_type="image/svg+xml; charset=utf-8",
                    headers={"cache-control": "no-store"})


@router.get("/scorecards", response_model=list[ScorecardOut],
            summary="Department scorecards of a period, each with the figures behind it")
def list_scorecards(request: Request, period: str | None = PeriodQ) -> list[ScorecardOut]:
    with acting(request) as (ctx, actor):
        return scorecards.scorecards(ctx, actor, period)


@router.get("/scorecards.csv", summary="Department scorecards of a period as CSV",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def scorecards_csv(request: Request, period: str | None = PeriodQ) -> Response:
    with acting(request) as (ctx, actor):
        cards = scorecards.scorecards(ctx, actor, period)
    return Response(scorecards.csv_text(cards), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="scorecards.csv"'})


@router.get("/scorecards/trend", response_model=list[TrendOut],
            summary="Each department's score month by month")
def trend(request: Request, until: str | None = MonthQ,
          months: int = Query(12, ge=1, le=36)) -> list[TrendOut]:
    with acting(request) as (ctx, actor):
        return scorecards.trend(ctx, actor, until, months)


@router.get("/scorecards/trend.svg", summary="The monthly scores as an SVG line chart",
            response_class=Response, responses=SVG)
def trend_svg(request: Request, until: str | None = MonthQ,
              department: str | None = Query(None, min_length=18, max_length=18),
              lang: Literal["zh", "en"] = "zh") -> Response:
    with acting(request) as (ctx, actor):
        return _svg(scorecards.trend_chart_svg(ctx, actor, until, lang, department))


@router.get("/scorecards/{department}", response_model=ScorecardOut,
            summary="One department's scorecard (its own for a department's officer)")
def one_scorecard(department: str, request: Request,
                  period: str | None = PeriodQ) -> ScorecardOut:
    with acting(request) as (ctx, actor):
        return scorecards.scorecard(ctx, actor, department, period)


@router.get("/scoring-models", response_model=list[SettingOut],
            summary="Every version of the scoring model (version 1: the built-in default)")
def scoring_models(request: Request) -> list[SettingOut]:
    with acting(request) as (ctx, actor):
        return scorecards.scoring_models(ctx, actor)


@router.post("/scoring-models", response_model=SettingOut, status_code=201,
             summary="Save a new version of the scoring model (the data bureau)")
def save_scoring_model(body: ScoringModelIn, request: Request) -> SettingOut:
    with acting(request) as (ctx, actor):
        return scorecards.save_scoring_model(ctx, actor, body)


@router.get("/points", response_model=BalancesOut,
            summary="Points balances (double entry: the total is always 0)")
def balances(request: Request) -> BalancesOut:
    with acting(request) as (ctx, actor):
        return points.balances(ctx, actor)


@router.get("/points/{department}/movements", response_model=list[MovementOut],
            summary="A department's points movements, newest first")
def movements(department: str, request: Request,
              limit: int = Query(100, ge=1, le=1000)) -> list[MovementOut]:
    with acting(request) as (ctx, actor):
        return points.movements(ctx, actor, department, limit)


@router.get("/points/rates", response_model=SettingOut, summary="The current points rates")
def rates(request: Request) -> SettingOut:
    with acting(request) as (ctx, actor):
        return points.rates_setting(ctx, actor)


@router.post("/points/rates", response_model=SettingOut, status_code=201,
             summary="Save a new version of the points rates (the data bureau)")
def save_rates(body: RatesIn, request: Request) -> SettingOut:
    with acting(request) as (ctx, actor):
        return points.save_rates(ctx, actor, body)


@router.post("/points/grants", response_model=MovementOut, status_code=201,
             summary="Grant points to a department from the bureau's account")
def grant(body: GrantIn, request: Request) -> MovementOut:
    with acting(request) as (ctx, actor):
        return points.grant(ctx, actor, body)
