"""Use cases: issue, revoke, list, read and verify electronic certificates (电子证照).

Issuance (`issue_certificate`) by a data officer or approver of the issuing organization:
1. validate the holder (citizen ID or credit code) and, when a `certificate_type` resource
   code is given, that it is a published certificate-type dataset of the issuing org;
2. number it: identifier = type code + issuer credit code + year + sequence + check
   character (`identifier.py`); the sequence counts the issuer's certificates of the year
   (the organization row is locked while numbering);
3. seal it twice: the VC 2.0 JSON as a compact JWS with the issuer's seal (typ "vc+jwt"),
   and a PDF with a PAdES signature by the issuer's P-256 PDF seal;
4. ledger it ("certificate.issued", subjects = [holder]) and, for a certificate type,
   ingest its data as a row of that dataset, so the exchange serves it at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select

from govbridge.certificates import pdf
from govbridge.certificates.identifier import make_identifier, type_code_for
from govbridge.certificates.models import Certificate
from govbridge.certificates.schemas import CertificateIn, CertificateOut, Verdict
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
        verify_url=verify_url(ctx.settings.public_url, row.identifier),
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


def _certificate_dataset(ctx: Ctx, code: str, org: Organization):  # type: ignore[no-untyped-def]
    from govbridge.catalog.models import Dataset

    ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == code))
    if ds is None or not ds.certificate_type:
        raise InvalidInput.one("certificate_type", "no certificate-type dataset has this code",
                               code, "unknown")
    if ds.provider_id != org.id:
        raise InvalidInput.one("certificate_type",
                               "the dataset is published by another organization", code,
                               "wrong_organization")
    if ds.published_version is None:
        raise InvalidInput.one("certificate_type", "the dataset is not published", code,
                               "not_published")
    return ds


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


def issue_certificate(ctx: Ctx, actor: Actor, data: CertificateIn, *,
                      case_code: str | None = None,
                      applicant_id: str | None = None) -> CertificateOut:
    """Issue a certificate (see the module's steps); a case's process passes its case and
    applicant, who may then read the certificate whoever holds it."""
    if data.issuer_org:
        org = referenced_organization(ctx, data.issuer_org, "issuer_org")
    elif actor.organization_id is not None:
        org = ctx.db.get(Organization, actor.organization_id)
        if org is None:
            raise NotFound("organization", actor.organization_id)
    else:
        raise InvalidInput.one("issuer_org", "name the issuing organization", None, "required")
    require(actor, Permission.CERT_ISSUE, organization_id=org.id)
    kind = _holder_kind(data.holder_id)
    now = ctx.now().astimezone(UTC).replace(microsecond=0)
    valid_from = _utc(data.valid_from) if data.valid_from else now
    valid_until = _utc(data.valid_until) if data.valid_until else None
    if valid_until is not None and valid_until <= valid_from:
        raise InvalidInput.one("valid_until", "must be after valid_from", iso(valid_until),
                               "range")
    dataset = (_certificate_dataset(ctx, data.certificate_type, org)
               if data.certificate_type else None)
    year = now.year
    identifier = make_identifier(data.type_code or type_code_for(data.type_name), org.code,
                                 year, _next_sequence(ctx, org, year))
    number = data.number or identifier
    vc = build_vc(identifier=identifier, type_name=data.type_name,
                  certificate_type=data.certificate_type, issuer_code=org.code,
                  issuer_name=org.name, holder_id=data.holder_id,
                  holder_name=data.holder_name, number=number, valid_from=valid_from,
                  valid_until=valid_until, data=data.data, base_url=ctx.settings.public_url)
    token = seal_json(signer_for(ctx, org.id), vc, typ=VC_TYP)
    sheet = pdf.Sheet(
        identifier=identifier, type_name=data.type_name, holder_name=data.holder_name,
        holder_id=data.holder_id, issuer_name=org.name, number=number,
        valid_from=valid_from.date().isoformat(),
        valid_until=valid_until.date().isoformat() if valid_until else "长期 (no expiry)",
        lines=[(str(k), str(v)) for k, v in data.data.items()][:12],
        verify_url=verify_url(ctx.settings.public_url, identifier), vc_jws=token)
    seal = pdf_signer_for(ctx, org.id)
    signed_pdf = pdf.sign(pdf.render(sheet), seal, kid_label=seal.kid)
    row = Certificate(
        identifier=identifier, certificate_type=data.certificate_type,
        type_name=data.type_name, holder_kind=kind, holder_id=data.holder_id,
        holder_name=data.holder_name, issuer_org_id=org.id, number=number,
        valid_from=valid_from, valid_until=valid_until, data=data.data, vc_jws=token,
        pdf=signed_pdf, status="valid", created_by=actor.label, created_at=ctx.now(),
        case_code=case_code, applicant_id=applicant_id,
    )
    ctx.db.add(row)
    ctx.db.flush()
    receipt = log.append(ctx, "certificate.issued", {
        "identifier": identifier, "type": data.type_name,
        "certificate_type": data.certificate_type, "issuer": org.code,
        "valid_from": iso(valid_from), "valid_until": iso(valid_until) if valid_until else None,
    }, subjects=[data.holder_id])
    row.ledger_leaf = receipt.leaf_index
    if dataset is not None:
        _share(ctx, org, dataset, data)
    ctx.emit("certificates.issued", {"identifier": identifier, "issuer": org.code})
    return _out(ctx, row)


def _share(ctx: Ctx, org: Organization, dataset, data: CertificateIn) -> None:  # type: ignore[no-untyped-def]
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


def _row(ctx: Ctx, certificate_id: int) -> Certificate:
    row = ctx.db.get(Certificate, certificate_id)
    if row is None:
        raise NotFound("certificate", certificate_id)
    return row


def revoke_certificate(ctx: Ctx, actor: Actor, certificate_id: int,
                       reason: str) -> CertificateOut:
    row = _row(ctx, certificate_id)
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
    row = _row(ctx, certificate_id)
    if not _may_read(actor, row):
        raise PermissionDenied(Permission.CERT_ISSUE.value)
    return _out(ctx, row)


def certificate_pdf(ctx: Ctx, actor: Actor, certificate_id: int) -> tuple[str, bytes]:
    """(identifier, sealed PDF bytes)."""
    row = _row(ctx, certificate_id)
    if not _may_read(actor, row):
        raise PermissionDenied(Permission.CERT_ISSUE.value)
    return row.identifier, row.pdf


def certificate_vc(ctx: Ctx, actor: Actor, certificate_id: int) -> tuple[str, str]:
    """(identifier, sealed VC compact JWS)."""
    row = _row(ctx, certificate_id)
    if not _may_read(actor, row):
        raise PermissionDenied(Permission.CERT_ISSUE.value)
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


