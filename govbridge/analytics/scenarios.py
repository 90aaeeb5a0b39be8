"""Use cases of the what-if replays and their back-test: the recorded cases read as
`whatif.ReplayCase`s (their steps from the timeline, their uploads and fetches by node
key), replayed by `analytics.whatif` (pure, SimPy). `analytics.read`; aggregates only.

A step's hours are what the record carries (`hours` on the decision), else the time since
the step became ready, in office hours; a correction's wait likewise (`hours` on the
resumption, else office hours from the return to the resumption). At most `MAX_CASES`
completed cases are replayed (the most recent), so an answer stays interactive.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy import select

from govbridge.analytics import whatif
from govbridge.analytics.graph import item_materials
from govbridge.cases.models import Case, CaseEvent, CaseMaterial
from govbridge.core.errors import InvalidInput
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.runtime import Ctx
from govbridge.services.models import ServiceItem

MAX_CASES = 20_000
SHARED_PREFIX = "exchange:"


class IntervalOut(BaseModel):
    total: float
    low: float = Field(description="2.5th percentile of the bootstrap")
    high: float = Field(description="97.5th percentile of the bootstrap")
    per_case: float


class WhatIfIn(BaseModel):
    kind: str = Field(pattern="^(share|answer)$")
    certificate: str | None = Field(None, max_length=200)
    department: str | None = Field(None, min_length=18, max_length=18)
    days: float | None = Field(None, ge=0, le=365)


class WhatIfOut(BaseModel):
    change: str
    cases: int
    affected: int
    trips_saved: IntervalOut
    uploads_removed: IntervalOut
    days_saved: IntervalOut = Field(description="Working days")
    replay_error_hours: float = Field(
        description="Mean |replay as recorded - recorded handling| in office hours")


class BacktestOut(BaseModel):
    train_cases: int
    test_cases: int
    predicted_uploads_per_case: float
    low: float
    high: float
    actual_uploads_per_case: float
    relative_error: float
    inside_interval: bool


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def replay_cases(ctx: Ctx, limit: int = MAX_CASES
                 ) -> tuple[list[whatif.ReplayCase], list[float], list[datetime]]:
    """The most recent completed cases (oldest first), their recorded office hours from
    acceptance to completion, and their acceptance times."""
    _items, keymap = item_materials(ctx)
    leads = dict(ctx.db.execute(select(ServiceItem.code, Organization.code)
                                .join(Organization, Organization.id == ServiceItem.lead_org_id))
                 .all())
    rows = list(ctx.db.execute(
        select(Case.id, Case.item_code, Case.accepted_at, Case.completed_at)
        .where(Case.state == "completed", Case.accepted_at.is_not(None))
        .order_by(Case.completed_at.desc()).limit(limit)))[::-1]
    ids = [r[0] for r in rows]
    events: dict[int, list] = defaultdict(list)
    materials: dict[int, list] = defaultdict(list)
    for chunk in range(0, len(ids), 2000):
        part = ids[chunk:chunk + 2000]
        for e in ctx.db.execute(select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at,
                                       CaseEvent.detail)
                                .where(CaseEvent.case_id.in_(part),
                                       CaseEvent.kind.in_(("accepted", "resumed", "decided",
                                                           "returned")))
                                .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)):
            events[e[0]].append(e[1:])
        for m in ctx.db.execute(select(CaseMaterial.case_id, CaseMaterial.key,
                                       CaseMaterial.status, CaseMaterial.source)
                                .where(CaseMaterial.case_id.in_(part))):
            materials[m[0]].append(m[1:])
    cases, recorded, accepted = [], [], []
    for case_id, item, acc, done in rows:
        cases.append(_case(item, leads.get(item, ""), events[case_id], materials[case_id],
                           keymap))
        recorded.append(whatif.working_hours_between(_utc(acc), _utc(done)))
        accepted.append(_utc(acc))
    return cases, recorded, accepted


def _case(item: str, lead: str, events: list, mats: list,
          keymap: dict[tuple[str, str], str]) -> whatif.ReplayCase:
    steps: list[whatif.Step] = []
    start: datetime | None = None
    last_by: dict[str, datetime] = {}
    pending_return: tuple[str | None, datetime] | None = None
    correction = 0.0
    for kind, at, detail in events:
        at, detail = _utc(at), detail or {}
        if kind == "accepted":
            start = at
        elif kind == "returned":
            keys = detail.get("materials") or []
            pending_return = (keymap.get((item, keys[0])) if keys else None, at)
        elif kind == "resumed":
            if pending_return is not None:
                correction = float(detail.get("hours") or whatif.working_hours_between(
                    pending_return[1], at))
            start = at
        elif kind == "decided":
            dept = str(detail.get("department") or "")
            hours = detail.get("hours")
            if hours is None:
                ready = [t for d, t in last_by.items() if d != dept] + ([start] if start else [])
                hours = whatif.working_hours_between(max(ready), at) if ready else 0.0
            returned_key = pending_return[0] if pending_return and correction else None
            steps.append(whatif.Step(dept, float(hours), dept == lead, correction, returned_key))
            pending_return, correction = None, 0.0
            last_by[dept] = at
    uploads = tuple(keymap.get((item, k), k) for k, status, _ in mats if status == "uploaded")
    fetches = tuple(keymap.get((item, k), k) for k, status, src in mats
                    if status == "fetched" and (src or "").startswith(SHARED_PREFIX))
    return whatif.ReplayCase(item, tuple(steps), uploads, fetches)


def _interval(i: whatif.Interval) -> IntervalOut:
    return IntervalOut(total=i.total, low=i.low, high=i.high, per_case=i.per_case)


def what_if(ctx: Ctx, actor: Actor, data: WhatIfIn | dict, seed: int = 0) -> WhatIfOut:
    """Replay the recorded cases with one change; the savings with 95 % intervals."""
    require(actor, Permission.ANALYTICS_READ)
    w = checked(WhatIfIn, data)
    if w.kind == "share" and not w.certificate:
        raise InvalidInput.one("certificate", "name the certificate (its resource code)")
    if w.kind == "answer" and (not w.department or w.days is None):
        raise InvalidInput.one("department", "name the department and the days")
    change = whatif.Change(w.kind, certificate=w.certificate,
                           department=(w.department or "").upper() or None, days=w.days)
    cases, recorded, _ = replay_cases(ctx)
    r = whatif.simulate(cases, change, recorded, seed)
    names = dict(ctx.db.execute(select(Organization.code, Organization.name)).all())
    items, _ = item_materials(ctx)
    names.update({k: n for it in items for k, n, _p, _kind in it.materials})
    return WhatIfOut(change=whatif.describe(change, names), cases=r.cases, affected=r.affected,
                     trips_saved=_interval(r.trips_saved),
                     uploads_removed=_interval(r.uploads_removed),
                     days_saved=_interval(r.days_saved),
                     replay_error_hours=r.replay_error_hours)


def back_test(ctx: Ctx, actor: Actor, seed: int = 0) -> BacktestOut:
    """The method's error on this city's history: the earlier half of the recorded cases
    predicts the later half's uploads per case (see `whatif.backtest`)."""
    require(actor, Permission.ANALYTICS_READ)
    cases, _recorded, _accepted = replay_cases(ctx)
    half = len(cases) // 2
    b = whatif.backtest(cases[:half], cases[half:], seed)
    return BacktestOut(train_cases=b.train_cases, test_cases=b.test_cases,
                       predicted_uploads_per_case=b.predicted_uploads_per_case, low=b.low,
                       high=b.high, actual_uploads_per_case=b.actual_uploads_per_case,
                       relative_error=b.relative_error, inside_interval=b.inside_interval)
