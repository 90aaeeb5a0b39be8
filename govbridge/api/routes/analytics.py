"""Analytics routes: the certificate co-occurrence graph (JSON, SVG), demand and outcomes
of the cases — aggregates only; `analytics.read`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from govbridge.analytics import graph, reports, risk, scenarios
from govbridge.analytics.risk import RiskHint
from govbridge.analytics.scenarios import BacktestOut, WhatIfIn, WhatIfOut
from govbridge.analytics.schemas import DemandOut, GraphOut, OutcomesOut
from govbridge.api.deps import acting

router = APIRouter(prefix="/analytics", tags=["analytics"])

DepartmentQ = Query(None, min_length=18, max_length=18,
                    description="Items led by, or certificates held by, this credit code")
ItemQ = Query(None, max_length=64, description="One service item's code")
PeriodQ = Query(None, pattern=r"^\d{4}(-\d{2})?$", description="YYYY-MM or YYYY")


@router.get("/certificates", response_model=GraphOut,
            summary="The certificate co-occurrence graph, ranked by submissions saved")
def certificates(request: Request, department: str | None = DepartmentQ,
                 item: str | None = ItemQ,
                 min_weight: int = Query(0, ge=0, le=graph.MAX_MIN_WEIGHT)) -> GraphOut:
    with acting(request) as (ctx, actor):
        return graph.certificate_graph(ctx, actor, department, item, min_weight)


@router.get("/certificates.svg", summary="The certificate co-occurrence graph as SVG",
            response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def certificates_svg(request: Request, department: str | None = DepartmentQ,
                     item: str | None = ItemQ,
                     min_weight: int = Query(0, ge=0, le=graph.MAX_MIN_WEIGHT),
                     lang: Literal["zh", "en"] = "zh") -> Response:
    with acting(request) as (ctx, actor):
        svg = graph.certificate_graph_svg(ctx, actor, department, item, min_weight, lang)
    return Response(svg, media_type="image/svg+xml; charset=utf-8",
                    headers={"cache-control": "no-store"})


@router.get("/demand", response_model=DemandOut,
            summary="Demand per item and month, peaks, slow steps, return causes, journeys")
def demand(request: Request, period: str | None = PeriodQ,
           item: str | None = ItemQ) -> DemandOut:
    with acting(request) as (ctx, actor):
        return reports.demand_report(ctx, actor, period, item)


@router.get("/outcomes", response_model=OutcomesOut,
            summary="Handling days against promised, sharing rate, trips per case, on time")
def outcomes(request: Request, period: str | None = PeriodQ,
             item: str | None = ItemQ) -> OutcomesOut:
    with acting(request) as (ctx, actor):
        return reports.outcomes_report(ctx, actor, period, item)


@router.get("/whatif", response_model=WhatIfOut,
            summary="Replay the recorded cases with one change: savings with 95% intervals")
def what_if(request: Request, kind: Literal["share", "answer"],
            certificate: str | None = Query(None, max_length=200),
            department: str | None = Query(None, min_length=18, max_length=18),
            days: float | None = Query(None, ge=0, le=365)) -> WhatIfOut:
    with acting(request) as (ctx, actor):
        return scenarios.what_if(ctx, actor, WhatIfIn(kind=kind, certificate=certificate,
                                                      department=department, days=days))


@router.get("/whatif/backtest", response_model=BacktestOut,
            summary="The what-if method's error on the recorded history")
def backtest(request: Request) -> BacktestOut:
    with acting(request) as (ctx, actor):
        return scenarios.back_test(ctx, actor)


@router.get("/cases/{code}/risk", response_model=RiskHint,
            summary="Risk hints for approvers: how resembling past cases ended (never a "
                    "decision)")
def case_risk(code: str, request: Request) -> RiskHint:
    with acting(request) as (ctx, actor):
        return risk.risk_hints(ctx, actor, code)
