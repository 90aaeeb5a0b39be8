"""Writing a generated case history (`analytics.synthetic`) into the cases tables, in
bulk: one multi-row INSERT per table and chunk, case ids taken back with RETURNING (on
SQLite and PostgreSQL alike), no process engine, no ledger entries — these are records
of the past, not new decisions. Used by the demo city and `govbridge bench analytics`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from govbridge.analytics.synthetic import DrawnCase, ItemSpec
from govbridge.cases.models import Case, CaseEvent, CaseMaterial
from govbridge.identity.models import Organization
from govbridge.services.models import ServiceItem

CHUNK = 2000


def item_specs(db: Session, weights: dict[str, float] | None = None) -> list[ItemSpec]:
    """The published service items as the generator needs them."""
    codes = dict(db.execute(select(Organization.id, Organization.code)).all())
    out = []
    for item in db.scalars(select(ServiceItem).where(ServiceItem.status == "published")
                           .order_by(ServiceItem.code)):
        others = tuple(i for i in item.participating_org_ids or [] if i != item.lead_org_id)
        out.append(ItemSpec(
            code=item.code, version=item.current_version, lead_org_id=item.lead_org_id,
            org_ids=others, codes=tuple(codes[i] for i in (item.lead_org_id, *others)),
            promised_days=item.promised_days,
            materials=tuple((m["key"], m["name"], m["kind"], bool(m.get("required", True)))
                            for m in item.materials or []),
            weight=(weights or {}).get(item.code, 1.0)))
    return out


def write_history(db: Session, cases: Iterable[DrawnCase],
                  progress: Callable[[int], None] | None = None,
                  chunk: int = CHUNK) -> int:
    """Insert the drawn cases with their materials and events; the number written."""
    it = iter(cases)
    written = 0
    while batch := list(islice(it, chunk)):
        ids: Sequence[int] = db.scalars(
            insert(Case).returning(Case.id, sort_by_parameter_order=True),
            [c.row for c in batch]).all()
        materials = [{**m, "case_id": cid} for c, cid in zip(batch, ids, strict=True)
                     for m in c.materials]
        events = [{**e, "case_id": cid} for c, cid in zip(batch, ids, strict=True)
                  for e in c.events]
        if materials:
            db.execute(insert(CaseMaterial), materials)
        if events:
            db.execute(insert(CaseEvent), events)
        written += len(batch)
        if progress:
            progress(len(batch))
    return written
