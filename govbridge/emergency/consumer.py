"""The consumer of committed readings: runs the live rules over every batch ingest committed.

Rules never sit inside the ingest transaction (a slow or failing rule must not hold up or
lose a reading). Instead the consumer takes the committed ingest batches of the datasets
the live rules read that are not yet in `emergency_evaluated_batches`, and in ONE
transaction: reads their records, feeds the rules (readings sorted by event time; the
evaluator handles late and out-of-order ones), stores each rule's state, raises the
alerts, and marks the batches evaluated. A crash before that commit leaves the batches
unmarked: the next run evaluates them again from the state stored with the last commit,
so nothing accepted is lost and nothing fires twice.

It runs after each micro-batch: `attach(rt)` subscribes it to the `ingest.batch` event
(published after the batch's commit), and `evaluate_pending` can be called by any loop
(`govbridge emergency evaluate`, the replay, the bench). Runs are serialised: on
PostgreSQL the live rules are read FOR UPDATE, on SQLite the writer lock does it.

Figures (`govbridge bench emergency`, the demo storm of 12,672 readings in micro-batches
of 500, four rules, 2 vCPUs): 2,300 readings/s stored and evaluated against 7,000/s
stored alone on SQLite (ratio 0.33), 1,900 against 4,150 on PostgreSQL (0.46); the
evaluator alone runs the four rules at ~41,000 readings/s. A triggering reading's alert
is sealed 160 ms (p50) after its micro-batch arrived, p95 240-460 ms; the dispatch
reaches the departments with the commit, p50 240-300 ms, p95 350-580 ms.

A row the rules cannot use (a station not registered for its dataset, an event time more
than 10 minutes ahead of the platform clock, no readable time) is put in its dataset's
quarantine with the field, the value and the reason, for the provider to see and fix;
the record stays stored as ingest accepted it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select

from govbridge.catalog.models import Dataset
from govbridge.core.errors import FieldProblem
from govbridge.emergency.alerts import raise_alert
from govbridge.emergency.evaluator import Evaluator, Reading
from govbridge.emergency.models import AlertRule, EvaluatedBatch
from govbridge.emergency.rulebook import station_districts
from govbridge.emergency.rules import RuleIn
from govbridge.emergency.streams import reading_of
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.runtime import Ctx, Runtime

log = logging.getLogger("govbridge.emergency")

MAX_BATCHES = 500  # ingest batches per run (a micro-batch of 500 messages is 500 batches)


@dataclass
class Run:
    batches: int = 0
    readings: int = 0
    refused: int = 0
    alerts: list[str] = field(default_factory=list)


def evaluate_pending(rt: Runtime, *, max_batches: int = MAX_BATCHES) -> Run:
    """Evaluate committed batches until none is left; one transaction per round."""
    total = Run()
    while True:
        with rt.context() as ctx:
            run = evaluate_in(ctx, max_batches=max_batches)
        total.batches += run.batches
        total.readings += run.readings
        total.refused += run.refused
        total.alerts += run.alerts
        if run.batches < max_batches:
            return total


def evaluate_in(ctx: Ctx, *, max_batches: int = MAX_BATCHES) -> Run:
    run = Run()
    stmt = select(AlertRule).where(AlertRule.status == "live").order_by(AlertRule.id)
    if ctx.db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rules = list(ctx.db.scalars(stmt))
    if not rules:
        return run
    parsed = {r.id: RuleIn.model_validate(r.definition) for r in rules}
    codes = {c.dataset for rule in parsed.values() for c in rule.when}
    datasets = {ds.id: ds.resource_code for ds in ctx.db.scalars(
        select(Dataset).where(Dataset.resource_code.in_(codes)))}
    if not datasets:
        return run
    seen = select(EvaluatedBatch.batch_id).where(EvaluatedBatch.batch_id == IngestBatch.id)
    batch_ids = list(ctx.db.scalars(
        select(IngestBatch.id).where(IngestBatch.dataset_id.in_(list(datasets)),
                                     IngestBatch.accepted > 0, ~seen.exists())
        .order_by(IngestBatch.id).limit(max_batches)))
    if not batch_ids:
        return run
    run.batches = len(batch_ids)
    districts = station_districts(ctx, datasets)
    now = ctx.now()
    skew = timedelta(seconds=ctx.settings.emergency_clock_skew_seconds)
    readings: list[Reading] = []
    refused: list[dict] = []
    per_batch: dict[int, int] = dict.fromkeys(batch_ids, 0)
    for dataset_id, batch_id, data in ctx.db.execute(
            select(DatasetRecord.dataset_id, DatasetRecord.batch_id, DatasetRecord.data)
            .where(DatasetRecord.batch_id.in_(batch_ids)).order_by(DatasetRecord.id)):
        got = reading_of(datasets[dataset_id], data, districts[dataset_id], now, skew)
        if isinstance(got, FieldProblem):
            refused.append(_quarantined(dataset_id, batch_id, data, got, now))
            continue
        readings.append(got)
        per_batch[batch_id] += 1
    readings.sort(key=lambda r: r.at)
    run.readings, run.refused = len(readings), len(refused)
    for row in rules:
        rule = parsed[row.id]
        ev = Evaluator(row.code, rule, row.state)
        for reading in readings:
            for firing in ev.feed(reading):
                run.alerts.append(raise_alert(ctx, row, rule, firing).identifier)
        row.state = ev.state()
    if refused:
        ctx.db.execute(insert(QuarantinedRow), refused)
    ctx.db.execute(insert(EvaluatedBatch), [
        {"batch_id": b, "readings": n, "evaluated_at": now} for b, n in per_batch.items()])
    return run


def _quarantined(dataset_id: int, batch_id: int | None, data: dict, p: FieldProblem,
                 now: object) -> dict:
    return {"dataset_id": dataset_id, "batch_id": batch_id, "row_number": None, "raw": data,
            "status": "open", "resolved_batch_id": None, "created_at": now,
            "problems": [{"row": None, "field": p.field, "value": p.value,
                          "rule": p.code, "reason": f"emergency rules: {p.reason}"}]}


def attach(rt: Runtime) -> None:
    """Evaluate after every committed ingest batch (the event leaves after the commit)."""

    def on_batch(_topic: str, _payload: dict) -> None:
        try:
            evaluate_pending(rt)
        except Exception:  # logged; the batches stay unmarked and the next run takes them
            log.exception("evaluating the emergency rules failed; will retry on the next batch")

    rt.bus.subscribe("ingest.batch", on_batch)
