"""A service-item purpose names a real case: the read is refused before anything is read
unless the case exists, is of that item, is open (or closed at most 30 days ago), the
calling department takes part in the item, and every subject asked for is the case's
applicant or a holder of a certificate the case issued (the new company of 企业开办).

Why: "for 企业开办" is a claim any officer can type; the case is the fact behind it. A
query for a person who has no such case is what an officer browsing citizens' data looks
like, so it is refused with 403 — a flag raised afterwards (`anomaly.no_case_flag`) would
come after the data had already left. Reads by filter are refused too: a case is about
its subjects, and a filter names none. The case code is written into the ledger entry's
purpose, so the citizen's access log shows which of their cases each read served.

`binding_problem` is the rule (pure, no I/O); `check` reads the case's facts in one
statement and applies it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from govbridge.core.errors import DomainError
from govbridge.runtime import Ctx

OPEN_STATES = frozenset({"submitted", "accepted", "in_progress"})
CLOSED_WINDOW = timedelta(days=30)  # a closed case still explains reads this long after


class PurposeNotBound(DomainError):
    """A service-item purpose that does not name a case this read can serve; `reason` says
    which check failed, stably: case_not_found, wrong_item, case_closed,
    not_an_item_department, filter_not_allowed, subject_not_in_case."""

    status = 403
    type_slug = "purpose-not-bound"
    title = "The purpose does not name a case this read serves"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {"reason": self.reason}


@dataclass(frozen=True)
class CaseFacts:
    """What the rule needs to know of a case."""

    code: str
    item_code: str
    state: str
    closed_at: datetime | None
    departments: frozenset[int]  # the item's lead and participating organizations
    subjects: frozenset[str]  # the applicant and the holders of the case's certificates


def binding_problem(case: CaseFacts | None, *, case_code: str, item_code: str,
                    consumer_id: int, subject_ids: Sequence[str] | None,
                    filtered: bool, now: datetime) -> PurposeNotBound | None:
    """Why this read may not be made for this case, or None. Pure.

    The subjects are never echoed: a refusal must not confirm a guessed ID.
    """
    if case is None:
        return PurposeNotBound("case_not_found", f"no case {case_code}")
    if case.item_code != item_code:
        return PurposeNotBound("wrong_item", f"case {case.code} is not a case of service "
                               f"item {item_code}")
    closed = case.closed_at  # aware: read through storage.base.UTCDateTime
    if case.state not in OPEN_STATES and (closed is None or now - closed > CLOSED_WINDOW):
        return PurposeNotBound("case_closed", f"case {case.code} is {case.state}; a closed "
                               f"case explains reads for {CLOSED_WINDOW.days} days")
    if consumer_id not in case.departments:
        return PurposeNotBound("not_an_item_department", "the calling department takes no "
                               f"part in service item {item_code}")
    if filtered or not subject_ids:
        return PurposeNotBound("filter_not_allowed", "a read for a case names the case's "
                               "subjects (subject_ids), not a filter")
    wanted = {s.strip().upper() for s in subject_ids}
    if not wanted <= case.subjects:
        return PurposeNotBound("subject_not_in_case", "a read for a case may name only the "
                               f"applicant of case {case.code} (or what the case issued to)")
    return None


def case_facts(ctx: Ctx, case_code: str) -> CaseFacts | None:
    """The case's facts, read in one statement (and its certificates' holders)."""
    from govbridge.cases.models import Case
    from govbridge.certificates.models import Certificate
    from govbridge.services.models import ServiceItem

    row = ctx.db.execute(
        select(Case.code, Case.item_code, Case.state, Case.applicant_id, Case.completed_at,
               Case.updated_at, ServiceItem.lead_org_id, ServiceItem.participating_org_ids)
        .outerjoin(ServiceItem, ServiceItem.code == Case.item_code)
        .where(Case.code == case_code)).first()
    if row is None:
        return None
    holders = ctx.db.scalars(select(Certificate.holder_id)
                             .where(Certificate.case_code == case_code)).all()
    departments = {int(o) for o in (row.participating_org_ids or [])}
    if row.lead_org_id is not None:
        departments.add(int(row.lead_org_id))
    closed_at = None if row.state in OPEN_STATES else (row.completed_at or row.updated_at)
    return CaseFacts(code=row.code, item_code=row.item_code, state=row.state,
                     closed_at=closed_at, departments=frozenset(departments),
                     subjects=frozenset(s.strip().upper() for s in [row.applicant_id, *holders]
                                        if s))


def check(ctx: Ctx, purpose: Mapping[str, object], *, consumer_id: int,
          subject_ids: Sequence[str] | None, filtered: bool) -> None:
    """Raise PurposeNotBound unless a service-item purpose names a case this read serves."""
    if purpose.get("kind") != "service_item":
        return
    case_code = str(purpose.get("case") or "")
    problem = binding_problem(case_facts(ctx, case_code), case_code=case_code,
                              item_code=str(purpose.get("code") or ""),
                              consumer_id=consumer_id, subject_ids=subject_ids,
                              filtered=filtered, now=ctx.now())
    if problem is not None:
        raise problem
