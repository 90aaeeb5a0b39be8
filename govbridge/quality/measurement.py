"""The passes of data quality over the stored records, without an actor: `measure` (every
dimension's score of a published dataset now, not stored) and the rows failing each
dimension (`failing_completeness` … `failing_consistency`, subjects masked, values shown
only as their grade and the consumer's agreements allow).

The scores and their definitions live in `govbridge.quality.metrics` (pure); this module
streams the records out of the database into those tallies. Every pass reads the current
records (the latest stored version of each record key: the highest row id per key, i.e.
the most recently stored) in chunks (``yield_per``, `CHUNK` rows), so memory does not grow
with the dataset; duplicates are counted by the database (GROUP BY), and cross-department
comparisons are a join on the subject ordered by subject, grouped one subject at a time.
The use cases (`usecases.py`) check who may ask before they call these.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import published_fields
from govbridge.core import masking
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.quality import metrics
from govbridge.quality.models import QualityRun
from govbridge.quality.schemas import FailingRow
from govbridge.runtime import Ctx

CHUNK = 2000
# A cross-department value a listing may not show.
NOT_SHARED = "(withheld: no agreement)"


# --- reading records -------------------------------------------------------------------------


def _current_ids(dataset_id: int) -> Select[tuple[int]]:
    """Ids of the current records: the latest stored version of each record key."""
    return (
        select(func.max(DatasetRecord.id))
        .where(DatasetRecord.dataset_id == dataset_id)
        .group_by(DatasetRecord.record_key)
    )


def _stream(ctx: Ctx, stmt: Select[Any]) -> Iterator[Any]:
    """Rows of `stmt` fetched a chunk at a time (a server-side cursor on PostgreSQL)."""
    result = ctx.db.execute(stmt.execution_options(yield_per=CHUNK))
    try:
        yield from result
    finally:
        result.close()


def _current_records(ctx: Ctx, ds: Dataset) -> Iterator[Any]:
    stmt = (
        select(DatasetRecord.record_key, DatasetRecord.subject_id, DatasetRecord.data)
        .where(DatasetRecord.id.in_(_current_ids(ds.id)))
        .order_by(DatasetRecord.id)
    )
    return _stream(ctx, stmt)


def _field_rules(fields: Sequence[Mapping[str, Any]]) -> list[metrics.FieldRule]:
    return [metrics.FieldRule(f["name"], bool(f.get("required"))) for f in fields]


def _grades(fields: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {f["name"]: f.get("grade") or "" for f in fields}


def _subject_unique(ds: Dataset) -> bool:
    return ds.subject_field is not None and ds.key_field == ds.subject_field


# --- the dimensions --------------------------------------------------------------------------


def _completeness(
    ctx: Ctx, ds: Dataset, fields: Sequence[Mapping[str, Any]]
) -> metrics.Completeness:
    tally = metrics.Completeness(_field_rules(fields))
    for row in _current_records(ctx, ds):
        tally.add(row.data or {})
    return tally


@dataclass
class _Validity:
    accepted: int
    rejected: int
    resolved: int
    open: int
    batches: int

    def score(self) -> float:
        return metrics.validity(self.accepted, self.rejected, self.resolved)


def _validity(ctx: Ctx, ds: Dataset) -> _Validity:
    # Batches of source "fix" hold rows resubmitted from the quarantine: those rows were
    # counted as rejected by their first batch and count as valid once resolved, so their
    # fix batch is left out (else a fixed row would count twice).
    batches, accepted, rejected = ctx.db.execute(
        select(
            func.count(IngestBatch.id),
            func.coalesce(func.sum(IngestBatch.accepted), 0),
            func.coalesce(func.sum(IngestBatch.rejected), 0),
        ).where(IngestBatch.dataset_id == ds.id, IngestBatch.source != "fix")
    ).one()
    counts = dict(
        ctx.db.execute(
            select(QuarantinedRow.status, func.count())
            .where(QuarantinedRow.dataset_id == ds.id)
            .group_by(QuarantinedRow.status)
        ).all()
    )
    # Rows quarantined outside any batch (none is counted in a batch report).
    loose = ctx.db.scalar(
        select(func.count()).where(
            QuarantinedRow.dataset_id == ds.id, QuarantinedRow.batch_id.is_(None)
        )
    )
    return _Validity(
        accepted=int(accepted),
        rejected=int(rejected) + int(loose or 0),
        resolved=int(counts.get("resolved", 0)),
        open=int(counts.get("open", 0)),
        batches=int(batches),
    )


def _duplicate_groups(ctx: Ctx, ds: Dataset) -> Select[Any]:
    return (
        select(DatasetRecord.subject_id, func.count().label("n"))
        .where(
            DatasetRecord.id.in_(_current_ids(ds.id)),
            DatasetRecord.subject_id.is_not(None),
        )
        .group_by(DatasetRecord.subject_id)
        .having(func.count() > 1)
    )


def _uniqueness(ctx: Ctx, ds: Dataset, records: int) -> tuple[float, dict[str, Any]]:
    if not _subject_unique(ds):
        # Current records are one per record key by construction.
        return metrics.uniqueness(records, 0), {
            "basis": "record_key",
            "records": records,
            "duplicated": 0,
            "surplus": 0,
        }
    sizes = [int(n) for _, n in _stream(ctx, _duplicate_groups(ctx, ds))]
    surplus = metrics.duplicate_surplus(sizes)
    return metrics.uniqueness(records, surplus), {
        "basis": "subject",
        "records": records,
        "duplicated": len(sizes),
        "surplus": surplus,
    }


def _newest_data(ctx: Ctx, ds: Dataset) -> datetime | None:
    newest = ctx.db.scalar(
        select(func.max(IngestBatch.created_at)).where(
            IngestBatch.dataset_id == ds.id, IngestBatch.accepted > 0
        )
    )
    if newest is None:
        # Records stored outside any batch still tell when data last arrived.
        newest = ctx.db.scalar(
            select(func.max(DatasetRecord.created_at)).where(DatasetRecord.dataset_id == ds.id)
        )
    if newest is not None and newest.tzinfo is None:  # in case a backend drops the zone
        newest = newest.replace(tzinfo=UTC)
    return newest


def _timeliness(ctx: Ctx, ds: Dataset, now: datetime) -> tuple[float, dict[str, Any]]:
    newest = _newest_data(ctx, ds)
    window = metrics.frequency_window(ds.update_frequency)
    score = metrics.timeliness(ds.update_frequency, newest, now)
    return score, {
        "frequency": ds.update_frequency,
        "window_hours": None if window is None else window.total_seconds() / 3600,
        "newest_data_at": None if newest is None else newest.isoformat(),
        "age_hours": None if newest is None else round((now - newest).total_seconds() / 3600, 3),
    }


@dataclass
class _Pair:
    """Our field and another provider's field bound to the same data element."""

    other: Dataset
    ours: Mapping[str, Any]
    theirs: Mapping[str, Any]
    tally: metrics.Agreement

    @property
    def grade(self) -> str | None:
        return metrics.stricter_grade(self.ours.get("grade"), self.theirs.get("grade"))

    def describe(self) -> dict[str, Any]:
        return {
            "field": self.ours["name"],
            "element": self.ours.get("element"),
            "other_dataset": self.other.resource_code,
            "other_department": self.other.provider.name,
            "other_field": self.theirs["name"],
            "comparisons": self.tally.comparisons,
            "agreements": self.tally.agreements,
        }


def _counterparts(ctx: Ctx, ds: Dataset, fields: Sequence[Mapping[str, Any]]) -> list[list[_Pair]]:
    """Per other provider's published dataset about the same kind of subject: field pairs."""
    if ds.subject_type == "none" or not ds.subject_field:
        return []
    others = ctx.db.scalars(
        select(Dataset)
        .where(
            Dataset.status == "published",
            Dataset.published_version.is_not(None),
            Dataset.subject_type == ds.subject_type,
            Dataset.provider_id != ds.provider_id,
            Dataset.id != ds.id,
        )
        .order_by(Dataset.resource_code)
    )
    found: list[list[_Pair]] = []
    for other in others:
        pairs = metrics.matching_fields(
            fields, ds.subject_field, published_fields(other), other.subject_field
        )
        if pairs:
            found.append([_Pair(other, a, b, metrics.Agreement()) for a, b in pairs])
    return found


def _subject_groups(
    ctx: Ctx, ds: Dataset, other: Dataset
) -> Iterator[tuple[str, list[Mapping[str, Any]], list[Mapping[str, Any]]]]:
    """(subject, our records' data, their records' data) for subjects in both, by subject."""
    a, b = aliased(DatasetRecord), aliased(DatasetRecord)
    stmt = (
        select(a.subject_id, a.id, a.data, b.id, b.data)
        .join(b, and_(b.subject_id == a.subject_id, b.dataset_id == other.id))
        .where(
            a.dataset_id == ds.id,
            a.subject_id.is_not(None),
            a.id.in_(_current_ids(ds.id)),
            b.id.in_(_current_ids(other.id)),
        )
        .order_by(a.subject_id, a.id, b.id)
    )
    subject: str | None = None
    ours: dict[int, Mapping[str, Any]] = {}
    theirs: dict[int, Mapping[str, Any]] = {}
    for sid, a_id, a_data, b_id, b_data in _stream(ctx, stmt):
        if sid != subject:
            if subject is not None:
                yield subject, list(ours.values()), list(theirs.values())
            subject, ours, theirs = sid, {}, {}
        ours[a_id] = a_data or {}
        theirs[b_id] = b_data or {}
    if subject is not None:
        yield subject, list(ours.values()), list(theirs.values())


def _values(records: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    return [r.get(name) for r in records]


def _compare_pairs(
    pairs: Sequence[_Pair], ours: Sequence[Mapping[str, Any]], theirs: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[_Pair, bool | None]]:
    for pair in pairs:
        agreed = metrics.compare(
            _values(ours, pair.ours["name"]),
            _values(theirs, pair.theirs["name"]),
            pair.ours.get("data_type"),
        )
        yield pair, agreed


def _consistency(
    ctx: Ctx, ds: Dataset, fields: Sequence[Mapping[str, Any]]
) -> tuple[float | None, dict[str, Any]]:
    total = metrics.Agreement()
    described: list[dict[str, Any]] = []
    for pairs in _counterparts(ctx, ds, fields):
        for _, ours, theirs in _subject_groups(ctx, ds, pairs[0].other):
            for pair, agreed in _compare_pairs(pairs, ours, theirs):
                pair.tally.add(agreed)
        for pair in pairs:
            total.merge(pair.tally)
            described.append(pair.describe())
    return total.score(), {
        "comparisons": total.comparisons,
        "agreements": total.agreements,
        "pairs": described,
    }


def measure(ctx: Ctx, ds: Dataset) -> QualityRun:
    """Measure every dimension of a published dataset now (no permission check, not stored)."""
    started = time.perf_counter()
    fields = published_fields(ds)
    now = ctx.now()
    complete = _completeness(ctx, ds, fields)
    valid = _validity(ctx, ds)
    unique, unique_details = _uniqueness(ctx, ds, complete.records)
    timely, timely_details = _timeliness(ctx, ds, now)
    consistent, consistent_details = _consistency(ctx, ds, fields)
    scores: dict[str, float | None] = {
        "completeness": complete.score(),
        "validity": valid.score(),
        "uniqueness": unique,
        "timeliness": timely,
        "consistency": consistent,
    }
    details = {
        "dataset_version": ds.published_version,
        "completeness": complete.details(),
        "validity": {
            "accepted": valid.accepted,
            "rejected": valid.rejected,
            "resolved": valid.resolved,
            "open_quarantined": valid.open,
            "batches": valid.batches,
        },
        "uniqueness": unique_details,
        "timeliness": timely_details,
        "consistency": consistent_details,
        "weights": dict(metrics.WEIGHTS),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return QualityRun(
        dataset_id=ds.id,
        at=now,
        records=complete.records,
        completeness=scores["completeness"],
        validity=scores["validity"],
        uniqueness=scores["uniqueness"],
        timeliness=scores["timeliness"],
        consistency=scores["consistency"],
        overall=metrics.overall(scores),
        details=details,
    )


# --- failing rows ----------------------------------------------------------------------------


def failing_completeness(
    ctx: Ctx, ds: Dataset, fields: Sequence[Mapping[str, Any]]
) -> Generator[FailingRow]:
    """Current records missing a required field (subject masked)."""
    rules = _field_rules(fields)
    for row in _current_records(ctx, ds):
        missing = metrics.missing_fields(row.data or {}, rules)
        if missing:
            yield FailingRow(
                subject=metrics.mask_subject(row.subject_id, ds.subject_type),
                record_key=metrics.shown_value(row.record_key, None),
                fields=missing,
                reason="missing: " + ", ".join(missing),
            )


def failing_validity(
    ctx: Ctx, ds: Dataset, fields: Sequence[Mapping[str, Any]]
) -> Generator[FailingRow]:
    """Open quarantined rows with the rules they broke (values shown by grade)."""
    grades = _grades(fields)
    # A column that is no field of the dataset (a misspelt one) has no grade of its own:
    # it may hold anything, so it gets the dataset's strictest grade.
    unknown_grade = metrics.stricter_grade(*grades.values())
    stmt = (
        select(QuarantinedRow)
        .where(QuarantinedRow.dataset_id == ds.id, QuarantinedRow.status == "open")
        .order_by(QuarantinedRow.id)
    )
    for q in ctx.db.scalars(stmt.execution_options(yield_per=CHUNK)):
        raw = q.raw or {}
        problems = [p for p in (q.problems or []) if isinstance(p, Mapping)]
        names = [str(p.get("field", "")) for p in problems]
        subject = raw.get(ds.subject_field) if ds.subject_field else None
        values: list[str] = []
        reasons: list[str] = []
        for n, p in zip(names, problems, strict=True):
            grade = grades.get(n, unknown_grade)
            value = p.get("value", raw.get(n))
            values.append(f"{n}={metrics.shown_value(value, grade)}")
            # The pipeline stores the broken rule under "rule" (RowProblem).
            reason = f"{n}: {p.get('reason', '')} ({p.get('rule') or 'invalid'})"
            if grade in metrics.WITHHELD_GRADES:  # a reason may quote the value itself
                reason = metrics.redact(reason, (value, raw.get(n)), f"(withheld: {grade})")
            reasons.append(reason)
        yield FailingRow(
            subject=metrics.mask_subject(
                None if subject is None else str(subject), ds.subject_type
            ),
            fields=names,
            reason=metrics.scrub("; ".join(reasons)),
            value="; ".join(values) or None,
            row_number=q.row_number,
            batch_id=q.batch_id,
        )


def failing_uniqueness(ctx: Ctx, ds: Dataset) -> Generator[FailingRow]:
    """Subjects with more than one current record, most first."""
    if not _subject_unique(ds):
        return
    stmt = _duplicate_groups(ctx, ds).order_by(func.count().desc(), DatasetRecord.subject_id)
    for subject, n in _stream(ctx, stmt):
        yield FailingRow(
            subject=metrics.mask_subject(subject, ds.subject_type),
            fields=[ds.subject_field or ""],
            reason=f"{n} current records share this subject",
            count=int(n),
        )


def failing_timeliness(ctx: Ctx, ds: Dataset) -> Generator[FailingRow]:
    """Why the newest data is late for the declared frequency, if it is."""
    score, d = _timeliness(ctx, ds, ctx.now())
    if score >= 1.0:
        return
    if d["newest_data_at"] is None:
        reason = "no data has arrived yet"
    else:
        window = d["window_hours"]
        reason = (
            f"newest data arrived {d['age_hours'] / 24:.1f} days ago "
            f"({d['newest_data_at']}); declared {ds.update_frequency} window is "
            f"{window / 24:.2f} days"
        )
    yield FailingRow(reason=reason)


def _raw_grants(ctx: Ctx, consumer_org_id: int, dataset_id: int) -> set[str]:
    """The fields of another department's dataset a consumer's agreements in force today
    return unmasked (any purpose): only those of its values a listing may show."""
    from govbridge.agreements import policy
    from govbridge.agreements.lookup import today
    from govbridge.agreements.models import Agreement

    day = today(ctx)
    shown: set[str] = set()
    for state, valid_from, valid_until, grants in ctx.db.execute(
            select(Agreement.state, Agreement.valid_from, Agreement.valid_until,
                   Agreement.grants)
            .where(Agreement.consumer_org_id == consumer_org_id,
                   Agreement.dataset_id == dataset_id)):
        if policy.in_force(state, valid_from, valid_until, day):
            shown |= {f for f, g in (grants or {}).items() if g == masking.RAW}
    return shown


def failing_consistency(
    ctx: Ctx, ds: Dataset, fields: Sequence[Mapping[str, Any]]
) -> Generator[FailingRow]:
    """Disagreements with other departments' datasets. Their values are theirs: a listing
    shows one only where an agreement of ours in force returns that field unmasked (and
    the grade allows); otherwise it says only that the values differ."""
    shared: dict[int, set[str]] = {}
    for pairs in _counterparts(ctx, ds, fields):
        for subject, ours, theirs in _subject_groups(ctx, ds, pairs[0].other):
            for pair, agreed in _compare_pairs(pairs, ours, theirs):
                if agreed is not False:
                    continue
                grade = pair.grade
                mine = sorted(
                    {str(v) for v in _values(ours, pair.ours["name"]) if metrics.is_filled(v)}
                )
                other = sorted(
                    {str(v) for v in _values(theirs, pair.theirs["name"]) if metrics.is_filled(v)}
                )
                if pair.other.id not in shared:
                    shared[pair.other.id] = _raw_grants(ctx, ds.provider_id, pair.other.id)
                theirs_shown = (" | ".join(filter(None, (metrics.shown_value(v, grade)
                                                         for v in other))) or None
                                if pair.theirs["name"] in shared[pair.other.id] else NOT_SHARED)
                yield FailingRow(
                    subject=metrics.mask_subject(subject, ds.subject_type),
                    fields=[pair.ours["name"]],
                    reason=f"{pair.ours['name']} differs from {pair.other.provider.name}'s "
                    f"{pair.theirs['name']}",
                    value=" | ".join(filter(None, (metrics.shown_value(v, grade) for v in mine)))
                    or None,
                    other_department=pair.other.provider.name,
                    other_dataset=pair.other.resource_code,
                    other_field=pair.theirs["name"],
                    other_value=theirs_shown,
                )
