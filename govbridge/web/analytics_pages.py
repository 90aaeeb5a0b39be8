"""Service analytics page: the headline outcomes and their trend, the certificate
co-occurrence graph with its filters, demand over time and its peaks, the slow steps,
return causes and applicant journeys — all aggregates, all charts SVG drawn on the server.

The use cases decide who may look (`analytics.read`) and what is shown (minimum group
sizes); the page only lays the reports out.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from govbridge.analytics import graph, reports, scenarios
from govbridge.api.deps import runtime
from govbridge.web import session
from govbridge.web.frame import viewer_of, web_page
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/analytics")
@web_page
def analytics_page(request: Request, period: str = "", item: str = "", department: str = "",
                   min_weight: int = 0) -> Response:
    lang = session.language(request)
    chart_lang = "en" if lang == "en" else "zh"
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        outcomes = reports.outcomes_report(ctx, viewer.actor, period or None, item or None)
        demand = reports.demand_report(ctx, viewer.actor, period or None, item or None)
        certificates = graph.certificate_graph(ctx, viewer.actor, department or None,
                                               item or None, min_weight)
        graph_svg = graph.certificate_graph_svg(ctx, viewer.actor, department or None,
                                                item or None, min_weight, chart_lang)
    return render(request, "analytics/index.html", lang, viewer=viewer, outcomes=outcomes,
                  demand=demand, certificates=certificates, graph_svg=graph_svg,
                  charts=reports.charts_of(demand, outcomes, chart_lang),
                  filters={"period": period, "item": item, "department": department,
                           "min_weight": min_weight})


@router.get("/analytics/whatif")
@web_page
def whatif_page(request: Request, kind: str = "", certificate: str = "", department: str = "",
                days: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        certificates = graph.certificate_graph(ctx, viewer.actor)
        departments = sorted({(s.department, s.department_name or s.department) for s in
                              reports.demand_report(ctx, viewer.actor).steps},
                             key=lambda d: d[1])
        result = backtest = None
        if kind:
            result = scenarios.what_if(ctx, viewer.actor, {
                "kind": kind, "certificate": certificate or None,
                "department": department or None, "days": days or None})
            backtest = scenarios.back_test(ctx, viewer.actor)
    return render(request, "analytics/whatif.html", lang, viewer=viewer,
                  certificates=certificates.nodes, departments=departments, result=result,
                  backtest=backtest, form={"kind": kind, "certificate": certificate,
                                           "department": department, "days": days})
