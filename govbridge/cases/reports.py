"""Read-only reports over cases: per service item figures for the data bureau (cases by
state, handling time against the promised limit, on-time rate, share of materials fetched by
sharing, the overdue cases). The query lives here; the arithmetic in `cases.figures`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy import select

from govbridge.cases import figures
from govbridge.cases.models import Case, CaseMaterial
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx
from govbridge.services import usecases as services


class OverdueCase(BaseModel):
    code: str
    applicant_name: str
    state: str
    accepted_at: datetime | None
    promised_due: date | None


class ItemFigures(BaseModel):
    item_code: str
    item_name: str
    status: str
    promised_days: int
    legal_days: int
    total: int
    by_state: dict[str, int]
    completed: int
    avg_working_days: float | None
    avg_hours: float | None
    on_time_rate: float | None
    shared_rate: float | None
    overdue: list[OverdueCase]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def item_figures(ctx: Ctx, actor: Actor) -> list[ItemFigures]:
    """Figures of every service item (bureau and auditors: `case.read`)."""
    require(actor, Permission.CASE_READ)
    now = ctx.now()
    calendar = services.calendar(ctx)
    cases: dict[str, list[Case]] = defaultdict(list)
    for case in ctx.db.scalars(select(Case).order_by(Case.id)):
        cases[case.item_code].append(case)
    materials: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for case_id, status, source in ctx.db.execute(
            select(CaseMaterial.case_id, CaseMaterial.status, CaseMaterial.source)
            .order_by(CaseMaterial.id)):
        materials[case_id].append((status, source))
    out = []
    for item in services.list_service_items(ctx, actor):
        rows = cases.get(item.code, [])
        facts = [figures.CaseFacts(code=c.code, state=c.state, accepted_at=_utc(c.accepted_at),
                                   completed_at=_utc(c.completed_at),
                                   promised_due=c.promised_due,
                                   materials=tuple(materials.get(c.id, ())))
                 for c in rows]
        result = figures.compute(facts, now, calendar)
        late = set(result.overdue)
        out.append(ItemFigures(
            item_code=item.code, item_name=item.name, status=item.status,
            promised_days=item.promised_days, legal_days=item.legal_days,
            total=result.total, by_state=result.by_state, completed=result.completed,
            avg_working_days=result.avg_working_days, avg_hours=result.avg_hours,
            on_time_rate=result.on_time_rate, shared_rate=result.shared_rate,
            overdue=[OverdueCase(code=c.code, applicant_name=c.applicant_name, state=c.state,
                                 accepted_at=_utc(c.accepted_at), promised_due=c.promised_due)
                     for c in rows if c.code in late],
        ))
    return out
