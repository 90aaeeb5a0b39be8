"""Judging an uploaded certificate (PDF or sealed JSON): valid, revoked, expired, tampered
or unknown. No database: the caller passes the trust anchor and, online, a lookup of the
certificate's current status by identifier.

Online, the kids of revoked seal keys (JWS and PDF seals) are passed in: a certificate
sealed by a revoked key reads as tampered (its seal no longer vouches for it).

Precedence: tampered (seal or PDF signature fails, or the parts disagree) > unknown (not
issued here, or not yet valid) > revoked > expired > valid.

Seals are checked at the moment they were made, not today: a certificate valid for ten
years outlives the two-year certificate of the seal that sealed it. Online that moment is
the installation's own record of the issuance (itself in the witnessed ledger, which
serves as the timestamp); offline it is the credential's own date of issue, and the
verdict says so. A revoked seal key fails whatever the moment.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from govbridge.certificates import pdf
from govbridge.certificates.identifier import is_identifier
from govbridge.certificates.schemas import Verdict
from govbridge.certificates.vc import identifier_of, mask_holder_id, mask_holder_name, parse_iso
from govbridge.core.errors import InvalidInput
from govbridge.core.identifiers import validate_citizen_id
from govbridge.seals.jws import SealInvalid, split, verify_json


@dataclass(frozen=True)
class KnownStatus:
    """What the issuing installation knows of a certificate now."""

    status: str  # valid | revoked
    revoked_at: datetime | None = None
    revoke_reason: str | None = None
    issued_at: datetime | None = None  # when it was sealed, as recorded and ledgered


Lookup = Callable[[str], KnownStatus | None]


def holder_kind_of(holder_id: str) -> str:
    try:
        validate_citizen_id(holder_id, "holder_id")
    except InvalidInput:
        return "enterprise"
    return "person"


def extract_token(data: bytes) -> str | None:
    """A compact JWS from the bytes: the token itself, or a JSON object holding `vc_jws`."""
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        token = doc.get("vc_jws") if isinstance(doc, dict) else None
        return token.strip() if isinstance(token, str) else None
    return text if text.count(".") == 2 else None


OFFLINE_SEAL_TIME = "offline check: the seal was checked at the credential's own date of issue"


def sealed_at(token: str | None, identifier: str | None, *, at: datetime,
              lookup: Lookup | None) -> tuple[datetime, list[str]]:
    """When the seal was made (see the module docstring), never later than `at`, and a
    note when only the credential itself says so."""
    payload: dict[str, Any] = {}
    if token:
        try:
            payload = split(token)[1]
        except SealInvalid:
            payload = {}
    ident = identifier or identifier_of(payload)
    known = lookup(ident) if lookup is not None and ident else None
    if known is not None and known.issued_at is not None:
        return min(known.issued_at, at), []
    try:
        claimed = parse_iso(str(payload["validFrom"]))
    except (KeyError, ValueError):
        return at, []
    return min(claimed, at), [OFFLINE_SEAL_TIME] if claimed < at else []


def _tampered(reasons: list[str], **known: Any) -> Verdict:
    return Verdict(status="tampered", reasons=reasons, **known)


def verify_token(token: str, *, ca_pem: str, at: datetime, lookup: Lookup | None,
                 pdf_check: pdf.PdfCheck | None = None,
                 revoked_kids: Collection[str] = ()) -> Verdict:
    if pdf_check is not None and pdf_check.signer_kid in revoked_kids:
        return _tampered([f"the PDF seal {pdf_check.signer_kid} has been revoked"])
    seal_time, notes = sealed_at(token, None, at=at, lookup=lookup)
    try:
        sealed = verify_json(token, trust_anchor_pem=ca_pem, at=seal_time,
                             revoked=revoked_kids)
    except SealInvalid as exc:
        return _tampered([f"seal: {exc.detail}"])
    vc = sealed.payload
    identifier = identifier_of(vc)
    issuer = vc.get("issuer") if isinstance(vc.get("issuer"), dict) else {}
    subject = vc.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    holder_id = str(subject.get("id", "")).removeprefix("urn:govbridge:holder:")
    kind = holder_kind_of(holder_id)
    types = vc.get("type") if isinstance(vc.get("type"), list) else []
    try:
        valid_from = parse_iso(str(vc["validFrom"]))
        valid_until = parse_iso(str(vc["validUntil"])) if "validUntil" in vc else None
    except (KeyError, ValueError):
        return _tampered(["the credential has no readable validFrom/validUntil"])
    known: dict[str, Any] = {
        "identifier": identifier,
        "type_name": str(types[-1]) if types else None,
        "issuer_code": sealed.organization_code,
        "issuer_name": sealed.organization_name or issuer.get("name"),
        "holder_id": mask_holder_id(kind, holder_id),
        "holder_name": mask_holder_name(kind, str(subject.get("name", ""))),
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    reasons: list[str] = []
    if identifier is None or not is_identifier(identifier):
        reasons.append("the credential has no valid certificate identifier")
    elif identifier[6:24] != sealed.organization_code:
        reasons.append("the identifier names another issuer than the seal")
    if issuer.get("id") != f"urn:govbridge:org:{sealed.organization_code}":
        reasons.append("the credential's issuer is not the sealing organization")
    if pdf_check is not None:
        if pdf_check.identifier != identifier:
            reasons.append("the PDF and its embedded credential name different certificates")
        if pdf_check.signer_org_code != sealed.organization_code:
            reasons.append("the PDF was sealed by another organization than the credential")
    if reasons:
        return _tampered(reasons, **known)
    assert identifier is not None
    if lookup is not None:
        current = lookup(identifier)
        if current is None:
            return Verdict(status="unknown", reasons=["not issued by this installation"],
                           **known)
        if current.status == "revoked":
            return Verdict(status="revoked", revoked_at=current.revoked_at,
                           reasons=[f"revoked: {current.revoke_reason}"], **known)
    if at < valid_from:
        return Verdict(status="unknown", reasons=["not valid yet"], **known)
    if valid_until is not None and at > valid_until:
        return Verdict(status="expired", reasons=[f"expired at {valid_until.isoformat()}"],
                       **known)
    offline = [] if lookup is not None else ["offline check: revocation not consulted"]
    return Verdict(status="valid", reasons=offline + notes, **known)


def verify_bytes(data: bytes, *, ca_pem: str, at: datetime, lookup: Lookup | None = None,
                 revoked_kids: Collection[str] = ()) -> Verdict:
    """Verify an uploaded certificate: a sealed PDF, or the sealed VC JSON (compact JWS)."""
    if data.lstrip()[:5] == b"%PDF-":
        identifier, token = pdf.peek(data)
        seal_time, _ = sealed_at(token, identifier, at=at, lookup=lookup)
        check = pdf.validate(data, ca_pem, seal_time)
        if not check.ok:
            return _tampered(check.reasons, identifier=check.identifier,
                             issuer_code=check.signer_org_code,
                             issuer_name=check.signer_org_name)
        if check.vc_jws is None:
            return _tampered(["the PDF carries no sealed credential"],
                             identifier=check.identifier)
        return verify_token(check.vc_jws, ca_pem=ca_pem, at=at, lookup=lookup,
                            pdf_check=check, revoked_kids=revoked_kids)
    token = extract_token(data)
    if token is None:
        return Verdict(status="tampered", reasons=["neither a PDF nor a sealed credential"])
    return verify_token(token, ca_pem=ca_pem, at=at, lookup=lookup, revoked_kids=revoked_kids)
