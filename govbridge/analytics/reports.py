"""Use cases of demand analytics and the outcome dashboard: the case facts read (one
statement for the cases with their material and return counts, one for the timeline's
steps, one for the return causes), aggregated by `analytics.demand` (pure), drawn by
`governance.charts`. Who: `analytics.read`. Aggregates only (see `demand` on minimum
group sizes): no applicant, case code or per-person count leaves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Integer, and_, case, func, select

from govbridge.analytics import demand as pure
from govbridge.analytics.schemas import (
    CountOut,
    DemandOut,
    ItemDemand,
    OutcomeOut,
    OutcomesOut,
    StepOut,
    TransitionOut,
)
from govbridge.cases.models import Case, CaseEvent, CaseMaterial
from govbridge.core.errors import InvalidInput
from govbridge.core.permissions import Permission
from govbridge.governance import charts, periods
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.runtime import Ctx
from govbridge.services import usecases as services
from govbridge.services.models import ServiceItem

SHARED_PREFIX = "exchange:"
STREAM = 5000


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _period(text: str | None) -> periods.Period | None:
    if not text:
        return None
    try:
        return periods.parse(text)
    except ValueError as exc:
        raise InvalidInput.one("period", str(exc), text, "format") from None


def _items(ctx: Ctx) -> dict[str, tuple[str, int]]:
    return {code: (name, days) for code, name, days in ctx.db.execute(
        select(ServiceItem.code, ServiceItem.name, ServiceItem.promised_days))}


def case_rows(ctx: Ctx, period: periods.Period | None,
              item: str | None) -> Iterator[pure.CaseRow]:
    """Every case (submitted in the period, of the item) with its material counts."""
    items = _items(ctx)
    mats = (select(CaseMaterial.case_id,
                   func.sum(case((and_(CaseMaterial.status == "fetched",
                                       CaseMaterial.source.like(SHARED_PREFIX + "%")), 1),
                                 else_=0)).label("fetched"),
                   func.sum(case((CaseMaterial.status == "uploaded", 1), else_=0)).label("up"))
            .group_by(CaseMaterial.case_id).subquery())
    rets = (select(CaseEvent.case_id, func.count(CaseEvent.id).label("n"))
            .where(CaseEvent.kind == "returned").group_by(CaseEvent.case_id).subquery())
    stmt = (select(Case.item_code, Case.applicant_id, Case.state, Case.submitted_at,
                   Case.accepted_at, Case.completed_at, Case.promised_due,
                   func.coalesce(mats.c.fetched, 0).cast(Integer),
                   func.coalesce(mats.c.up, 0).cast(Integer), func.coalesce(rets.c.n, 0))
            .outerjoin(mats, mats.c.case_id == Case.id)
            .outerjoin(rets, rets.c.case_id == Case.id))
    if period is not None:
        stmt = stmt.where(Case.submitted_at >= period.start, Case.submitted_at < period.end)
    if item:
        stmt = stmt.where(Case.item_code == item)
    for row in ctx.db.execute(stmt.execution_options(yield_per=STREAM)):
        code, applicant, state, sub, acc, done, due, fetched, up, returns = row
        yield pure.CaseRow(code, applicant, state, _utc(sub), _utc(acc),  # type: ignore[arg-type]
                           _utc(done), due, items.get(code, ("", 0))[1], int(fetched), int(up),
                           int(returns))


def step_rows(ctx: Ctx, period: periods.Period | None, item: str | None) -> list[pure.StepRow]:
    items = _items(ctx)
    stmt = (select(CaseEvent.case_id, Case.item_code, CaseEvent.kind, CaseEvent.at,
                   CaseEvent.detail)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.kind.in_(("accepted", "resumed", "decided")))
            .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id))
    if period is not None:
        stmt = stmt.where(Case.submitted_at >= period.start, Case.submitted_at < period.end)
    if item:
        stmt = stmt.where(Case.item_code == item)
    out: list[pure.StepRow] = []
    current, start, last_other = None, None, {}
    for case_id, code, kind, at, detail in ctx.db.execute(
            stmt.execution_options(yield_per=STREAM)):
        at = _utc(at)
        if case_id != current:
            current, start, last_other = case_id, None, {}
        if kind in ("accepted", "resumed"):
            start = at
            continue
        dept = str((detail or {}).get("department") or "")
        hours = (detail or {}).get("hours")
        if hours is None:
            since = max([t for d, t in last_other.items() if d != dept] + ([start] if start
                                                                          else []), default=at)
            hours = max(0.0, (at - since).total_seconds() / 3600)
        last_other[dept] = at
        out.append(pure.StepRow(code, dept, float(hours), items.get(code, ("", 0))[1]))
    return out


def cause_rows(ctx: Ctx, period: periods.Period | None,
               item: str | None) -> list[tuple[str, str]]:
    stmt = (select(Case.item_code, CaseEvent.detail).join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.kind == "returned"))
    if period is not None:
        stmt = stmt.where(Case.submitted_at >= period.start, Case.submitted_at < period.end)
    if item:
        stmt = stmt.where(Case.item_code == item)
    return [(code, str((d or {}).get("opinion") or "")) for code, d in ctx.db.execute(stmt)]


def demand_report(ctx: Ctx, actor: Actor, period: str | None = None,
                  item: str | None = None) -> DemandOut:
    """Demand per item and month, peaks, slow steps, return causes, journeys."""
    require(actor, Permission.ANALYTICS_READ)
    p = _period(period)
    rows = list(case_rows(ctx, p, item))
    d = pure.demand(rows)
    names = _items(ctx)
    months = sorted({m for by in d.by_month.values() for m in by})
    shown_causes, other_causes = pure.causes(cause_rows(ctx, p, item))
    shown_journeys, other_journeys = pure.journeys(rows)
    orgs = dict(ctx.db.execute(select(Organization.code, Organization.name)).all())
    return DemandOut(
        period=p.label if p else None, months=months,
        items=[ItemDemand(item=code, name=names.get(code, ("", 0))[0], by_month=by,
                          total=d.totals[code]) for code, by in d.by_month.items()],
        weekday=d.weekday, month_of_year=d.month_of_year,
        steps=[StepOut(**s.__dict__, department_name=orgs.get(s.department))
               for s in pure.steps(step_rows(ctx, p, item))],
        causes=[CountOut(key=c.key, count=c.count) for c in shown_causes],
        other_causes=other_causes,
        journeys=[TransitionOut(source=t.source, target=t.target, applicants=t.applicants,
                                source_name=names.get(t.source, ("", 0))[0],
                                target_name=names.get(t.target, ("", 0))[0])
                  for t in shown_journeys],
        other_journeys=other_journeys, min_group=pure.MIN_GROUP)


def _outcome(key: str, o: pure.Outcome, name: str | None = None) -> OutcomeOut:
    return OutcomeOut(key=key, name=name, cases=o.cases, completed=o.completed,
                      avg_handling_days=o.avg_handling_days,
                      avg_promised_days=o.avg_promised_days, sharing_rate=o.sharing_rate,
                      trips_per_case=o.trips_per_case, on_time_rate=o.on_time_rate)


def outcomes_report(ctx: Ctx, actor: Actor, period: str | None = None,
                    item: str | None = None) -> OutcomesOut:
    """The headline outcomes per item, overall and month by month."""
    require(actor, Permission.ANALYTICS_READ)
    p = _period(period)
    names = _items(ctx)
    per_item, total, per_month = pure.outcomes(case_rows(ctx, p, item),
                                               services.calendar(ctx))
    return OutcomesOut(
        period=p.label if p else None, overall=_outcome("all", total),
        items=[_outcome(code, o, names.get(code, ("", 0))[0]) for code, o in per_item.items()],
        trend=[_outcome(m, o) for m, o in per_month.items()])


CHART_WORDS = {
    "zh": {"demand": "各事项月度办件量", "weekday": "按星期的办件量", "month": "按月份的办件量",
           "outcome": "共享率与按时办结率（%）", "sharing": "共享率", "on_time": "按时办结率",
           "weekdays": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
           "empty": "暂无办件"},
    "en": {"demand": "Cases per item and month", "weekday": "Cases by weekday",
           "month": "Cases by month", "outcome": "Sharing rate and on-time rate (%)",
           "sharing": "Sharing rate", "on_time": "On-time rate",
           "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "empty": "No cases"},
}
DEMAND_LINES = 6


def charts_of(d: DemandOut, o: OutcomesOut, lang: str = "zh") -> dict[str, str]:
    """The SVG charts of the analytics page (pure over the two reports)."""
    w = CHART_WORDS["en" if lang == "en" else "zh"]
    top = sorted(d.items, key=lambda i: (-i.total, i.item))[:DEMAND_LINES]
    peak = max((v for i in top for v in i.by_month.values()), default=1) or 1
    demand_svg = charts.trend_svg(
        w["demand"], d.months,
        [(i.name or i.item, [i.by_month.get(m, 0) for m in d.months]) for i in top],
        w["empty"], top=peak)
    months = [t.key for t in o.trend]
    outcome_svg = charts.trend_svg(
        w["outcome"], months,
        [(w["sharing"], [None if t.sharing_rate is None else t.sharing_rate * 100
                         for t in o.trend]),
         (w["on_time"], [None if t.on_time_rate is None else t.on_time_rate * 100
                         for t in o.trend])], w["empty"])
    weekday_svg = charts.bars_svg(w["weekday"], list(zip(w["weekdays"], d.weekday, strict=True)))
    month_svg = charts.bars_svg(w["month"], [(f"{i + 1:02d}", n)
                                             for i, n in enumerate(d.month_of_year)])
    return {"demand": demand_svg, "outcome": outcome_svg, "weekday": weekday_svg,
            "month": month_svg}
