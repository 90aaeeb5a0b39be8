"""Use cases of the department scorecards (部门考核): the cards of a period, their monthly
trend, the CSV export, and the bureau's versioned scoring model.

Who sees what: the data bureau and auditors (`governance.read`) every department's card
and the ranking; a department's data officer (`governance.read_own_org`) its own card
only, without rank; anyone else nothing (403). Changing the model is the bureau's
(`governance.manage`). The figures come from `governance.facts`, the arithmetic from
`governance.scoring` (pure); a card carries both, so it can be recomputed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from sqlalchemy import select

from govbridge.audit.record import record
from govbridge.core.errors import InvalidInput, NotFound
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission, allows
from govbridge.governance import charts, facts, periods, scoring, settings
from govbridge.governance.models import SCORING
from govbridge.governance.schemas import (
    DimensionOut,
    ScorecardOut,
    ScoringModelIn,
    SettingOut,
    TrendOut,
    TrendPoint,
)
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.ingest.cells import write_csv
from govbridge.runtime import Ctx

TREND_MONTHS = 12


def sees_all(actor: Actor) -> bool:
    """Whether the actor sees every department's card (and the ranking)."""
    return Permission.GOVERNANCE_READ in actor.permissions


def _readable(ctx: Ctx, actor: Actor) -> list[Organization]:
    """The departments whose cards the actor may read (PermissionDenied if none)."""
    require(actor, Permission.GOVERNANCE_READ, organization_id=actor.organization_id)
    stmt = select(Organization).where(Organization.active.is_(True)).order_by(Organization.code)
    if not sees_all(actor):
        stmt = stmt.where(Organization.id == actor.organization_id)
    return list(ctx.db.scalars(stmt))


def _period(ctx: Ctx, text: str | None) -> periods.Period:
    label = text if text else periods.current_year(ctx.now())
    try:
        return periods.parse(label)
    except ValueError as exc:
        raise InvalidInput.one("period", str(exc), label, "format") from None


def model_of(ctx: Ctx, number: int | None = None) -> scoring.Model:
    row = (settings.version(ctx, SCORING, number, scoring.DEFAULT_CONFIG) if number
           else settings.current(ctx, SCORING, scoring.DEFAULT_CONFIG))
    return scoring.Model.of(row.version, row.config)


def _card(org: Organization, period: str, model: scoring.Model,
          figures: dict[str, dict[str, int]]) -> ScorecardOut:
    card = scoring.score_card(model, figures)
    return ScorecardOut(
        department=org.code, name=org.name, period=period, model_version=model.version,
        score=card.score, rated=card.rated,
        dimensions={n: DimensionOut(score=d.score, value=d.value, weight=d.weight, full=d.full,
                                    zero=d.zero, figures=d.figures, note=d.note)
                    for n, d in card.dimensions.items()})


def _ranked(cards: list[ScorecardOut]) -> list[ScorecardOut]:
    ordered = sorted(cards, key=lambda c: (-c.score, c.department))
    place = 0
    last: float | None = None
    for i, card in enumerate(ordered, start=1):
        if card.score != last:
            place, last = i, card.score
        card.rank = place
    return ordered


def scorecards(ctx: Ctx, actor: Actor, period: str | None = None,
               model_version: int | None = None) -> list[ScorecardOut]:
    """Every readable department's card for the period (default: this year), best first."""
    orgs = _readable(ctx, actor)
    p = _period(ctx, period)
    model = model_of(ctx, model_version)
    figures = facts.department_figures(ctx, p)
    cards = [_card(o, p.label, model, figures.get(o.id, {})) for o in orgs]
    return _ranked(cards) if sees_all(actor) else cards


def scorecard(ctx: Ctx, actor: Actor, department: str,
              period: str | None = None) -> ScorecardOut:
    """One department's card (its own for an officer; any for the bureau)."""
    code = department.strip().upper()
    for card in scorecards(ctx, actor, period):
        if card.department == code:
            return card
    raise NotFound("department", code)


def trend(ctx: Ctx, actor: Actor, until: str | None = None,
          months: int = TREND_MONTHS) -> list[TrendOut]:
    """Each readable department's score month by month, the `months` up to `until`."""
    orgs = _readable(ctx, actor)
    if not 1 <= months <= 36:
        raise InvalidInput.one("months", "must be between 1 and 36", months, "range")
    last = until or periods.month_of(ctx.now())
    p_last = _period(ctx, last)
    if len(p_last.label) != 7:
        raise InvalidInput.one("until", "give a month as YYYY-MM", last, "format")
    model = model_of(ctx)
    series: dict[int, list[TrendPoint]] = {o.id: [] for o in orgs}
    for label in periods.months_until(p_last.label, months):
        figures = facts.department_figures(ctx, periods.parse(label))
        for o in orgs:
            card = scoring.score_card(model, figures.get(o.id, {}))
            series[o.id].append(TrendPoint(period=label, score=card.score, rated=card.rated))
    return [TrendOut(department=o.code, name=o.name, points=series[o.id]) for o in orgs]


TREND_LINES = 7


def trend_chart_svg(ctx: Ctx, actor: Actor, until: str | None = None, lang: str = "zh",
                    department: str | None = None) -> str:
    """The monthly scores as an SVG line chart: the department asked for, or the
    `TREND_LINES` best of the last month (a department's officer: its own line)."""
    series = trend(ctx, actor, until)
    if department:
        series = [s for s in series if s.department == department.strip().upper()]
    series.sort(key=lambda s: (-(s.points[-1].score if s.points else 0), s.department))
    shown = series[:TREND_LINES]
    words = charts.WORDS["en" if lang == "en" else "zh"]
    labels = [p.period for p in shown[0].points] if shown else []
    return charts.trend_svg(words["trend"], labels,
                            [(s.name, [p.score if p.rated else None for p in s.points])
                             for s in shown], words["empty"])


def ranking_svg(cards: list[ScorecardOut], lang: str = "zh") -> str:
    words = charts.WORDS["en" if lang == "en" else "zh"]
    return charts.bars_svg(words["ranking"], [(c.name, c.score) for c in cards], maximum=100)


CSV_HEADER_FIXED = ["rank", "department", "name", "period", "model_version", "score", "rated"]


def csv_text(cards: Iterable[ScorecardOut]) -> str:
    """The cards as CSV: one row per department, each dimension's score and figures
    (department names and codes only: nothing personal is on a card)."""
    cards = list(cards)
    dims = list(scoring.DIMENSIONS)
    header = [*CSV_HEADER_FIXED]
    for d in dims:
        header += [f"{d}.score", *[f"{d}.{k}" for k in scoring.FIGURES[d]]]
    rows = []
    for c in cards:
        row: list[object] = [c.rank if c.rank is not None else "", c.department, c.name,
                             c.period, c.model_version, c.score, c.rated]
        for d in dims:
            dim = c.dimensions.get(d)
            row.append("" if dim is None or dim.score is None else dim.score)
            row += [(dim.figures.get(k, 0) if dim else "") for k in scoring.FIGURES[d]]
        rows.append(row)
    buf = io.StringIO()
    write_csv(buf, header, rows)
    return buf.getvalue()


# --- the scoring model ------------------------------------------------------------------------


def _setting_out(row: settings.GovernanceSetting) -> SettingOut:
    return SettingOut(kind=row.kind, version=row.version, config=row.config, note=row.note,
                      created_by=row.created_by, created_at=row.created_at)


def scoring_models(ctx: Ctx, actor: Actor) -> list[SettingOut]:
    """Every version of the scoring model, oldest first (version 1 is the built-in one)."""
    require(actor, Permission.GOVERNANCE_READ, organization_id=actor.organization_id)
    return [_setting_out(r) for r in settings.versions(ctx, SCORING, scoring.DEFAULT_CONFIG)]


def save_scoring_model(ctx: Ctx, actor: Actor, data: ScoringModelIn | dict) -> SettingOut:
    """A new version of the scoring model (the bureau's): weights, full and zero per
    dimension; dimensions left out are not scored."""
    require(actor, Permission.GOVERNANCE_MANAGE)
    model = checked(ScoringModelIn, data)
    config = {"dimensions": {n: r.model_dump() for n, r in model.dimensions.items()}}
    problems = scoring.check_config(config)
    if problems:
        field, reason = problems[0]
        raise InvalidInput.one(field, reason)
    row = settings.add(ctx, SCORING, config, model.note, actor.label, scoring.DEFAULT_CONFIG)
    record(ctx, actor, "governance.scoring_model", "scoring_model", row.version,
           {"dimensions": sorted(config["dimensions"])})
    return _setting_out(row)


def can_manage(actor: Actor) -> bool:
    """Whether the actor may save a new scoring model (a predicate for pages)."""
    return Permission.GOVERNANCE_MANAGE in actor.permissions


def can_read_others(actor: Actor) -> bool:
    """Whether pages may offer other departments' cards (a predicate for templates)."""
    return allows(actor.permissions, Permission.GOVERNANCE_READ)
