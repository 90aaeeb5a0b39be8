"""`govbridge analytics ...`: the certificate co-occurrence graph, demand and outcomes of the
cases, what-if replays — aggregates only, as the local operator."""

from __future__ import annotations

from pathlib import Path

import typer

from govbridge.analytics import graph, reports, risk, scenarios
from govbridge.cli.common import JsonOpt, emit, out, use_case

analytics_app = typer.Typer(help="Service analytics (证照共现、需求、成效、模拟).",
                            no_args_is_help=True)


@analytics_app.command("certificates")
def certificates_cmd(
    department: str = typer.Option(None, help="Items led by, or certificates held by, this "
                                   "credit code"),
    item: str = typer.Option(None, help="One service item's code"),
    min_weight: int = typer.Option(0, min=0, help="Edges of at least this many cases"),
    svg_file: Path = typer.Option(None, "--svg", help="Also write the graph as SVG here"),
    as_json: bool = JsonOpt,
) -> None:
    """The certificate co-occurrence graph, ranked by submissions sharing would remove."""
    with use_case() as (ctx, actor):
        result = graph.certificate_graph(ctx, actor, department, item, min_weight)
        svg = (graph.certificate_graph_svg(ctx, actor, department, item, min_weight)
               if svg_file else None)
    if svg_file and svg is not None:
        svg_file.write_text(svg, encoding="utf-8")
    if as_json:
        emit(result, True)
        return
    emit(result.nodes, False, ["rank", "name", "provider", "demand", "saves", "items"],
         title="Certificates by submissions saved")
    if svg_file:
        out.print(f"wrote {svg_file}")


@analytics_app.command("demand")
def demand_cmd(period: str = typer.Option(None, help="YYYY-MM or YYYY"),
               item: str = typer.Option(None, help="One service item's code"),
               as_json: bool = JsonOpt) -> None:
    """Demand per item and month, peaks, slow steps, return causes, journeys."""
    with use_case() as (ctx, actor):
        result = reports.demand_report(ctx, actor, period, item)
    if as_json:
        emit(result, True)
        return
    emit(result.items, False, ["item", "name", "total"], title="Cases per item")
    emit(result.steps[:10], False, ["item", "department_name", "steps", "avg_hours",
                                    "share_of_promised"], title="Slowest steps")


@analytics_app.command("outcomes")
def outcomes_cmd(period: str = typer.Option(None, help="YYYY-MM or YYYY"),
                 item: str = typer.Option(None, help="One service item's code"),
                 as_json: bool = JsonOpt) -> None:
    """Handling days against promised, sharing rate, trips per case, on-time rate."""
    with use_case() as (ctx, actor):
        result = reports.outcomes_report(ctx, actor, period, item)
    if as_json:
        emit(result, True)
        return
    cols = ["key", "name", "cases", "avg_handling_days", "avg_promised_days", "sharing_rate",
            "trips_per_case", "on_time_rate"]
    emit([result.overall, *result.items], False, cols, title="Outcomes")


@analytics_app.command("whatif")
def whatif_cmd(
    share: str = typer.Option(None, "--share", help="Resource code of a certificate: what "
                              "if its provider shared it"),
    department: str = typer.Option(None, "--department", help="Credit code: what if it "
                                   "answered in --days"),
    days: float = typer.Option(None, "--days", min=0, max=365),
    as_json: bool = JsonOpt,
) -> None:
    """Replay the recorded cases with one change (SimPy): trips, uploads and days saved."""
    data = ({"kind": "share", "certificate": share} if share else
            {"kind": "answer", "department": department, "days": days})
    with use_case() as (ctx, actor):
        result = scenarios.what_if(ctx, actor, data)
    emit(result, True) if as_json else emit(
        [{"measure": k, **getattr(result, k).model_dump()}
         for k in ("trips_saved", "uploads_removed", "days_saved")], False,
        ["measure", "total", "low", "high", "per_case"],
        title=f"{result.change}: {result.affected} of {result.cases} cases affected")


@analytics_app.command("backtest")
def backtest_cmd(as_json: bool = JsonOpt) -> None:
    """The what-if method's error on this history (earlier half predicts the later)."""
    with use_case() as (ctx, actor):
        result = scenarios.back_test(ctx, actor)
    emit(result, as_json, title="Back-test of the what-if replay")


@analytics_app.command("risk")
def risk_cmd(case_code: str, as_json: bool = JsonOpt) -> None:
    """Risk hints for a case's approvers: how resembling past cases ended (not a decision)."""
    with use_case() as (ctx, actor):
        result = risk.risk_hints(ctx, actor, case_code)
    emit(result, as_json, ["case", "similar_cases", "returned_rate", "item_returned_rate",
                           "refused_rate", "item_refused_rate", "elevated", "reasons", "note"],
         title=f"Risk hints ({result.basis})")
