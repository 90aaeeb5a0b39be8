"""A case's process issues its outcome certificate (电子证照) by itself.

After every step of a case's process, `issue_due` looks at the item's outcome: when its
service task has run (or, without a task, when the case is completed), the department
of that task's lane (the lead department by default) issues the certificate through
`certificates.issue_for_case_process` — the rules of a certificate on a case (its type
one of the issuer's published certificate types, for the holder's kind; the holder the
case's applicant, as registered, or the enterprise the case creates), sealed VC and PAdES
PDF, ledgered, and a row of its certificate-type dataset, so the next service fetches it
by sharing. At most one outcome certificate per case: a step repeated after a return does
not issue twice (a certificate an officer issued by hand on the case does not count).
An outcome without a certificate type issues nothing: the step is refused, naming it.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import select

from govbridge.cases import outcome as rules
from govbridge.cases.models import Case
from govbridge.certificates.models import Certificate
from govbridge.certificates.schemas import CertificateIn, CertificateOut
from govbridge.certificates.usecases import issue_for_case_process
from govbridge.core.errors import InvalidInput
from govbridge.core.permissions import Permission
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import org_by_code
from govbridge.registry.models import Company
from govbridge.runtime import Ctx
from govbridge.services.engine import ProcessRun
from govbridge.services.models import ServiceItem

DEFAULT_DIVISION = "320500"


def _issuer(ctx: Ctx, item: ServiceItem, run: ProcessRun, task: str | None) -> Organization:
    lane = next((t.department for t in run.completed_service_tasks() if t.bpmn_id == task),
                None) if task else None
    org = org_by_code(ctx, lane) if lane else None
    if org is None:
        org = ctx.db.get(Organization, item.lead_org_id)
    assert org is not None
    return org


def _holder_id(ctx: Ctx, case: Case, rule: str, org: Organization) -> str:
    if rule != "new_enterprise":
        return case.applicant_id
    division = org.division_code or DEFAULT_DIVISION
    for attempt in range(20):
        code = rules.new_enterprise_code(case.code, division, attempt)
        taken = ctx.db.scalar(select(Certificate.id).where(Certificate.holder_id == code)
                              .limit(1)) or ctx.db.get(Company, code)
        if taken is None:
            return code
    raise RuntimeError("no free credit code for the new enterprise")  # 31^8 codes: unreachable


def already_issued(ctx: Ctx, case: Case, outcome: dict[str, Any] | None = None) -> bool:
    """Whether a certificate of the outcome's type (of any type, without an outcome) was
    issued on the case."""
    stmt = select(Certificate.id).where(Certificate.case_code == case.code)
    if outcome:
        stmt = stmt.where(Certificate.certificate_type == outcome.get("certificate_type"))
    return ctx.db.scalar(stmt.limit(1)) is not None


def issue_due(ctx: Ctx, case: Case, item: ServiceItem, run: ProcessRun,
              by: str) -> CertificateOut | None:
    """Issue the item's outcome certificate if the process has reached it (once per case)."""
    outcome = item.outcome
    if not outcome:
        return None
    done = [t.bpmn_id for t in run.completed_service_tasks()]
    # The pure check first: most steps are not the issuing one and need no query.
    if not rules.due_now(outcome, done, case_completed=case.state == "completed"):
        return None
    if already_issued(ctx, case, outcome):
        return None
    org = _issuer(ctx, item, run, outcome.get("task"))
    facts = rules.CaseFacts(case_code=case.code, applicant_id=case.applicant_id,
                            applicant_name=case.applicant_name, form=case.form or {},
                            issuer_name=org.name, today=ctx.now().date())
    holder_id = _holder_id(ctx, case, str(outcome.get("holder", "applicant")), org)
    name = rules.holder_name(outcome, facts)
    years = outcome.get("valid_years")
    now = ctx.now().astimezone(UTC)
    # The process acts for the issuing department, with nothing but the right to issue.
    issuer = Actor(kind="operator", name=f"case {case.code} ({by})", organization_id=org.id,
                   permissions=frozenset({Permission.CERT_ISSUE_OWN_ORG}))
    until = now + timedelta(days=365 * int(years)) if years else None
    data = rules.certificate_data(outcome, facts, holder_id, name)
    if not outcome.get("certificate_type"):
        raise InvalidInput.one("outcome.certificate_type", "the item's outcome names no "
                               "certificate type; set one of the issuing department's "
                               "published certificate types", item.code, "required")
    return issue_for_case_process(ctx, issuer, CertificateIn(
        certificate_type=outcome["certificate_type"], holder_id=holder_id, holder_name=name,
        case=case.code, valid_until=until, data=data,
    ), type_name=outcome["type_name"], applicant_id=case.applicant_id,
        new_enterprise=str(outcome.get("holder", "applicant")) == "new_enterprise")


def case_certificates(ctx: Ctx, case: Case) -> list[Certificate]:
    return list(ctx.db.scalars(select(Certificate).where(Certificate.case_code == case.code)
                               .order_by(Certificate.id)))
