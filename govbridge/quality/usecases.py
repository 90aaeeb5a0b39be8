"""Use cases of data quality, each `fn(ctx, actor, ...)` checking its permission first: run
the measures, read the history and its chart, the bureau table, failing rows.

The scores and their definitions live in `govbridge.quality.metrics` (pure); the passes
over the stored records that compute them and list the failing rows, without an actor,
in `govbridge.quality.measurement`.

Who may do what: reading scores (history, chart, bureau table) needs
`quality.read`. Running a measurement and listing failing rows (row-level
data, even masked) also needs to be the dataset's provider or the data bureau
(the holder of `catalog.review`).
"""

from __future__ import annotations

from collections.abc import Generator

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset, published_fields
from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.quality import measurement, metrics
from govbridge.quality.charts import Point, history_svg
from govbridge.quality.models import QualityRun
from govbridge.quality.schemas import (
    Dimension,
    FailingRow,
    FailingRows,
    QualityRunOut,
    QualityTableRow,
)
from govbridge.runtime import Ctx

MAX_HISTORY = 500
MAX_FAILING = 1000
# A change of the overall score smaller than this is "flat" in the bureau table.
FLAT = 0.005


# --- access ----------------------------------------------------------------------------------


def _is_bureau(actor: Actor) -> bool:
    return Permission.CATALOG_REVIEW in actor.permissions


def _require_own_or_bureau(actor: Actor, ds: Dataset) -> None:
    require(actor, Permission.QUALITY_READ)
    if actor.organization_id == ds.provider_id or _is_bureau(actor):
        return
    raise PermissionDenied(
        Permission.QUALITY_READ.value,
        "running quality checks and listing failing rows of a dataset is for its provider "
        "and the data bureau",
    )


# --- use cases -------------------------------------------------------------------------------


def _out(run: QualityRun, resource_code: str) -> QualityRunOut:
    return QualityRunOut(
        id=run.id,
        resource_code=resource_code,
        at=run.at,
        records=run.records,
        completeness=run.completeness,
        validity=run.validity,
        uniqueness=run.uniqueness,
        timeliness=run.timeliness,
        consistency=run.consistency,
        overall=run.overall,
        details=run.details,
    )


def run_quality(ctx: Ctx, actor: Actor, resource_code: str) -> QualityRunOut:
    """Measure a published dataset and keep the result in its quality history."""
    ds = find_dataset(ctx, resource_code)
    _require_own_or_bureau(actor, ds)
    run = measurement.measure(ctx, ds)
    ctx.db.add(run)
    ctx.db.flush()
    record(
        ctx,
        actor,
        "quality.run",
        "dataset",
        ds.resource_code,
        {"run": run.id, "overall": round(run.overall, 4)},
    )
    ctx.emit(
        "quality.run.completed",
        {"resource_code": ds.resource_code, "run": run.id, "overall": run.overall},
    )
    return _out(run, ds.resource_code)


def _runs(ctx: Ctx, ds: Dataset, limit: int) -> list[QualityRun]:
    stmt = (
        select(QualityRun)
        .where(QualityRun.dataset_id == ds.id)
        .order_by(QualityRun.at.desc(), QualityRun.id.desc())
        .limit(limit)
    )
    return list(ctx.db.scalars(stmt))


def history(ctx: Ctx, actor: Actor, resource_code: str, limit: int = 50) -> list[QualityRunOut]:
    """The dataset's quality runs, newest first."""
    require(actor, Permission.QUALITY_READ)
    if not 1 <= limit <= MAX_HISTORY:
        raise InvalidInput.one("limit", f"must be between 1 and {MAX_HISTORY}", limit, "range")
    ds = find_dataset(ctx, resource_code)
    return [_out(r, ds.resource_code) for r in _runs(ctx, ds, limit)]


def history_chart_svg(
    ctx: Ctx, actor: Actor, resource_code: str, limit: int = 50, lang: str = "zh"
) -> str:
    """The quality history as an SVG line chart (one line per dimension and overall)."""
    runs = history(ctx, actor, resource_code, limit)
    ds = find_dataset(ctx, resource_code)
    points = [
        Point(r.at, {**{d: getattr(r, d) for d in metrics.DIMENSIONS}, "overall": r.overall})
        for r in reversed(runs)
    ]
    name = ds.name if lang == "zh" or not ds.name_en else ds.name_en
    return history_svg(points, f"{name} ({ds.resource_code})", lang)


def _direction(trend: float | None) -> str | None:
    if trend is None:
        return None
    if abs(trend) < FLAT:
        return "flat"
    return "up" if trend > 0 else "down"


def bureau_table(ctx: Ctx, actor: Actor) -> list[QualityTableRow]:
    """Every published dataset with its latest scores and the change since the run before."""
    require(actor, Permission.QUALITY_READ)
    ranked = select(
        QualityRun,
        func.row_number()
        .over(
            partition_by=QualityRun.dataset_id,
            order_by=(QualityRun.at.desc(), QualityRun.id.desc()),
        )
        .label("rank"),
    ).subquery()
    recent = aliased(QualityRun, ranked)
    latest: dict[int, list[QualityRun]] = {}
    for run in ctx.db.scalars(select(recent).where(ranked.c.rank <= 2).order_by(ranked.c.rank)):
        latest.setdefault(run.dataset_id, []).append(run)
    rows: list[QualityTableRow] = []
    datasets = ctx.db.scalars(
        select(Dataset).where(Dataset.status == "published").order_by(Dataset.resource_code)
    )
    for ds in datasets:
        runs = latest.get(ds.id, [])
        last = runs[0] if runs else None
        before = runs[1] if len(runs) > 1 else None
        trend = None if last is None or before is None else last.overall - before.overall
        rows.append(
            QualityTableRow(
                resource_code=ds.resource_code,
                name=ds.name,
                provider_code=ds.provider.code,
                provider_name=ds.provider.name,
                update_frequency=ds.update_frequency,
                at=last.at if last else None,
                records=last.records if last else None,
                completeness=last.completeness if last else None,
                validity=last.validity if last else None,
                uniqueness=last.uniqueness if last else None,
                timeliness=last.timeliness if last else None,
                consistency=last.consistency if last else None,
                overall=last.overall if last else None,
                previous_overall=before.overall if before else None,
                trend=trend,
                direction=_direction(trend),  # type: ignore[arg-type]
            )
        )
    return rows


def failing_rows(
    ctx: Ctx, actor: Actor, resource_code: str, dimension: Dimension, limit: int = 100
) -> FailingRows:
    """Rows failing one dimension, at most `limit`: masked subjects, sensitive values withheld."""
    ds = find_dataset(ctx, resource_code)
    _require_own_or_bureau(actor, ds)
    if dimension not in metrics.DIMENSIONS:
        raise InvalidInput.one(
            "dimension", f"choose one of {', '.join(metrics.DIMENSIONS)}", dimension, "unknown"
        )
    if not 1 <= limit <= MAX_FAILING:
        raise InvalidInput.one("limit", f"must be between 1 and {MAX_FAILING}", limit, "range")
    fields = published_fields(ds)
    listing: Generator[FailingRow]
    if dimension == "completeness":
        listing = measurement.failing_completeness(ctx, ds, fields)
    elif dimension == "validity":
        listing = measurement.failing_validity(ctx, ds, fields)
    elif dimension == "uniqueness":
        listing = measurement.failing_uniqueness(ctx, ds)
    elif dimension == "timeliness":
        listing = measurement.failing_timeliness(ctx, ds)
    else:
        listing = measurement.failing_consistency(ctx, ds, fields)
    rows: list[FailingRow] = []
    truncated = False
    for row in listing:
        if len(rows) == limit:
            truncated = True
            break
        rows.append(row)
    listing.close()
    return FailingRows(
        resource_code=ds.resource_code, dimension=dimension, rows=rows, truncated=truncated
    )
