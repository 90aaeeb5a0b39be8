"""Risk hints for approvers: past cases that resemble this one and how they ended — a hint
with its reasons, never a decision (nothing here changes a case or a task).

Resembling means: the same service item, and the same materials brought by upload instead
of fetched by sharing (an uploaded certificate is where corrections come from). Among
those past cases — other applicants' only, finished ones — the hint gives how many were
returned for correction or refused, against the item's rate, and the reasons they were
given, each reason only when at least `demand.MIN_GROUP` cases share it (so a reason
typed once about one person never shows, nor any count below that size). When fewer than
`MIN_GROUP` cases resemble it, the hint says there are too few to compare.

The comparison (`hint`) is pure; `risk_hints` reads the cases and checks who asks: the
departments doing the item (lead or participant) with `case.decide`, or the bureau and
auditors (`case.read`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import select

from govbridge.analytics.demand import MIN_GROUP
from govbridge.cases.models import Case, CaseEvent, CaseMaterial
from govbridge.cases.usecases import find_case
from govbridge.core.errors import PermissionDenied
from govbridge.core.permissions import Permission, allows
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx
from govbridge.services.models import ServiceItem

FINISHED = ("completed", "refused")
# A resembling group's rate this many times the item's, or more, is worth a look.
ELEVATED = 1.5


@dataclass(frozen=True)
class Past:
    uploads: frozenset[str]
    returned: bool
    refused: bool
    reasons: tuple[str, ...]


class RiskHint(BaseModel):
    case: str
    basis: str = Field(description="What 'resembling' meant for this case")
    similar_cases: int
    returned_rate: float | None
    refused_rate: float | None
    item_returned_rate: float | None
    item_refused_rate: float | None
    elevated: bool = Field(description="Resembling cases were returned or refused notably "
                                       "more often than the item's cases")
    reasons: list[str] = Field(description="Reasons given to resembling cases (each shared "
                                           f"by at least {MIN_GROUP} cases)")
    note: str


def hint(code: str, uploads: frozenset[str], past: Iterable[Past]) -> RiskHint:
    """Compare a case's uploads with the item's finished cases (pure)."""
    every = list(past)
    alike = [p for p in every if p.uploads == uploads]
    basis = ("same item, same materials uploaded: " + ", ".join(sorted(uploads))
             if uploads else "same item, every material fetched by sharing")

    def rates(group: list[Past]) -> tuple[float | None, float | None]:
        if len(group) < MIN_GROUP:
            return None, None
        return (round(sum(p.returned for p in group) / len(group), 4),
                round(sum(p.refused for p in group) / len(group), 4))

    returned, refused = rates(alike)
    item_returned, item_refused = rates(every)
    reasons = Counter(r for p in alike for r in p.reasons)
    shown = [r for r, n in reasons.most_common() if n >= MIN_GROUP]
    elevated = bool(
        returned is not None and item_returned is not None and refused is not None
        and item_refused is not None
        and (returned > ELEVATED * item_returned or refused > ELEVATED * item_refused))
    if len(alike) < MIN_GROUP:
        note = f"fewer than {MIN_GROUP} past cases resemble this one: nothing to compare"
        similar = 0
    else:
        note = ("a hint from past cases, not a decision: check the reasons against this "
                "case's own materials")
        similar = len(alike)
    return RiskHint(case=code, basis=basis, similar_cases=similar, returned_rate=returned,
                    refused_rate=refused, item_returned_rate=item_returned,
                    item_refused_rate=item_refused, elevated=elevated, reasons=shown,
                    note=note)


def _may_read(actor: Actor, item: ServiceItem) -> bool:
    if allows(actor.permissions, Permission.CASE_READ):
        return True
    return any(allows(actor.permissions, Permission.CASE_DECIDE, actor_org_id=actor.organization_id,
                      target_org_id=org)
               for org in {item.lead_org_id, *(item.participating_org_ids or [])})


def risk_hints(ctx: Ctx, actor: Actor, code: str) -> RiskHint:
    """The hint for one case (see the module docstring for who may ask)."""
    case = find_case(ctx, code)
    item = ctx.db.scalar(select(ServiceItem).where(ServiceItem.code == case.item_code))
    if item is None or not _may_read(actor, item):
        raise PermissionDenied(Permission.CASE_DECIDE.value,
                               "risk hints are for the departments doing the item's tasks")
    uploads = frozenset(ctx.db.scalars(select(CaseMaterial.key).where(
        CaseMaterial.case_id == case.id, CaseMaterial.status == "uploaded")))
    rows = ctx.db.execute(select(Case.id, Case.state).where(
        Case.item_code == case.item_code, Case.state.in_(FINISHED), Case.id != case.id,
        Case.applicant_id != case.applicant_id)).all()
    ids = [r[0] for r in rows]
    ups: dict[int, set[str]] = {i: set() for i in ids}
    returned: set[int] = set()
    reasons: dict[int, list[str]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), 2000):
        part = ids[chunk:chunk + 2000]
        for cid, key in ctx.db.execute(select(CaseMaterial.case_id, CaseMaterial.key).where(
                CaseMaterial.case_id.in_(part), CaseMaterial.status == "uploaded")):
            ups[cid].add(key)
        for cid, kind, detail in ctx.db.execute(select(
                CaseEvent.case_id, CaseEvent.kind, CaseEvent.detail).where(
                CaseEvent.case_id.in_(part), CaseEvent.kind.in_(("returned", "refused")))):
            if kind == "returned":
                returned.add(cid)
            text = str((detail or {}).get("opinion") or "").strip()
            if text:
                reasons[cid].append(text)
    past = [Past(frozenset(ups[i]), i in returned, state == "refused", tuple(reasons[i]))
            for i, state in rows]
    return hint(case.code, uploads, past)
