"""`govbridge quality ...`: measure datasets, read their history, list failing rows."""

from __future__ import annotations

from pathlib import Path

import typer

from govbridge.cli.common import JsonOpt, emit, fail, out, use_case
from govbridge.quality import usecases
from govbridge.quality.metrics import DIMENSIONS

quality_app = typer.Typer(help="Data quality (数据质量).", no_args_is_help=True)

SCORES = ["completeness", "validity", "uniqueness", "timeliness", "consistency", "overall"]
RUN_COLUMNS = ["at", "records", *SCORES]
TABLE_COLUMNS = ["resource_code", "name", "provider_name", "at", *SCORES, "trend"]
FAILING_COLUMNS = {
    "completeness": ["subject", "record_key", "reason"],
    "validity": ["batch_id", "row_number", "subject", "reason", "value"],
    "uniqueness": ["subject", "count", "reason"],
    "timeliness": ["reason"],
    "consistency": ["subject", "fields", "other_department", "other_field", "value", "other_value"],
}


def _dimension(value: str) -> str:
    if value not in DIMENSIONS:
        raise fail(f"--dimension: choose one of {', '.join(DIMENSIONS)} (value {value!r})", 2)
    return value


def _rounded(row: dict) -> dict:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}


@quality_app.command("run")
def run_cmd(resource_code: str, as_json: bool = JsonOpt) -> None:
    """Measure a dataset now and keep the scores in its history."""
    with use_case() as (ctx, actor):
        result = usecases.run_quality(ctx, actor, resource_code)
    if as_json:
        emit(result, True)
        return
    emit(
        _rounded(result.model_dump(exclude={"details"})),
        False,
        RUN_COLUMNS,
        title=f"Quality of {resource_code}",
    )


@quality_app.command("show")
def show_cmd(
    resource_code: str,
    limit: int = typer.Option(20, min=1, max=usecases.MAX_HISTORY, help="Runs to show"),
    as_json: bool = JsonOpt,
) -> None:
    """The quality history of a dataset, newest first."""
    with use_case() as (ctx, actor):
        runs = usecases.history(ctx, actor, resource_code, limit)
    if as_json:
        emit(runs, True)
        return
    emit(
        [_rounded(r.model_dump(exclude={"details"})) for r in runs],
        False,
        RUN_COLUMNS,
        title=f"Quality history of {resource_code}",
    )


@quality_app.command("table")
def table_cmd(as_json: bool = JsonOpt) -> None:
    """Every published dataset with its latest scores and the change since the run before."""
    with use_case() as (ctx, actor):
        rows = usecases.bureau_table(ctx, actor)
    if as_json:
        emit(rows, True)
        return
    emit(
        [_rounded(r.model_dump()) for r in rows],
        False,
        TABLE_COLUMNS,
        title="Data quality across departments",
    )


@quality_app.command("failing")
def failing_cmd(
    resource_code: str,
    dimension: str = typer.Option(..., help=" | ".join(DIMENSIONS)),
    limit: int = typer.Option(100, min=1, max=usecases.MAX_FAILING),
    as_json: bool = JsonOpt,
) -> None:
    """Rows failing one dimension; subjects masked, sensitive values withheld."""
    dim = _dimension(dimension)
    with use_case() as (ctx, actor):
        result = usecases.failing_rows(ctx, actor, resource_code, dim, limit)  # type: ignore[arg-type]
    if as_json:
        emit(result, True)
        return
    more = " (more not shown)" if result.truncated else ""
    emit(
        result.rows,
        False,
        FAILING_COLUMNS[dim],
        title=f"{len(result.rows)} rows of {resource_code} failing {dim}{more}",
    )


@quality_app.command("chart")
def chart_cmd(
    resource_code: str,
    out_file: Path = typer.Argument(..., help="SVG file to write"),
    lang: str = typer.Option("zh", help="zh | en"),
) -> None:
    """Write the quality history as an SVG line chart."""
    with use_case() as (ctx, actor):
        svg = usecases.history_chart_svg(ctx, actor, resource_code, lang=lang)
    out_file.write_text(svg, encoding="utf-8")
    out.print(f"wrote {out_file}")
