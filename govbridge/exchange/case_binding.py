"""A service-item purpose names a real case: the read is refused before anything is read
unless the case exists, is of that item, is open (or closed at most 30 days ago), the
calling department takes part in the item, and every subject asked for is the case's
applicant or a holder of a certificate the case issued (the new company of 企业开办).

The order of the checks is what a refusal may tell: first whether the calling department
takes part in the named item at all (public: items are the city's guide), and only then
anything about the case. A department outside the item learns nothing of which case codes
exist; a department of the item, which sees the item's cases anyway, learns whether the code
is a case of that item (one reason, `case_not_found`, whether the code is unknown or belongs
to another item's case), open or closed.

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
    which check failed, stably: not_an_item_department, case_not_found, case_closed,
    filter_not_allowed, subject_not_in_case."""

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
    subjects: frozenset[str]  # the applicant and the holders of the case's certificates


def binding_problem(case: CaseFacts | None, *, case_code: str, item_code: str,
                    item_departments: frozenset[int] | None, consumer_id: int,
                    subject_ids: Sequence[str] | None, filtered: bool,
                    now: datetime) -> PurposeNotBound | None:
    """Why this read may not be made for this case, or None. Pure. `item_departments`: the
    named item's lead and participating organizations (None: no such item).

    The subjects are never echoed: a refusal must not confirm a guessed ID.
    """
    if item_departments is None or consumer_id not in item_departments:
        return PurposeNotBound("not_an_item_department", "the calling department takes no "
                               f"part in service item {item_code}")
    if case is None or case.item_code != item_code:
        return PurposeNotBound("case_not_found", f"no case {case_code} of service item "
                               f"{item_code}")
    closed = case.closed_at  # aware: read through storage.base.UTCDateTime
    if case.state not in OPEN_STATES and (closed is None or now - closed > CLOSED_WINDOW):
        return PurposeNotBound("case_closed", f"case {case.code} is {case.state}; a closed "
                               f"case explains reads for {CLOSED_WINDOW.days} days")
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

    row = ctx.db.execute(
        select(Case.code, Case.item_code, Case.state, Case.applicant_id, Case.completed_at,
               Case.updated_at).where(Case.code == case_code)).first()
    if row is None:
        return None
    holders = ctx.db.scalars(select(Certificate.holder_id)
                             .where(Certificate.case_code == case_code)).all()
    closed_at = None if row.state in OPEN_STATES else (row.completed_at or row.updated_at)
    return CaseFacts(code=row.code, item_code=row.item_code, state=row.state,
                     closed_at=closed_at,
                     subjects=frozenset(s.strip().upper() for s in [row.applicant_id, *holders]
                                        if s))


def item_departments(ctx: Ctx, item_code: str) -> frozenset[int] | None:
    """The item's lead and participating organizations (None: no such item)."""
    from govbridge.services.models import ServiceItem

    row = ctx.db.execute(select(ServiceItem.lead_org_id, ServiceItem.participating_org_ids)
                         .where(ServiceItem.code == item_code)).first()
    if row is None:
        return None
    return frozenset({int(row.lead_org_id), *(int(o) for o in row.participating_org_ids or [])})


def check(ctx: Ctx, purpose: Mapping[str, object], *, consumer_id: int,
          subject_ids: Sequence[str] | None, filtered: bool) -> None:
    """Raise PurposeNotBound unless a service-item purpose names a case this read serves."""
    if purpose.get("kind") != "service_item":
        return
    case_code = str(purpose.get("case") or "")
    item_code = str(purpose.get("code") or "")
    departments = item_departments(ctx, item_code)
    facts = case_facts(ctx, case_code) if departments and consumer_id in departments else None
    problem = binding_problem(facts, case_code=case_code, item_code=item_code,
                              item_departments=departments, consumer_id=consumer_id,
                              subject_ids=subject_ids, filtered=filtered, now=ctx.now())
    if problem is not None:
        raise problem
