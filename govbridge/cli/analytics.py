"""`govbridge analytics ...`: the certificate co-occurrence graph, demand and outcomes of the
cases, what-if replays — aggregates only, as the local operator."""

from __future__ import annotations

from pathlib import Path

import typer

from govbridge.analytics import graph
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
