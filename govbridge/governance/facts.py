"""The figures behind the scorecards, read from the records govbridge already holds
("无感评估": nobody fills in a form), for every department at once and one period.

One grouped query (or one plain scan) per dimension, whatever the number of departments:
the 25 demo departments' cards for a month cost 10 statements. Every figure is a whole
count (seconds for durations, permille for quality scores), so an auditor recomputing
them with plain queries gets exactly the same numbers; `governance.scoring` turns them
into values and credits.

What each figure counts, per department (the organization credited):
- catalog: its datasets registered before the period's end, those published and their
  sharing type (provider);
- agreements: requests to it whose answer was due in the period, answered by the due day
  (China Standard Time); requests answered in the period and the seconds they took;
- quality: the latest run before the period's end of each published dataset, overall in
  permille; freshness: the newest accepted batch before the period's end within one
  window of the declared frequency (`quality.metrics.FREQUENCY_WINDOWS`);
- cases (the accepting department): completed in the period, before their promised day
  ends (midnight China Standard Time, `due_end`: compared in SQL and grouped there, so a
  million cases are never fetched one by one);
  materials of cases accepted in the period fetched by sharing (`exchange:` source) or
  uploaded; completed cases of items with an outcome certificate, and those that have one;
- flags (the consuming department): raised in the period, reviewed within
  `FLAG_REVIEW_DAYS`;
- exchange availability: not recorded by the hub (no uptime, 503 or latency series), so
  that dimension says so and scores nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal_column, select

from govbridge.agreements.models import Agreement
from govbridge.cases.models import Case, CaseMaterial
from govbridge.catalog.models import Dataset
from govbridge.certificates.models import Certificate
from govbridge.exchange.models import AccessFlag
from govbridge.governance.periods import Period, local_day
from govbridge.ingest.models import IngestBatch
from govbridge.quality.metrics import FREQUENCY_WINDOWS
from govbridge.quality.models import QualityRun
from govbridge.runtime import Ctx
from govbridge.services.models import ServiceItem

FLAG_REVIEW_DAYS = 3
STREAM = 5000  # rows fetched at a time by the passes over many rows (cases)
SHARED_PREFIX = "exchange:"
SHAREABLE = ("unconditional", "conditional")

Figures = dict[int, dict[str, dict[str, int]]]  # organization id -> dimension -> figures


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _add(out: Figures, org: int, dim: str, key: str, n: int = 1) -> None:
    out[org][dim][key] = out[org][dim].get(key, 0) + n


def _catalog(ctx: Ctx, p: Period, out: Figures) -> None:
    rows = ctx.db.execute(select(Dataset.provider_id, Dataset.status, Dataset.published_at,
                                 Dataset.share_type).where(Dataset.created_at < p.end))
    for org, status, published_at, share_type in rows:
        _add(out, org, "catalog_coverage", "registered")
        if status == "published" and published_at is not None and _utc(published_at) < p.end:
            _add(out, org, "catalog_coverage", "published")
            _add(out, org, "shareable", "published")
            if share_type in SHAREABLE:
                _add(out, org, "shareable", "shareable")


def _agreements(ctx: Ctx, p: Period, out: Figures) -> None:
    due = ctx.db.execute(
        select(Dataset.provider_id, Agreement.answer_due, Agreement.decided_at)
        .join(Dataset, Dataset.id == Agreement.dataset_id)
        .where(Agreement.answer_due >= p.first_day, Agreement.answer_due <= p.last_day))
    for org, answer_due, decided_at in due:
        _add(out, org, "agreement_on_time", "due")
        if decided_at is not None and local_day(decided_at) <= answer_due:
            _add(out, org, "agreement_on_time", "on_time")
    answered = ctx.db.execute(
        select(Dataset.provider_id, Agreement.created_at, Agreement.decided_at)
        .join(Dataset, Dataset.id == Agreement.dataset_id)
        .where(Agreement.answer_due.is_not(None), Agreement.decided_at >= p.start,
               Agreement.decided_at < p.end))
    for org, created_at, decided_at in answered:
        _add(out, org, "agreement_answer_days", "answered")
        seconds = int((_utc(decided_at) - _utc(created_at)).total_seconds())
        _add(out, org, "agreement_answer_days", "answer_seconds", max(0, seconds))


def _quality(ctx: Ctx, p: Period, out: Figures) -> None:
    latest = (select(QualityRun.dataset_id, func.max(QualityRun.id).label("run_id"))
              .where(QualityRun.at < p.end).group_by(QualityRun.dataset_id).subquery())
    rows = ctx.db.execute(
        select(Dataset.provider_id, QualityRun.overall)
        .join(latest, latest.c.dataset_id == Dataset.id)
        .join(QualityRun, QualityRun.id == latest.c.run_id)
        .where(Dataset.status == "published").order_by(QualityRun.id))
    for org, overall in rows:
        _add(out, org, "quality", "measured")
        _add(out, org, "quality", "overall_permille_sum", round(overall * 1000))


def _freshness(ctx: Ctx, p: Period, out: Figures) -> None:
    newest = (select(IngestBatch.dataset_id, func.max(IngestBatch.created_at).label("at"))
              .where(IngestBatch.accepted > 0, IngestBatch.created_at < p.end)
              .group_by(IngestBatch.dataset_id).subquery())
    rows = ctx.db.execute(
        select(Dataset.provider_id, Dataset.update_frequency, newest.c.at)
        .outerjoin(newest, newest.c.dataset_id == Dataset.id)
        .where(Dataset.status == "published", Dataset.published_at < p.end))
    ref = min(p.end, ctx.now())
    for org, frequency, at in rows:
        window = FREQUENCY_WINDOWS.get(frequency)
        if window is None:
            continue
        _add(out, org, "freshness", "declared")
        if at is not None and ref - _utc(at) <= window:
            _add(out, org, "freshness", "fresh")


def due_end(dialect: str) -> ColumnElement[Any]:
    """The instant a case's promised day ends: its next midnight in China Standard Time,
    i.e. `promised_due` 16:00 UTC, as each backend writes it (a case completed before it
    is on time, as `cases.figures.on_time` counts)."""
    if dialect == "postgresql":
        return func.timezone("UTC", Case.promised_due + literal_column("interval '16 hours'"))
    return func.datetime(Case.promised_due, "+16 hours")  # SQLite: 'YYYY-MM-DD 16:00:00'


def _cases(ctx: Ctx, p: Period, out: Figures) -> None:
    with_outcome = set(ctx.db.scalars(select(ServiceItem.code).where(
        ServiceItem.outcome.is_not(None))))
    certified = (select(Certificate.case_code).where(Certificate.case_code.is_not(None))
                 .distinct().subquery())
    has_cert = certified.c.case_code.is_not(None)
    on_time = case((and_(Case.promised_due.is_not(None),
                         Case.completed_at < due_end(ctx.db.get_bind().dialect.name)), 1),
                   else_=0)
    done = ctx.db.execute(
        select(Case.accepting_org_id, Case.item_code, has_cert, func.count(Case.id),
               func.sum(on_time))
        .outerjoin(certified, certified.c.case_code == Case.code)
        .where(Case.state == "completed", Case.accepting_org_id.is_not(None),
               Case.completed_at >= p.start, Case.completed_at < p.end)
        .group_by(Case.accepting_org_id, Case.item_code, has_cert))
    for org, item, issued, n, n_on_time in done:
        _add(out, org, "cases_on_time", "completed", int(n))
        _add(out, org, "cases_on_time", "on_time", int(n_on_time or 0))
        if item in with_outcome:
            _add(out, org, "certificates_electronic", "with_outcome", int(n))
            if issued:
                _add(out, org, "certificates_electronic", "issued", int(n))
    shared = func.sum(func.cast(and_(CaseMaterial.status == "fetched",
                                     CaseMaterial.source.like(SHARED_PREFIX + "%")),
                                Integer()))
    rows = ctx.db.execute(
        select(Case.accepting_org_id, func.count(CaseMaterial.id), shared)
        .join(Case, Case.id == CaseMaterial.case_id)
        .where(Case.accepting_org_id.is_not(None), Case.accepted_at >= p.start,
               Case.accepted_at < p.end, CaseMaterial.status.in_(("fetched", "uploaded")))
        .group_by(Case.accepting_org_id))
    for org, obtained, n_shared in rows:
        _add(out, org, "materials_by_sharing", "obtained", int(obtained))
        _add(out, org, "materials_by_sharing", "shared", int(n_shared or 0))


def _flags(ctx: Ctx, p: Period, out: Figures) -> None:
    limit = timedelta(days=FLAG_REVIEW_DAYS)
    rows = ctx.db.execute(select(AccessFlag.consumer_org_id, AccessFlag.created_at,
                                 AccessFlag.reviewed_at)
                          .where(AccessFlag.created_at >= p.start, AccessFlag.created_at < p.end))
    for org, created_at, reviewed_at in rows:
        _add(out, org, "flag_reviews", "flags")
        if reviewed_at is not None and _utc(reviewed_at) - _utc(created_at) <= limit:
            _add(out, org, "flag_reviews", "reviewed_in_time")


def department_figures(ctx: Ctx, p: Period) -> Figures:
    """Every department's figures for the period (departments without any are absent)."""
    out: Figures = defaultdict(lambda: defaultdict(dict))
    _catalog(ctx, p, out)
    _agreements(ctx, p, out)
    _quality(ctx, p, out)
    _freshness(ctx, p, out)
    _cases(ctx, p, out)
    _flags(ctx, p, out)
    return out
