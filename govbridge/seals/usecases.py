"""Use cases of the seals domain: the platform CA, organization seals, the hub ledger key.

- `ensure_ca` creates the platform CA once (Ed25519, self-signed, 20 years).
- Each organization has at most one *active* seal key; `rotate_seal` retires it (a retired
  key still verifies until its certificate expires) and makes a new active one;
  `revoke_seal` stops a key verifying online at once.
- `signer_for` is what the gateway calls: it provisions an organization's first Ed25519
  seal on first use (and a fresh one when the active seal expired or was revoked).
- The hub's ledger key, which signs tree heads, is a `SealKey` row with purpose "ledger"
  and no organization, certified by the same CA.

Private keys never leave this module except inside a `Signer`; results carry public
material only. That is why it holds two surfaces: the permission-checked operations
`fn(ctx, actor, ...)` (`issue_seal`, `certify_held_seal`, `rotate_seal`, `revoke_seal`,
`list_seals`; their inputs checked against `schemas`, whoever calls), and, without an
actor, what the gateway, the ledger, certificates and nodes use after their own checks
(the CA, `signer_for`, `seal_for`, the ledger key, `verify_sealed`, `verify_detached`, the
hot path's `active_signer`).
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import ColumnElement, Engine, ScalarSelect, func, select

from govbridge.audit.record import record
from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.runtime import Ctx
from govbridge.seals import certs
from govbridge.seals.jws import SealInvalid, VerifiedSeal, seal_json, verify_json, x5c_header
from govbridge.seals.models import SealAuthority, SealKey
from govbridge.seals.schemas import CaOut, SealIssueIn, SealOut, SealRevokeIn, SealRotateIn
from govbridge.seals.signers import (
    KEY_ALGORITHMS,
    SM2,
    Signer,
    generate_private_key,
    load_signer,
    verifier_for,
)
from govbridge.security import at_rest

CA_NAME = "govbridge platform CA"
CA_YEARS = 20
DEFAULT_VALIDITY_DAYS = 730
CLOCK_SKEW = timedelta(minutes=5)
PURPOSE_SEAL = "seal"
PURPOSE_LEDGER = "ledger"
# An organization's PDF seal (PAdES): ECDSA P-256, because poppler/NSS and most PDF readers
# cannot verify Ed25519 signatures in PDFs; certified by the same platform CA.
PURPOSE_PDF = "pdf"
LEDGER_OWNER_NAME = "govbridge hub ledger"
# Acts for the platform when it provisions a key by itself (audit label "operator:system").
SYSTEM = Actor(kind="operator", name="system")


# --- the platform CA ---------------------------------------------------------------------


def _now(ctx: Ctx) -> datetime:
    return ctx.now().replace(microsecond=0)


def _ca_row(ctx: Ctx) -> SealAuthority | None:
    return ctx.db.scalar(select(SealAuthority).where(SealAuthority.name == CA_NAME))


def _ca_out(row: SealAuthority) -> CaOut:
    return CaOut(
        name=row.name,
        algorithm=row.algorithm,
        fingerprint_sha256=row.fingerprint,
        not_before=row.not_before,
        not_after=row.not_after,
        certificate_pem=row.certificate_pem,
    )


def _ensure_ca_row(ctx: Ctx) -> SealAuthority:
    row = _ca_row(ctx)
    if row is not None:
        return row
    now = _now(ctx)
    key = Ed25519PrivateKey.generate()
    cert = certs.make_ca_certificate(
        key,
        common_name=CA_NAME,
        not_before=now - timedelta(minutes=5),
        not_after=now + timedelta(days=365 * CA_YEARS),
    )
    private = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    row = SealAuthority(
        name=CA_NAME,
        algorithm="Ed25519",
        certificate_pem=certs.to_pem(cert),
        fingerprint=certs.fingerprint(cert),
        private_key_enc=at_rest.seal(ctx.settings.secret_key, f"seal-ca:{CA_NAME}", private),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        created_at=ctx.now(),
    )
    ctx.db.add(row)
    ctx.db.flush()
    record(ctx, SYSTEM, "seal.ca_create", "seal_authority", row.fingerprint, {"name": CA_NAME})
    return row


def ensure_ca(ctx: Ctx) -> CaOut:
    """The platform CA, created on first call (no actor: the platform's own setup step)."""
    return _ca_out(_ensure_ca_row(ctx))


def ca_certificate_pem(ctx: Ctx) -> str:
    """The trust anchor for every seal: public, shown to anyone."""
    return _ensure_ca_row(ctx).certificate_pem


def _ca_material(ctx: Ctx, row: SealAuthority) -> tuple[Ed25519PrivateKey, x509.Certificate]:
    private = at_rest.unseal(ctx.settings.secret_key, f"seal-ca:{row.name}", row.private_key_enc)
    key = serialization.load_der_private_key(private, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key, x509.load_pem_x509_certificate(row.certificate_pem.encode())


def certify_with_ca(
    ctx: Ctx, make: Callable[[Ed25519PrivateKey, x509.Certificate], x509.Certificate]
) -> x509.Certificate:
    """Let `make` build and sign one certificate with the platform CA key (TLS certificates
    of the hub and the department nodes); the key is lent for the call, never returned."""
    ca_key, ca_cert = _ca_material(ctx, _ensure_ca_row(ctx))
    cert = make(ca_key, ca_cert)
    record(ctx, SYSTEM, "seal.ca_certify", "certificate", certs.fingerprint(cert),
           {"subject": cert.subject.rfc4514_string()[:200]})
    return cert


# --- seal keys ---------------------------------------------------------------------------


def _key_purpose(kid: str) -> str:
    return f"seal-key:{kid}"


def _to_out(row: SealKey, org: Organization | None) -> SealOut:
    return SealOut(
        kid=row.kid,
        purpose=row.purpose,  # type: ignore[arg-type]
        organization_code=org.code if org else None,
        organization_name=org.name if org else None,
        algorithm=row.algorithm,  # type: ignore[arg-type]
        jws_alg=KEY_ALGORITHMS[row.algorithm],
        status=row.status,  # type: ignore[arg-type]
        not_before=row.not_before,
        not_after=row.not_after,
        created_by=row.created_by,
        created_at=row.created_at,
        retired_at=row.retired_at,
        revoked_at=row.revoked_at,
        revoke_reason=row.revoke_reason,
        public_key=certs.b64url(row.public_key),
        certificate_pem=row.certificate_pem,
        attestation=row.attestation,
    )


def _org_of(ctx: Ctx, row: SealKey) -> Organization | None:
    return ctx.db.get(Organization, row.organization_id) if row.organization_id else None


def _check_algorithm(algorithm: str) -> str:
    if algorithm not in KEY_ALGORITHMS:
        raise InvalidInput.one(
            "algorithm", f"must be one of {', '.join(KEY_ALGORITHMS)}", algorithm, "choice"
        )
    return algorithm


def _new_key(
    ctx: Ctx,
    actor: Actor,
    *,
    purpose: str,
    org: Organization | None,
    algorithm: str,
    validity_days: int,
) -> SealKey:
    ca = _ensure_ca_row(ctx)
    ca_key, ca_cert = _ca_material(ctx, ca)
    now = _now(ctx)
    not_after = min(now + timedelta(days=validity_days), ca.not_after)
    now -= CLOCK_SKEW  # valid from slightly earlier: verifiers' clocks differ from ours
    kid = f"{org.code if org else PURPOSE_LEDGER}-{secrets.token_hex(4)}"
    owner_name = org.name if org else LEDGER_OWNER_NAME
    private = generate_private_key(algorithm)
    signer = load_signer(algorithm, private, kid)
    certificate_pem = attestation = None
    if algorithm == SM2:
        attestation = certs.make_attestation(
            ca_key,
            kid=kid,
            point=signer.public_bytes(),
            org_code=org.code if org else None,
            org_name=owner_name,
            not_before=now,
            not_after=not_after,
        )
    else:
        cert = certs.issue_certificate(
            ca_key,
            ca_cert,
            signer.public_key(),  # type: ignore[union-attr]
            kid=kid,
            org_code=org.code if org else None,
            org_name=owner_name,
            not_before=now,
            not_after=not_after,
        )
        certificate_pem = certs.to_pem(cert)
    row = SealKey(
        kid=kid,
        purpose=purpose,
        organization_id=org.id if org else None,
        authority_id=ca.id,
        algorithm=algorithm,
        public_key=signer.public_bytes(),
        certificate_pem=certificate_pem,
        attestation=attestation,
        private_key_enc=at_rest.seal(ctx.settings.secret_key, _key_purpose(kid), private),
        status="active",
        not_before=now,
        not_after=not_after,
        created_by=actor.label,
        created_at=ctx.now(),
    )
    ctx.db.add(row)
    ctx.db.flush()
    return row


def _active(ctx: Ctx, purpose: str, organization_id: int | None) -> SealKey | None:
    owner = (
        SealKey.organization_id.is_(None)
        if organization_id is None
        else SealKey.organization_id == organization_id
    )
    return ctx.db.scalar(
        select(SealKey)
        .where(SealKey.purpose == purpose, owner, SealKey.status == "active")
        .order_by(SealKey.id.desc())
        .limit(1)
    )


def _lock_org(ctx: Ctx, org_id: int) -> Organization:
    """Serialise key changes of one organization (row lock on PostgreSQL)."""
    org = ctx.db.scalar(select(Organization).where(Organization.id == org_id).with_for_update())
    if org is None:
        raise NotFound("organization", org_id)
    return org


# Signers already materialised (key decrypted and loaded, x5c header built), by everything
# they are made from: the installation secret, the stored key and its certificate or
# attestation. None of these change in place, so an entry never goes stale; which key is
# current (and whether it is revoked) is still read from the database on every call.
_SIGNERS: dict[tuple[Any, ...], Signer] = {}
_SIGNERS_MAX = 256


def _signer_from_row(ctx: Ctx, row: SealKey) -> Signer:
    if not row.private_key_enc:
        raise Conflict(
            f"seal {row.kid} is held by the department's own node, not by the hub",
            "organization_code",
            None,
        )
    cache_key = (ctx.settings.secret_key, row.kid, row.algorithm, row.private_key_enc,
                 row.attestation, row.certificate_pem, row.authority_id)
    signer = _SIGNERS.get(cache_key)
    if signer is None:
        signer = _load_row_signer(ctx, row)
        if len(_SIGNERS) >= _SIGNERS_MAX:
            _SIGNERS.clear()
        _SIGNERS[cache_key] = signer
    return signer


def _load_row_signer(ctx: Ctx, row: SealKey) -> Signer:
    private = at_rest.unseal(ctx.settings.secret_key, _key_purpose(row.kid), row.private_key_enc)
    headers: dict[str, Any]
    if row.attestation:
        headers = {"gbatt": row.attestation}
    else:
        assert row.certificate_pem is not None
        leaf = x509.load_pem_x509_certificate(row.certificate_pem.encode())
        ca = ctx.db.get(SealAuthority, row.authority_id)
        assert ca is not None
        anchor = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
        headers = x5c_header(
            leaf.public_bytes(serialization.Encoding.DER),
            anchor.public_bytes(serialization.Encoding.DER),
        )
    return load_signer(row.algorithm, private, row.kid, headers)


def issue_seal(
    ctx: Ctx,
    actor: Actor,
    org_code: str,
    algorithm: str = "Ed25519",
    *,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
) -> SealOut:
    """Give an organization its seal key and certificate; refused if it has an active one."""
    org = referenced_organization(ctx, org_code, "organization_code")
    require(actor, Permission.SEAL_MANAGE, organization_id=org.id)
    _check_algorithm(algorithm)
    checked(SealIssueIn, {"organization_code": org_code, "algorithm": algorithm,
                          "validity_days": validity_days})
    org = _lock_org(ctx, org.id)
    current = _active(ctx, PURPOSE_SEAL, org.id)
    if current is not None:
        raise Conflict(
            f"{org.code} already has an active seal {current.kid}; rotate it instead",
            "organization_code",
            org.code,
        )
    row = _new_key(
        ctx,
        actor,
        purpose=PURPOSE_SEAL,
        org=org,
        algorithm=algorithm,
        validity_days=validity_days,
    )
    record(
        ctx,
        actor,
        "seal.issue",
        "seal_key",
        row.kid,
        {"organization": org.code, "algorithm": algorithm},
    )
    ctx.emit("seals.seal.issued", {"kid": row.kid, "organization": org.code})
    return _to_out(row, org)


def certify_held_seal(
    ctx: Ctx,
    actor: Actor,
    org_code: str,
    public_key: Ed25519PublicKey,
    *,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
) -> tuple[SealOut, str]:
    """Certify an Ed25519 seal key the hub does not hold (a department node's own key).

    The organization's current active seal is retired, as on rotation. The hub keeps the
    public key and its certificate only (`private_key_enc` is empty, so the hub can verify
    this key's seals and co-signatures but never sign with it). Returns the seal and the CA
    certificate (PEM) the node puts in its seals' `x5c` header.
    """
    org = referenced_organization(ctx, org_code, "organization_code")
    require(actor, Permission.SEAL_MANAGE, organization_id=org.id)
    org = _lock_org(ctx, org.id)
    ca = _ensure_ca_row(ctx)
    ca_key, ca_cert = _ca_material(ctx, ca)
    current = _active(ctx, PURPOSE_SEAL, org.id)
    if current is not None:
        current.status = "retired"
        current.retired_at = ctx.now()
    now = _now(ctx)
    not_after = min(now + timedelta(days=validity_days), ca.not_after)
    now -= CLOCK_SKEW
    kid = f"{org.code}-{secrets.token_hex(4)}"
    cert = certs.issue_certificate(
        ca_key,
        ca_cert,
        public_key,
        kid=kid,
        org_code=org.code,
        org_name=org.name,
        not_before=now,
        not_after=not_after,
    )
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    row = SealKey(
        kid=kid,
        purpose=PURPOSE_SEAL,
        organization_id=org.id,
        authority_id=ca.id,
        algorithm="Ed25519",
        public_key=raw,
        certificate_pem=certs.to_pem(cert),
        attestation=None,
        private_key_enc=b"",
        status="active",
        not_before=now,
        not_after=not_after,
        created_by=actor.label,
        created_at=ctx.now(),
    )
    ctx.db.add(row)
    ctx.db.flush()
    record(
        ctx,
        actor,
        "seal.certify_held",
        "seal_key",
        kid,
        {"organization": org.code, "retired": current.kid if current else None},
    )
    ctx.emit("seals.seal.rotated", {"kid": kid, "organization": org.code})
    return _to_out(row, org), ca.certificate_pem


def rotate_seal(
    ctx: Ctx,
    actor: Actor,
    org_code: str,
    algorithm: str | None = None,
    *,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
) -> SealOut:
    """A new active seal key; the previous one is retired (verifies until it expires)."""
    org = referenced_organization(ctx, org_code, "organization_code")
    require(actor, Permission.SEAL_MANAGE, organization_id=org.id)
    checked(SealRotateIn, {"organization_code": org_code, "algorithm": algorithm,
                           "validity_days": validity_days})
    org = _lock_org(ctx, org.id)
    current = _active(ctx, PURPOSE_SEAL, org.id)
    chosen = _check_algorithm(algorithm or (current.algorithm if current else "Ed25519"))
    if current is not None:
        current.status = "retired"
        current.retired_at = ctx.now()
    row = _new_key(
        ctx, actor, purpose=PURPOSE_SEAL, org=org, algorithm=chosen, validity_days=validity_days
    )
    record(
        ctx,
        actor,
        "seal.rotate",
        "seal_key",
        row.kid,
        {
            "organization": org.code,
            "algorithm": chosen,
            "retired": current.kid if current else None,
        },
    )
    ctx.emit("seals.seal.rotated", {"kid": row.kid, "organization": org.code})
    return _to_out(row, org)


def revoke_seal(ctx: Ctx, actor: Actor, kid: str, reason: str) -> SealOut:
    """Revoke a key: online verification refuses its seals from now on."""
    row = ctx.db.scalar(select(SealKey).where(SealKey.kid == kid.strip()))
    if row is None:
        raise NotFound("seal", kid)
    require(actor, Permission.SEAL_MANAGE, organization_id=row.organization_id)
    why = (reason or "").strip()
    if not why:
        raise InvalidInput.one("reason", "say why the seal is revoked", reason, "required")
    checked(SealRevokeIn, {"reason": reason})
    if row.status != "revoked":
        row.status = "revoked"
        row.revoked_at = ctx.now()
        row.revoke_reason = why
        record(ctx, actor, "seal.revoke", "seal_key", row.kid, {"reason": row.revoke_reason})
        ctx.emit("seals.seal.revoked", {"kid": row.kid})
    return _to_out(row, _org_of(ctx, row))


def list_seals(ctx: Ctx, actor: Actor, org_code: str | None = None) -> list[SealOut]:
    """Seal keys (public parts): one organization's, or all (ledger key included) for the
    platform-wide permission; own-org managers see their own organization's."""
    stmt = select(SealKey).order_by(SealKey.id)
    if org_code:
        org = referenced_organization(ctx, org_code, "organization_code")
        require(actor, Permission.SEAL_MANAGE, organization_id=org.id)
        stmt = stmt.where(SealKey.organization_id == org.id)
    elif Permission.SEAL_MANAGE not in actor.permissions:
        require(actor, Permission.SEAL_MANAGE, organization_id=actor.organization_id)
        stmt = stmt.where(SealKey.organization_id == actor.organization_id)
    return [_to_out(row, _org_of(ctx, row)) for row in ctx.db.scalars(stmt)]


# --- internal: the gateway, the ledger, online verification ------------------------------


def _current_or_new(ctx: Ctx, purpose: str, org: Organization | None,
                    algorithm: str = "Ed25519") -> SealKey:
    row = _active(ctx, purpose, org.id if org else None)
    if row is not None and row.not_after > ctx.now():
        return row
    if org is not None:
        _lock_org(ctx, org.id)
        row = _active(ctx, purpose, org.id)
        if row is not None and row.not_after > ctx.now():
            return row
    if row is not None:  # expired while active
        row.status = "retired"
        row.retired_at = ctx.now()
    row = _new_key(
        ctx,
        SYSTEM,
        purpose=purpose,
        org=org,
        algorithm=algorithm,
        validity_days=DEFAULT_VALIDITY_DAYS,
    )
    record(
        ctx,
        SYSTEM,
        "seal.provision",
        "seal_key",
        row.kid,
        {"organization": org.code if org else None, "purpose": purpose},
    )
    return row


def signer_for(ctx: Ctx, organization_id: int) -> Signer:
    """The organization's active seal signer; provisions an Ed25519 seal when it has none."""
    org = ctx.db.get(Organization, organization_id)
    if org is None:
        raise NotFound("organization", organization_id)
    return _signer_from_row(ctx, _current_or_new(ctx, PURPOSE_SEAL, org))


def pdf_signer_for(ctx: Ctx, organization_id: int) -> Signer:
    """The organization's P-256 PDF seal signer (alg ES256, `headers["x5c"]` = [leaf, CA]);
    provisioned on first use like `signer_for`."""
    org = ctx.db.get(Organization, organization_id)
    if org is None:
        raise NotFound("organization", organization_id)
    return _signer_from_row(ctx, _current_or_new(ctx, PURPOSE_PDF, org, "P-256"))


def seal_for(ctx: Ctx, organization_id: int, payload: dict[str, Any], *,
             key: ActiveKey | None = None) -> str:
    """Seal `payload` (a JSON object) with the organization's seal: a compact JWS.

    `key`, when the caller read the active seal itself (`newest_active_key_id`), saves
    reading it again."""
    signer = (active_signer(ctx, key, PURPOSE_SEAL, organization_id) if key is not None
              else signer_for(ctx, organization_id))
    return seal_json(signer, payload)


def ledger_signer(ctx: Ctx) -> Signer:
    """The hub's Ed25519 ledger key (signs tree heads: `signer.sign(bytes)`)."""
    return _signer_from_row(ctx, _current_or_new(ctx, PURPOSE_LEDGER, None))


def ledger_public_keys(ctx: Ctx) -> dict[str, bytes]:
    """kid → raw 32-byte Ed25519 public key of every ledger key not revoked."""
    rows = ctx.db.scalars(
        select(SealKey)
        .where(SealKey.purpose == PURPOSE_LEDGER, SealKey.status != "revoked")
        .order_by(SealKey.id)
    )
    return {row.kid: row.public_key for row in rows}


def verify_sealed(ctx: Ctx, token: str, *, at: datetime | None = None) -> VerifiedSeal:
    """Online verification: the offline checks, plus the key must be ours and not revoked."""
    ca = _ca_row(ctx)
    if ca is None:
        raise SealInvalid("untrusted-certificate", "this installation has no platform CA yet")
    verified = verify_json(token, trust_anchor_pem=ca.certificate_pem, at=at or ctx.now())
    row = ctx.db.scalar(select(SealKey).where(SealKey.kid == verified.kid))
    if row is None:
        raise SealInvalid("unknown-key", f"seal key {verified.kid} is not known here")
    if row.status == "revoked":
        raise SealInvalid("revoked", f"seal {row.kid} was revoked: {row.revoke_reason}")
    return verified


def verify_detached(ctx: Ctx, kid: str, signature: bytes, data: bytes, *,
                    organization_id: int | None = None, purpose: str = PURPOSE_SEAL) -> None:
    """Check a plain signature over bytes (tree heads, co-signatures) by a key we know.

    The key must have the purpose asked for, belong to `organization_id` when one is
    given, and not be revoked. Raises SealInvalid saying which of these failed.
    """
    row = ctx.db.scalar(select(SealKey).where(SealKey.kid == kid))
    if row is None or row.purpose != purpose:
        raise SealInvalid("unknown-key", f"no {purpose} key {kid} is known here")
    if organization_id is not None and row.organization_id != organization_id:
        raise SealInvalid("wrong-organization", f"key {kid} belongs to another organization")
    if row.status == "revoked":
        raise SealInvalid("revoked", f"key {kid} was revoked: {row.revoke_reason}")
    public: object = (x509.load_pem_x509_certificate(row.certificate_pem.encode()).public_key()
                      if row.certificate_pem else row.public_key)
    alg = {"Ed25519": "EdDSA", "P-256": "ES256", "SM2": "SM2SM3"}.get(row.algorithm, "")
    verifier = verifier_for(alg, public)
    if verifier is None or not verifier.verify(data, signature):
        raise SealInvalid("signature", f"signature by {kid} does not verify")


def ledger_certificate_pem(ctx: Ctx, kid: str) -> str:
    """The CA-issued certificate of a ledger key, so a receipt can be checked offline.

    A key's certificate never changes once written, so it is kept per database after the
    first read (a revoked key's certificate is still its certificate; whether the key may
    sign is decided where the active key is read)."""
    known = _for_engine(ctx).certificates
    pem = known.get(kid)
    if pem is not None:
        return pem
    row = ctx.db.scalar(select(SealKey).where(SealKey.kid == kid,
                                              SealKey.purpose == PURPOSE_LEDGER))
    if row is None or row.certificate_pem is None:
        raise NotFound("ledger key", kid)
    known[kid] = row.certificate_pem
    return row.certificate_pem


# --- the gateway's hot path: keys read with the caller's own query ------------------------


@dataclass(frozen=True)
class ActiveKey:
    """The active key of a purpose and owner as the caller's own query read it (see
    `newest_active_key_id`): its row id, kid and expiry."""

    id: int
    kid: str
    not_after: datetime


def newest_active_key_id(purpose: str,
                         organization_id: ColumnElement[int] | None) -> ScalarSelect[int]:
    """A scalar subquery: the id of the key `_active` would pick (the newest active key of
    `purpose`, of that organization, or the hub's own when `organization_id` is None), for
    a caller to read with the rest of what it needs in one statement."""
    owner = (SealKey.organization_id.is_(None) if organization_id is None
             else SealKey.organization_id == organization_id)
    return (select(func.max(SealKey.id))
            .where(SealKey.purpose == purpose, owner, SealKey.status == "active")
            .scalar_subquery())


class _EngineKeys:
    """Per database: signers by kid, and ledger certificates by kid."""

    def __init__(self) -> None:
        self.signers: dict[tuple[bytes, int, str], Signer] = {}
        self.certificates: dict[str, str] = {}


# Keyed by the engine, so that two databases in one process (tests, benches) never share
# an entry: a kid is unique only within its database.
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, _EngineKeys] = weakref.WeakKeyDictionary()


def _for_engine(ctx: Ctx) -> _EngineKeys:
    engine = ctx.db.get_bind()
    assert isinstance(engine, Engine)
    keys = _BY_ENGINE.get(engine)
    if keys is None:
        keys = _BY_ENGINE[engine] = _EngineKeys()
    return keys


def active_signer(ctx: Ctx, key: ActiveKey | None, purpose: str,
                  organization_id: int | None) -> Signer:
    """The signer of `key`, read by the caller as the active key of `purpose` just now.

    Which key is active, and whether it is revoked or expired, is the caller's fresh
    read; only the key material, which never changes for a kid, is kept per database.
    With no usable key (none yet, or expired while active), this is `signer_for` or
    `ledger_signer`, which provision one.
    """
    if key is None or key.not_after <= ctx.now():
        return (ledger_signer(ctx) if purpose == PURPOSE_LEDGER
                else signer_for(ctx, organization_id or 0))
    signers = _for_engine(ctx).signers
    cache_key = (ctx.settings.secret_key, key.id, key.kid)
    signer = signers.get(cache_key)
    if signer is None:
        row = ctx.db.get(SealKey, key.id)
        if row is None:
            raise NotFound("seal key", key.kid)
        signer = _signer_from_row(ctx, row)  # a key held by a node raises here, every time
        if len(signers) >= _SIGNERS_MAX:
            signers.clear()
        signers[cache_key] = signer
    return signer
