"""Governance pages: the scorecard dashboard (ranking, trend chart, CSV, printable page),
one department's drill-down, and the points balances.

The use cases decide who sees what: the bureau and auditors every department, a
department's officer its own card and balance only (the dashboard sends them straight to
their card), everyone else a 403 page. Charts are SVG drawn on the server
(`governance.charts`); nothing here computes a score.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from govbridge.api.deps import runtime
from govbridge.governance import points, scorecards, scoring
from govbridge.runtime import Ctx
from govbridge.web import governance_labels, session
from govbridge.web.frame import Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
FormList = Annotated[list[str] | None, Form()]


def _chart_lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


@router.get("/governance/scorecards")
@web_page
def dashboard(request: Request, period: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        cards = scorecards.scorecards(ctx, viewer.actor, period or None)
        if not scorecards.sees_all(viewer.actor):
            own = cards[0].department if cards else ""
            suffix = f"?period={cards[0].period}" if cards else ""
            return RedirectResponse(f"/governance/scorecards/{own}{suffix}", status_code=303)
        trend = scorecards.trend_chart_svg(ctx, viewer.actor, lang=_chart_lang(lang))
    return render(request, "governance/dashboard.html", lang, viewer=viewer, cards=cards,
                  period=cards[0].period if cards else period,
                  ranking=scorecards.ranking_svg(cards, _chart_lang(lang)), trend=trend,
                  dimensions=list(scoring.DIMENSIONS), glabels=governance_labels)


@router.get("/governance/scorecards.csv")
@web_page
def dashboard_csv(request: Request, period: str = "") -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        cards = scorecards.scorecards(ctx, viewer.actor, period or None)
    name = f"scorecards-{cards[0].period if cards else 'none'}.csv"
    return Response(scorecards.csv_text(cards), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/governance/scorecards/print")
@web_page
def printable(request: Request, period: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        cards = scorecards.scorecards(ctx, viewer.actor, period or None)
    return render(request, "governance/print.html", lang, viewer=viewer, cards=cards,
                  period=cards[0].period if cards else period, glabels=governance_labels)


@router.get("/governance/scorecards/{department}")
@web_page
def drill_down(request: Request, department: str, period: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        card = scorecards.scorecard(ctx, viewer.actor, department, period or None)
        trend = scorecards.trend_chart_svg(ctx, viewer.actor, lang=_chart_lang(lang),
                                           department=card.department)
        can_all = scorecards.sees_all(viewer.actor)
    return render(request, "governance/card.html", lang, viewer=viewer, card=card,
                  trend=trend, can_all=can_all, glabels=governance_labels)


@router.get("/governance/points")
@web_page
def points_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        result = points.balances(ctx, viewer.actor)
        rates = points.rates_setting(ctx, viewer.actor)
        moves = (points.movements(ctx, viewer.actor, result.accounts[0].department, 50)
                 if len(result.accounts) == 1 else [])
    return render(request, "governance/points.html", lang, viewer=viewer, result=result,
                  rates=rates, moves=moves, glabels=governance_labels)


@router.get("/governance/scoring")
@web_page
def scoring_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        versions = scorecards.scoring_models(ctx, viewer.actor)
    return render(request, "governance/scoring.html", lang, viewer=viewer, versions=versions,
                  current=versions[-1], dimensions=list(scoring.DIMENSIONS),
                  can_manage=scorecards.can_manage(viewer.actor), glabels=governance_labels)


@router.post("/governance/scoring")
@web_page
def scoring_save(request: Request, dimension: FormList = None, weight: FormList = None,
                 full: FormList = None, zero: FormList = None, note: FormStr = "",
                 csrf_token: FormStr = "") -> Response:
    names, weights = dimension or [], weight or []
    fulls, zeros = full or [], zero or []

    def save(ctx: Ctx, viewer: Viewer) -> str:
        rules = {n: {"weight": w, "full": f, "zero": z}
                 for n, w, f, z in zip(names, weights, fulls, zeros, strict=False)
                 if str(w).strip() not in ("", "0")}
        scorecards.save_scoring_model(ctx, viewer.actor,
                                      {"dimensions": rules, "note": note or None})
        return "/governance/scoring"

    return submit(request, save, csrf_token=csrf_token, done=redirect)
