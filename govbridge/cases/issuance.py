"""A case's process issues its outcome certificate (电子证照) by itself.

After every step of a case's process, `issue_due` looks at the item's outcome: when its
service task has run (or, without a task, when the case is completed), the department
of that task's lane (the lead department by default) issues the certificate through
`certificates.issue_certificate` — sealed VC and PAdES PDF, ledgered, and a row of its
certificate-type dataset, so the next service fetches it by sharing. At most one
certificate per case and outcome: a step repeated after a return does not issue twice.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select

from govbridge.cases import outcome as rules
from govbridge.cases.models import Case
from govbridge.certificates.models import Certificate
from govbridge.certificates.schemas import CertificateIn, CertificateOut
from govbridge.certificates.usecases import issue_certificate
from govbridge.core.permissions import Permission
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import org_by_code
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
                              .limit(1))
        if taken is None:
            return code
    raise RuntimeError("no free credit code for the new enterprise")  # 31^8 codes: unreachable


def already_issued(ctx: Ctx, case: Case) -> bool:
    return ctx.db.scalar(select(Certificate.id).where(Certificate.case_code == case.code)
                         .limit(1)) is not None


def issue_due(ctx: Ctx, case: Case, item: ServiceItem, run: ProcessRun,
              by: str) -> CertificateOut | None:
    """Issue the item's outcome certificate if the process has reached it (once per case)."""
    outcome = item.outcome
    if not outcome or already_issued(ctx, case):
        return None
    done = [t.bpmn_id for t in run.completed_service_tasks()]
    if not rules.due_now(outcome, done, case_completed=case.state == "completed"):
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
    return issue_certificate(ctx, issuer, CertificateIn(
        type_name=outcome["type_name"], certificate_type=outcome.get("certificate_type"),
        holder_id=holder_id, holder_name=name,
        valid_until=now + timedelta(days=365 * int(years)) if years else None,
        data=rules.certificate_data(outcome, facts, holder_id, name),
    ), case_code=case.code, applicant_id=case.applicant_id)


def case_certificates(ctx: Ctx, case: Case) -> list[Certificate]:
    return list(ctx.db.scalars(select(Certificate).where(Certificate.case_code == case.code)
                               .order_by(Certificate.id)))
