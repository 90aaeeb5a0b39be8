"""Bench: readings per second through the emergency rules, and how soon an alert and a
dispatch follow the reading that triggers them.

Both legs take the demo's recorded storm (`demo.emergency.storm`: 22 stations, 5-minute
readings over 48 hours, every 40th reading late; `--storms N` replays it N times, each
shifted by 48 hours) through the same stream store (`ingest.stream_store`, micro-batches
of 500 messages, one per reading, each committed once) on a fresh database each:

- rules: after each committed micro-batch the consumer (`emergency.consumer`) runs the
  four live rules of the demo (a 3-hour window, a rate of change, a threshold and a
  window join of two streams), raises sealed, ledgered CAP alerts, opens incidents and
  dispatches the 防汛预案 to seven departments (notifications in the same transaction);
- baseline: the same readings through the same store with no rule live: a bare
  consumer of the same stream. The ratio rules / baseline says what the rules cost.

Latency, under that load: for each alert, from the start of the micro-batch holding its
triggering reading (when the reading reached the platform) to the alert's sealing
(its `sent` time); for each department's dispatch, to the commit that made it visible
to the department (dispatch and notification are written with the alert). p50 / p95.
Also: the pure evaluator alone (the four rules in memory, no I/O) in readings/s.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

from sqlalchemy import select

from govbridge.bench.common import Progress
from govbridge.bench.machine import describe
from govbridge.bench.scratch import scratch_database
from govbridge.config import Settings
from govbridge.runtime import Runtime
from govbridge.storage.migrate import upgrade

MICRO_BATCH = 500


@dataclass(frozen=True)
class Leg:
    readings: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.readings / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"readings": self.readings, "seconds": round(self.seconds, 3),
                "readings_per_second": round(self.per_second, 1)}


def _pct(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0}
    if len(values) == 1:
        return {"n": 1, "p50_ms": round(values[0], 1), "p95_ms": round(values[0], 1)}
    cuts = quantiles(values, n=100, method="inclusive")
    return {"n": len(values), "p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1)}


def _world(rt: Runtime, seed: int) -> dict[str, Any]:
    """The demo's departments the scenario names, then the scenario itself."""
    from govbridge.demo import emergency as scenario
    from govbridge.demo.departments import department
    from govbridge.identity import organizations
    from govbridge.identity.actor import Actor
    from govbridge.identity.schemas import OrganizationCreate
    from govbridge.standards.usecases import seed_builtin_elements

    operator = Actor.operator("bench")
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
        for key in ["ema", "fire", "housing", "mca", "transport", "psb", "health"]:
            d = department(key)
            organizations.create_organization(ctx, operator, OrganizationCreate(
                code=d.code, name=d.name, level="city"))
    return scenario.load_demo_emergency(rt, seed)


def _messages(facts: dict[str, Any], seed: int, storms: int) -> list[tuple[str, bytes]]:
    from govbridge.demo.emergency import STORM_HOURS, STORM_START, storm
    from govbridge.ingest.stream_messages import Topology

    topo = Topology()
    subjects = {"rain": topo.subject(facts["rain"]), "levels": topo.subject(facts["levels"])}
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(
        hours=STORM_HOURS * storms + 1)
    start = min(start, STORM_START)
    return [(subjects[kind], json.dumps(row, sort_keys=True, separators=(",", ":")).encode())
            for k in range(storms)
            for kind, row in storm(seed, start + timedelta(hours=STORM_HOURS * k))]


def _leg(url: str, home: Path, seed: int, storms: int, *, rules: bool,
         progress: Progress) -> tuple[Leg, dict[str, Any]]:
    from govbridge.emergency.consumer import evaluate_pending
    from govbridge.emergency.models import Alert, AlertRule, Dispatch
    from govbridge.ingest.stream_messages import Topology
    from govbridge.ingest.stream_store import process_messages

    rt = Runtime(Settings(home=home, database_url=url))
    try:
        upgrade(rt.engine)
        facts = _world(rt, seed)
        if not rules:
            with rt.context() as ctx:
                for row in ctx.db.scalars(select(AlertRule)):
                    row.status = "draft"
        messages = _messages(facts, seed, storms)
        topo = Topology()
        progress.start("with rules" if rules else "baseline (no rules)", len(messages))
        batch_started: list[tuple[datetime, datetime, int]] = []  # start, committed, alerts
        started = time.perf_counter()
        for i in range(0, len(messages), MICRO_BATCH):
            chunk = messages[i:i + MICRO_BATCH]
            at = datetime.now(UTC)
            outcomes = process_messages(rt, chunk, topology=topo)
            if any(not o.settled for o in outcomes):
                raise RuntimeError("a micro-batch was not stored")
            run = evaluate_pending(rt)
            batch_started.append((at, datetime.now(UTC), len(run.alerts)))
            progress.advance(len(chunk))
        seconds = time.perf_counter() - started
        details: dict[str, Any] = {"micro_batches": len(batch_started)}
        if rules:
            details.update(_latencies(rt, batch_started, Alert, Dispatch))
        return Leg(len(messages), seconds), details
    finally:
        rt.dispose()


def _latencies(rt: Runtime, batches: list[tuple[datetime, datetime, int]], alert_model: Any,
               dispatch_model: Any) -> dict[str, Any]:
    """Each alert against its micro-batch's start (alerts are raised in batch order)."""
    with rt.context() as ctx:
        alerts = list(ctx.db.execute(select(alert_model.id, alert_model.sent_at,
                                            alert_model.incident_id)
                                     .order_by(alert_model.id)))
        dispatches = list(ctx.db.execute(select(dispatch_model.requested_at,
                                                dispatch_model.organization_id)))
    to_alert: list[float] = []
    to_dispatch: list[float] = []
    k = 0
    for start, committed, count in batches:
        for _ in range(count):
            _id, sent, _incident = alerts[k]
            k += 1
            to_alert.append((sent - start).total_seconds() * 1000)
        for requested, _org in dispatches:
            if start <= requested <= committed:
                to_dispatch.append((committed - start).total_seconds() * 1000)
    return {"alerts": len(alerts), "dispatches": len(dispatches),
            "departments": len({org for _r, org in dispatches}),
            "reading_to_sealed_alert": _pct(to_alert),
            "reading_to_dispatch": _pct(to_dispatch)}


def _pure(seed: int, storms: int) -> Leg:
    """The four demo rules over the storm in memory (no I/O)."""
    from govbridge.demo.emergency import STATIONS, demo_rules, storm
    from govbridge.emergency.evaluator import Evaluator, Reading
    from govbridge.emergency.rules import RuleIn
    from govbridge.emergency.streams import event_time

    rules = [RuleIn.model_validate(r) for r in demo_rules("RAIN", "LEVELS", "1" * 18, "2" * 18,
                                                           "3" * 18)]
    evaluators = [Evaluator(r.code, r) for r in rules]
    district = {s.code: s.district for s in STATIONS}
    readings = [Reading("RAIN" if kind == "rain" else "LEVELS", row["station_code"],
                        district[row["station_code"]], event_time(row["observed_at"]),
                        {k: float(v) for k, v in row.items()
                         if k not in ("station_code", "observed_at")})
                for k in range(storms)
                for kind, row in storm(seed, datetime(2025, 7, 10, tzinfo=UTC)
                                       + timedelta(hours=48 * k))]
    started = time.perf_counter()
    for r in readings:
        for ev in evaluators:
            ev.feed(r)
    return Leg(len(readings), time.perf_counter() - started)


def run(storms: int, database_url: str | None, *, seed: int = 20261123,
        progress: Progress) -> dict[str, Any]:
    with scratch_database(database_url) as base_db:
        baseline, base_details = _leg(base_db.url, base_db.tmp / "home", seed, storms,
                                      rules=False, progress=progress)
        backend = base_db.backend
    with scratch_database(database_url) as rules_db:
        ours, details = _leg(rules_db.url, rules_db.tmp / "home", seed, storms, rules=True,
                             progress=progress)
    pure = _pure(seed, storms)
    return {
        "bench": "emergency", "backend": backend, "storms": storms, "rules": 4,
        "micro_batch": MICRO_BATCH,
        "rules_leg": ours.as_dict(), "baseline": {**baseline.as_dict(), **base_details},
        "ratio": round(ours.per_second / baseline.per_second, 3) if baseline.per_second else 0,
        "evaluator_only": pure.as_dict(), **details, "machine": describe(),
    }
