"""Use cases: issue, revoke, list, read and verify electronic certificates (电子证照).

Issuance by hand (`issue_certificate`) by an officer with the right to issue for the
issuing organization, checked by the rules of `rules.py` (all problems at once):
1. the type is one of the issuer's published certificate-type datasets (by resource code
   or exact name), and its name is the certificate's; the holder is a valid citizen ID or
   credit code of the kind the type's subject key is for, registered (persons,
   companies) under the name given;
2. a ground: a case (`case`: accepted or in progress, of a service item whose outcome or
   materials include the type, whose applicant or created enterprise is the holder) -
   then it is issued at once - or, without a case, a pending request that another
   officer of the issuing department approves (`requests.py`, four eyes);
3. `seal_and_record`: numbered (identifier = type code + issuer credit code + year +
   sequence + check character, `identifier.py`; the organization row is locked while
   numbering), sealed twice (the VC 2.0 JSON as a compact JWS with the issuer's seal,
   typ "vc+jwt", and a PDF with a PAdES signature by the issuer's P-256 PDF seal),
   ledgered ("certificate.issued", subjects = [holder], with its case or approval) and
   ingested as a row of its certificate-type dataset, so the exchange serves it at once.
A case's process issues its outcome through `issue_for_case_process` (same rules).

Reading: a certificate the caller may not read answers exactly like one that does not
exist (NotFound), so its existence is not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import func, or_, select

from govbridge.catalog.models import Dataset
from govbridge.certificates import pdf, rules
from govbridge.certificates.identifier import make_identifier, type_code_for
from govbridge.certificates.models import Certificate
from govbridge.certificates.schemas import (
    CertificateIn,
    CertificateOut,
    IssuanceRequestOut,
    Verdict,
)
from govbridge.certificates.vc import (
    VC_TYP,
    build_vc,
    iso,
    mask_holder_id,
    mask_holder_name,
    verify_url,
)
from govbridge.certificates.verify import KnownStatus, holder_kind_of, verify_bytes
from govbridge.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from govbridge.core.identifiers import validate_citizen_id, validate_credit_code
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.ledger import log
from govbridge.registry.models import Company, Person
from govbridge.runtime import Ctx
from govbridge.seals.jws import seal_json
from govbridge.seals.models import SealKey
from govbridge.seals.usecases import ca_certificate_pem, pdf_signer_for, signer_for

MAX_PDF_BYTES = 5 * 1_048_576


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _out(ctx: Ctx, row: Certificate) -> CertificateOut:
    org = ctx.db.get(Organization, row.issuer_org_id)
    assert org is not None
    return CertificateOut(
        id=row.id, identifier=row.identifier, certificate_type=row.certificate_type,
        type_name=row.type_name, holder_kind=row.holder_kind, holder_id=row.holder_id,
        holder_name=row.holder_name, issuer_code=org.code, issuer_name=org.name,
        number=row.number, valid_from=row.valid_from, valid_until=row.valid_until,
        data=row.data, status=row.status,  # type: ignore[arg-type]
        revoked_at=row.revoked_at, revoked_by=row.revoked_by, revoke_reason=row.revoke_reason,
        created_by=row.created_by, created_at=row.created_at, ledger_leaf=row.ledger_leaf,
        case_code=row.case_code, verify_url=verify_url(ctx.settings.public_url, row.identifier),
    )


def _holder_kind(holder_id: str) -> str:
    kind = holder_kind_of(holder_id)
    if kind == "person":
        validate_citizen_id(holder_id, "holder_id")
    else:
        try:
            validate_credit_code(holder_id, "holder_id")
        except InvalidInput as exc:
            raise InvalidInput.one("holder_id", "not a valid citizen ID or credit code",
                                   holder_id, "checksum") from exc
    return kind


def issuer_of(ctx: Ctx, actor: Actor, issuer_org: str | None) -> Organization:
    """The issuing organization: the one named, else the actor's own."""
    if issuer_org:
        return referenced_organization(ctx, issuer_org, "issuer_org")
    if actor.organization_id is not None:
        org = ctx.db.get(Organization, actor.organization_id)
        if org is None:
            raise NotFound("organization", actor.organization_id)
        return org
    raise InvalidInput.one("issuer_org", "name the issuing organization", None, "required")


def certificate_type_of(ctx: Ctx, ref: str, org: Organization) -> Dataset:
    """One of `org`'s published certificate types, by resource code or exact name."""
    ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == ref))
    if ds is None:
        ds = ctx.db.scalar(select(Dataset).where(
            Dataset.provider_id == org.id, Dataset.name == ref,
            Dataset.certificate_type.is_(True), Dataset.published_version.is_not(None))
            .order_by(Dataset.id).limit(1))
    if ds is None or not ds.certificate_type:
        raise InvalidInput.one("certificate_type", "no certificate type has this code or name",
                               ref, "unknown")
    if ds.provider_id != org.id:
        raise InvalidInput.one("certificate_type",
                               "the certificate type is published by another organization", ref,
                               "wrong_organization")
    if ds.published_version is None:
        raise InvalidInput.one("certificate_type", "the certificate type is not published", ref,
                               "not_published")
    return ds


def registered_name(ctx: Ctx, kind: str, holder_id: str) -> str | None:
    """The holder's name in the registry (persons, companies); None when not registered."""
    row = ctx.db.get(Person if kind == "person" else Company, holder_id)
    return row.name if row is not None else None


def case_facts(ctx: Ctx, code: str) -> rules.CaseFacts:
    """What the case rule needs of the case `code`, its item and what it created."""
    from govbridge.cases.models import Case
    from govbridge.services.models import ServiceItem

    case = ctx.db.scalar(select(Case).where(Case.code == code))
    if case is None:
        raise InvalidInput.one("case", "no case has this code", code, "unknown")
    item = ctx.db.scalar(select(ServiceItem).where(ServiceItem.code == case.item_code))
    outcome = (item.outcome or {}) if item else {}
    codes = rules.item_types(outcome.get("certificate_type"),
                             (m.get("resource_code") for m in (item.materials or [])) if item
                             else ())
    created = {holder: name for holder, name in ctx.db.execute(
        select(Certificate.holder_id, Certificate.holder_name).where(
            Certificate.case_code == code, Certificate.holder_id != case.applicant_id))}
    return rules.CaseFacts(code=case.code, state=case.state, applicant_id=case.applicant_id,
                           item_types=codes, created=created)


@dataclass(frozen=True)
class Checked:
    """An issuance input that passed every rule, with what the rules looked up."""

    org: Organization
    dataset: Dataset
    type_name: str
    kind: str
    case: rules.CaseFacts | None


def check_issuance(ctx: Ctx, org: Organization, data: CertificateIn, *,
                   case: rules.CaseFacts | None = None, by_process: bool = False,
                   type_name: str | None = None) -> Checked:
    """Every rule of `rules.py` on this input; all problems at once. `type_name` (the
    process's configured name) replaces the rule that the name is the type's own."""
    kind = _holder_kind(data.holder_id)
    dataset = certificate_type_of(ctx, data.certificate_type, org)
    problems = [p for p in (
        None if type_name else rules.type_name_problem(dataset.name, data.type_name),
        rules.kind_problem(rules.holder_kind_of_type(dataset.subject_type), kind, dataset.name),
    ) if p is not None]
    if case is None or data.holder_id not in case.created:
        problem = rules.registry_problem(registered_name(ctx, kind, data.holder_id),
                                         data.holder_name, kind)
        if problem is not None:
            problems.append(problem)
    if case is not None:
        problems += rules.case_problems(case, dataset.resource_code, data.holder_id,
                                        data.holder_name, by_process=by_process)
    if problems:
        raise InvalidInput(problems)
    return Checked(org=org, dataset=dataset, type_name=type_name or dataset.name, kind=kind,
                   case=case)


def issue_certificate(ctx: Ctx, actor: Actor,
                      data: CertificateIn) -> CertificateOut | IssuanceRequestOut:
    """Issue a certificate by hand: on its case at once (see the module's steps), or,
    without a case, as a pending request for another officer's approval (`requests.py`)."""
    org = issuer_of(ctx, actor, data.issuer_org)
    require(actor, Permission.CERT_ISSUE, organization_id=org.id)
    if data.case is None:
        from govbridge.certificates.requests import record_request

        return record_request(ctx, actor, check_issuance(ctx, org, data), data)
    checked = check_issuance(ctx, org, data, case=case_facts(ctx, data.case))
    return seal_and_record(ctx, checked, data, by=actor.label)


def issue_for_case_process(ctx: Ctx, actor: Actor, data: CertificateIn, *, type_name: str,
                           applicant_id: str, new_enterprise: bool) -> CertificateOut:
    """The case's process issues its outcome (`cases/issuance.py`): the same rules, on
    its case, which may be completing with this very step; a `new_enterprise` holder is
    the enterprise the case creates (not registered yet, and never an existing company)."""
    assert data.case is not None
    org = issuer_of(ctx, actor, data.issuer_org)
    require(actor, Permission.CERT_ISSUE, organization_id=org.id)
    case = case_facts(ctx, data.case)
    if new_enterprise:
        if registered_name(ctx, "enterprise", data.holder_id) is not None:
            raise InvalidInput.one("holder_id", "a new enterprise cannot take a registered "
                                   "company's credit code", data.holder_id, "registered")
        case = replace(case, created={**case.created, data.holder_id: data.holder_name})
    checked = check_issuance(ctx, org, data, case=case, by_process=True, type_name=type_name)
    return seal_and_record(ctx, checked, data, by=actor.label, applicant_id=applicant_id)


def _next_sequence(ctx: Ctx, org: Organization, year: int) -> int:
    ctx.db.scalar(select(Organization).where(Organization.id == org.id).with_for_update())
    count = ctx.db.scalar(
        select(func.count()).select_from(Certificate).where(
            Certificate.issuer_org_id == org.id,
            Certificate.created_at >= datetime(year, 1, 1, tzinfo=UTC),
            Certificate.created_at < datetime(year + 1, 1, 1, tzinfo=UTC),
        )
    )
    return int(count or 0) + 1


def seal_and_record(ctx: Ctx, checked: Checked, data: CertificateIn, *, by: str,
                    applicant_id: str | None = None,
                    approval: int | None = None) -> CertificateOut:
    """Number, seal (VC and PDF), store, ledger and share a checked certificate. Only the
    use cases call it, after `check_issuance` and on a ground: a case or an approval."""
    org, type_name = checked.org, checked.type_name
    case_code = checked.case.code if checked.case else None
    if checked.case is not None and applicant_id is None:
        applicant_id = checked.case.applicant_id
    now = ctx.now().astimezone(UTC).replace(microsecond=0)
    valid_from = _utc(data.valid_from) if data.valid_from else now
    valid_until = _utc(data.valid_until) if data.valid_until else None
    if valid_until is not None and valid_until <= valid_from:
        raise InvalidInput.one("valid_until", "must be after valid_from", iso(valid_until),
                               "range")
    resource_code = checked.dataset.resource_code
    year = now.year
    identifier = make_identifier(data.type_code or type_code_for(type_name), org.code,
                                 year, _next_sequence(ctx, org, year))
    number = data.number or identifier
    vc = build_vc(identifier=identifier, type_name=type_name,
                  certificate_type=resource_code, issuer_code=org.code,
                  issuer_name=org.name, holder_id=data.holder_id,
                  holder_name=data.holder_name, number=number, valid_from=valid_from,
                  valid_until=valid_until, data=data.data, base_url=ctx.settings.public_url)
    token = seal_json(signer_for(ctx, org.id), vc, typ=VC_TYP)
    sheet = pdf.Sheet(
        identifier=identifier, type_name=type_name, holder_name=data.holder_name,
        holder_id=data.holder_id, issuer_name=org.name, number=number,
        valid_from=valid_from.date().isoformat(),
        valid_until=valid_until.date().isoformat() if valid_until else "长期 (no expiry)",
        lines=[(str(k), str(v)) for k, v in data.data.items()][:12],
        verify_url=verify_url(ctx.settings.public_url, identifier), vc_jws=token)
    seal = pdf_signer_for(ctx, org.id)
    signed_pdf = pdf.sign(pdf.render(sheet), seal, kid_label=seal.kid)
    row = Certificate(
        identifier=identifier, certificate_type=resource_code,
        type_name=type_name, holder_kind=checked.kind, holder_id=data.holder_id,
        holder_name=data.holder_name, issuer_org_id=org.id, number=number,
        valid_from=valid_from, valid_until=valid_until, data=data.data, vc_jws=token,
        pdf=signed_pdf, status="valid", created_by=by, created_at=ctx.now(),
        case_code=case_code, applicant_id=applicant_id,
    )
    ctx.db.add(row)
    ctx.db.flush()
    receipt = log.append(ctx, "certificate.issued", {
        "identifier": identifier, "type": type_name,
        "certificate_type": resource_code, "issuer": org.code,
        "valid_from": iso(valid_from), "valid_until": iso(valid_until) if valid_until else None,
        "case": case_code, "approval": approval,
    }, subjects=[data.holder_id])
    row.ledger_leaf = receipt.leaf_index
    _share(ctx, org, checked.dataset, data)
    ctx.emit("certificates.issued", {"identifier": identifier, "issuer": org.code})
    return _out(ctx, row)


def _share(ctx: Ctx, org: Organization, dataset: Dataset, data: CertificateIn) -> None:
    """The certificate's data as a row of its certificate-type dataset (the next service
    reads it through the exchange); a row the dataset rejects refuses the issuance."""
    from govbridge.ingest.pipeline import ingest_rows

    row = dict(data.data)
    if dataset.subject_field:
        row.setdefault(dataset.subject_field, data.holder_id)
    # Issuance is already authorised; this internal step may only feed the issuer's data.
    feeder = Actor(kind="operator", name="certificates", organization_id=org.id,
                   permissions=frozenset({Permission.DATA_INGEST_OWN_ORG}))
    report = ingest_rows(ctx, feeder, dataset.resource_code, [row], source="rest")
    if report.rejected:  # name each field and value the dataset's rules refused
        raise InvalidInput([
            FieldProblem(f"data.{p.field}", f"{p.reason} (dataset {dataset.resource_code})",
                         p.value, p.rule)
            for p in report.problems] or FieldProblem(
            "data", f"the certificate's data does not fit its dataset {dataset.resource_code}",
            None, "dataset_rejected"))


def _readable_row(ctx: Ctx, actor: Actor, certificate_id: int) -> Certificate:
    """The certificate, if the actor may read it; otherwise the very answer a missing one
    gets, so a caller cannot learn which certificates exist."""
    row = ctx.db.get(Certificate, certificate_id)
    if row is None or not _may_read(actor, row):
        raise NotFound("certificate", certificate_id)
    return row


def revoke_certificate(ctx: Ctx, actor: Actor, certificate_id: int,
                       reason: str) -> CertificateOut:
    row = _readable_row(ctx, actor, certificate_id)
    require(actor, Permission.CERT_REVOKE, organization_id=row.issuer_org_id)
    if row.status == "revoked":
        raise Conflict(f"certificate {row.identifier} is already revoked", "id", certificate_id)
    reason = reason.strip()
    if not reason:
        raise InvalidInput.one("reason", "give a reason", reason, "required")
    row.status = "revoked"
    row.revoked_at = ctx.now()
    row.revoked_by = actor.label
    row.revoke_reason = reason[:500]
    org = ctx.db.get(Organization, row.issuer_org_id)
    log.append(ctx, "certificate.revoked", {
        "identifier": row.identifier, "issuer": org.code if org else None,
        "reason": row.revoke_reason,
    }, subjects=[row.holder_id])
    ctx.emit("certificates.revoked", {"identifier": row.identifier})
    return _out(ctx, row)


def _may_read(actor: Actor, row: Certificate) -> bool:
    if Permission.CERT_ISSUE in actor.permissions or Permission.CERT_REVOKE in actor.permissions:
        return True
    if actor.subject_id is not None and actor.subject_id in (row.holder_id, row.applicant_id):
        return True
    return actor.organization_id == row.issuer_org_id and (
        Permission.CERT_ISSUE_OWN_ORG in actor.permissions
        or Permission.CERT_REVOKE_OWN_ORG in actor.permissions)


def list_certificates(ctx: Ctx, actor: Actor, *, holder_id: str | None = None,
                      limit: int = 200) -> list[CertificateOut]:
    """Certificates the actor may see: everything with the platform-wide permissions, an
    issuer's own with the own-org ones, a holder's own (`subject_id`)."""
    stmt = select(Certificate).order_by(Certificate.id.desc()).limit(min(limit, 1000))
    if holder_id:
        stmt = stmt.where(Certificate.holder_id == holder_id)
    if not ({Permission.CERT_ISSUE, Permission.CERT_REVOKE} & actor.permissions):
        if actor.organization_id is not None and (
            {Permission.CERT_ISSUE_OWN_ORG, Permission.CERT_REVOKE_OWN_ORG}
            & actor.permissions
        ):
            stmt = stmt.where(Certificate.issuer_org_id == actor.organization_id)
        elif actor.subject_id is not None:
            stmt = stmt.where(or_(Certificate.holder_id == actor.subject_id,
                                  Certificate.applicant_id == actor.subject_id))
        else:
            raise PermissionDenied(Permission.CERT_ISSUE.value)
    return [_out(ctx, row) for row in ctx.db.scalars(stmt)]


def get_certificate(ctx: Ctx, actor: Actor, certificate_id: int) -> CertificateOut:
    row = _readable_row(ctx, actor, certificate_id)
    return _out(ctx, row)


def certificate_pdf(ctx: Ctx, actor: Actor, certificate_id: int) -> tuple[str, bytes]:
    """(identifier, sealed PDF bytes)."""
    row = _readable_row(ctx, actor, certificate_id)
    return row.identifier, row.pdf


def certificate_vc(ctx: Ctx, actor: Actor, certificate_id: int) -> tuple[str, str]:
    """(identifier, sealed VC compact JWS)."""
    row = _readable_row(ctx, actor, certificate_id)
    return row.identifier, row.vc_jws


def _lookup(ctx: Ctx):  # type: ignore[no-untyped-def]
    def known(identifier: str) -> KnownStatus | None:
        row = ctx.db.scalar(select(Certificate).where(Certificate.identifier == identifier))
        if row is None:
            return None
        return KnownStatus(row.status, row.revoked_at, row.revoke_reason,
                           issued_at=_utc(row.created_at))

    return known


def verify_document(ctx: Ctx, data: bytes, *, at: datetime | None = None) -> Verdict:
    """Public verification (no actor): the uploaded PDF or JSON against this installation's
    CA and its record of revocations."""
    if len(data) > MAX_PDF_BYTES:
        raise InvalidInput.one("file", "larger than 5 MB", None, "too_large")
    revoked = set(ctx.db.scalars(select(SealKey.kid).where(SealKey.status == "revoked")))
    return verify_bytes(data, ca_pem=ca_certificate_pem(ctx), at=_utc(at or ctx.now()),
                        lookup=_lookup(ctx), revoked_kids=revoked)


def status_page(ctx: Ctx, identifier: str, *, at: datetime | None = None) -> Verdict:
    """What the QR code opens: the recorded certificate's status, holder masked."""
    row = ctx.db.scalar(select(Certificate).where(Certificate.identifier == identifier))
    if row is None:
        return Verdict(status="unknown", identifier=identifier[:40],
                       reasons=["no certificate with this identifier was issued here"])
    org = ctx.db.get(Organization, row.issuer_org_id)
    when = _utc(at or ctx.now())
    status = row.status
    reasons = [f"revoked: {row.revoke_reason}"] if status == "revoked" else []
    if status == "valid" and row.valid_until is not None and when > _utc(row.valid_until):
        status = "expired"
        reasons = [f"expired at {row.valid_until.isoformat()}"]
    return Verdict(status=status,  # type: ignore[arg-type]
                   identifier=row.identifier, type_name=row.type_name,
                   issuer_code=org.code if org else None, issuer_name=org.name if org else None,
                   holder_id=mask_holder_id(row.holder_kind, row.holder_id),
                   holder_name=mask_holder_name(row.holder_kind, row.holder_name),
                   valid_from=row.valid_from, valid_until=row.valid_until,
                   revoked_at=row.revoked_at, reasons=reasons)


