"""Sealed JSON: JWS compact serialization (RFC 7515) over RFC 8785 canonical payloads. Pure.

`seal_json` signs the canonical bytes of a JSON object. The protected header is
{alg, kid, typ, **signer.headers, **headers}; for X.509 seals `signer.headers` carries
`x5c` = [seal certificate, CA certificate] (standard base64 DER, RFC 7515 §4.1.6), so an
independent JOSE library verifies an EdDSA/ES256 seal with the key from `x5c[0]`.

`verify_json` checks a token offline against the platform CA certificate (the trust anchor)
and raises `SealInvalid(reason)` with one of these reasons:

| reason | what was wrong |
| --- | --- |
| `malformed` | not three base64url parts, header or payload not a JSON object, bad x5c |
| `unsupported-alg` | alg is not EdDSA (or Ed25519), ES256, SM2SM3 ("none", HS256 refused) |
| `unsupported-header` | a `crit` member, or `b64: false` |
| `untrusted-certificate` | the seal's certificate/attestation is not issued by the trust anchor |
| `alg-mismatch` | alg does not fit the certified key (algorithm confusion) |
| `kid-mismatch` | header kid differs from the kid the certificate/attestation names |
| `bad-signature` | signature does not verify: forged, or header/payload altered |
| `not-yet-valid` / `expired` | the certificate (or CA) is not valid at `at` |
| `revoked` | the kid is in the `revoked` set given by the caller |
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from govbridge.core.errors import DomainError
from govbridge.seals import jcs
from govbridge.seals.certs import ATTESTATION_TYP, b64url, subject_info
from govbridge.seals.signers import Signer, verifier_for

# "Ed25519" is RFC 9864's fully-specified name for EdDSA over Ed25519: accepted, not produced.
SUPPORTED_ALGS = frozenset({"EdDSA", "Ed25519", "ES256", "SM2SM3"})
DEFAULT_TYP = "gb-sealed+json"
_RESERVED = frozenset({"alg", "kid"})
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class SealInvalid(DomainError):
    """A seal did not verify; `reason` is a stable code (see the module doc)."""

    status = 422
    type_slug = "seal-invalid"
    title = "Seal is not valid"

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(f"seal invalid ({reason})" + (f": {detail}" if detail else ""))
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {"reason": self.reason}


@dataclass(frozen=True)
class VerifiedSeal:
    payload: dict[str, Any]
    kid: str
    alg: str
    organization_code: str | None
    organization_name: str | None
    not_before: datetime
    not_after: datetime
    header: dict[str, Any] = field(default_factory=dict)


def x5c_header(seal_cert_der: bytes, ca_cert_der: bytes) -> dict[str, Any]:
    return {
        "x5c": [
            base64.b64encode(seal_cert_der).decode("ascii"),
            base64.b64encode(ca_cert_der).decode("ascii"),
        ]
    }


def seal_json(
    signer: Signer,
    payload: Mapping[str, Any],
    *,
    headers: Mapping[str, Any] | None = None,
    typ: str = DEFAULT_TYP,
) -> str:
    """JWS compact serialization of `payload` (canonical JSON) sealed by `signer`."""
    signing_input = _protected(signer, headers, typ) + "." + b64url(jcs.canonical(dict(payload)))
    signature = signer.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url(signature)


# The encoded protected header of a signer's seals: the same for every seal, and with an
# x5c chain the larger part of the canonical JSON written per seal. Kept per signer
# object (held here, so its id is not reused while the entry lives).
_HEADERS: dict[tuple[int, str], tuple[Signer, str]] = {}
_HEADERS_MAX = 256


def _protected(signer: Signer, headers: Mapping[str, Any] | None, typ: str) -> str:
    if not headers:
        known = _HEADERS.get((id(signer), typ))
        if known is not None and known[0] is signer:
            return known[1]
    extra = dict(signer.headers)
    extra.update(headers or {})
    clash = _RESERVED & extra.keys()
    if clash:
        raise ValueError(f"headers may not set {sorted(clash)}: they come from the signer")
    encoded = b64url(jcs.canonical({"typ": typ, **extra, "alg": signer.alg, "kid": signer.kid}))
    if not headers:
        if len(_HEADERS) >= _HEADERS_MAX:
            _HEADERS.clear()
        _HEADERS[(id(signer), typ)] = (signer, encoded)
    return encoded


def _b64url_decode(part: str, what: str) -> bytes:
    if not _B64URL.match(part) or len(part) % 4 == 1:
        raise SealInvalid("malformed", f"{what} is not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SealInvalid("malformed", f"{what} is not base64url") from exc


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = jcs.parse(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SealInvalid("malformed", f"{what} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise SealInvalid("malformed", f"{what} is not a JSON object")
    return value


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS; checks only its form."""
    if not isinstance(token, str):
        raise SealInvalid("malformed", "a seal is a compact JWS string")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise SealInvalid("malformed", "a compact JWS has three dot-separated parts")
    header = _json_object(_b64url_decode(parts[0], "header"), "header")
    payload = _json_object(_b64url_decode(parts[1], "payload"), "payload")
    signature = _b64url_decode(parts[2], "signature")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _load_anchor(trust_anchor_pem: str | bytes) -> x509.Certificate:
    pem = trust_anchor_pem.encode() if isinstance(trust_anchor_pem, str) else trust_anchor_pem
    return x509.load_pem_x509_certificate(pem)


def _check_window(not_before: datetime, not_after: datetime, at: datetime, what: str) -> None:
    if at < not_before:
        raise SealInvalid("not-yet-valid", f"{what} is valid from {not_before.isoformat()}")
    if at > not_after:
        raise SealInvalid("expired", f"{what} expired at {not_after.isoformat()}")


@dataclass(frozen=True)
class _Credential:
    public_key: object
    kid: str | None
    organization_code: str | None
    organization_name: str | None
    not_before: datetime
    not_after: datetime


def _from_x5c(header: dict[str, Any], anchor: x509.Certificate) -> _Credential:
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise SealInvalid("malformed", "an X.509 seal needs x5c with its certificate first")
    try:
        leaf = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except (binascii.Error, ValueError) as exc:
        raise SealInvalid("malformed", "x5c[0] is not a DER certificate") from exc
    if leaf.issuer != anchor.subject:
        raise SealInvalid("untrusted-certificate", "certificate not issued by the platform CA")
    try:
        leaf.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise SealInvalid(
            "untrusted-certificate", "certificate not signed by the platform CA"
        ) from exc
    try:
        basic = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        basic = None
    if basic is not None and basic.ca:
        raise SealInvalid("untrusted-certificate", "a CA certificate cannot seal")
    info = subject_info(leaf)
    return _Credential(
        public_key=leaf.public_key(),
        kid=info.kid,
        organization_code=info.organization_code,
        organization_name=info.organization_name,
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
    )


def _from_attestation(header: dict[str, Any], anchor: x509.Certificate) -> _Credential:
    att = header.get("gbatt")
    if not isinstance(att, str):
        raise SealInvalid("malformed", "an SM2 seal needs the CA attestation in gbatt")
    try:
        att_header, claims, signing_input, signature = split(att)
    except SealInvalid as exc:
        raise SealInvalid("malformed", f"attestation: {exc.detail}") from exc
    ca_key = anchor.public_key()
    if (
        att_header.get("alg") != "EdDSA"
        or att_header.get("typ") != ATTESTATION_TYP
        or not isinstance(ca_key, Ed25519PublicKey)
    ):
        raise SealInvalid("untrusted-certificate", "attestation not made by the platform CA")
    verifier = verifier_for("EdDSA", ca_key)
    if verifier is None or not verifier.verify(signing_input, signature):
        raise SealInvalid("untrusted-certificate", "attestation not signed by the platform CA")
    try:
        point = _b64url_decode(str(claims["key"]), "attested key")
        nbf = datetime.fromtimestamp(int(claims["nbf"]), UTC)
        exp = datetime.fromtimestamp(int(claims["exp"]), UTC)
        kid = str(claims["kid"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise SealInvalid("malformed", "attestation lacks kid, key, nbf or exp") from exc
    if claims.get("alg") != "SM2SM3":
        raise SealInvalid("alg-mismatch", "attested key is not an SM2 key")
    return _Credential(
        public_key=point,
        kid=kid,
        organization_code=claims.get("org_code"),
        organization_name=claims.get("org_name"),
        not_before=nbf,
        not_after=exp,
    )


def verify_json(
    token: str,
    *,
    trust_anchor_pem: str | bytes,
    at: datetime | None = None,
    revoked: Collection[str] = (),
) -> VerifiedSeal:
    """Verify a sealed JSON token offline; raise SealInvalid(reason) on any failure."""
    when = at or datetime.now(UTC)
    header, payload, signing_input, signature = split(token)
    alg = header.get("alg")
    kid = header.get("kid")
    if not isinstance(alg, str) or alg not in SUPPORTED_ALGS:
        raise SealInvalid("unsupported-alg", f"alg {alg!r} is not accepted")
    if not isinstance(kid, str) or not kid:
        raise SealInvalid("malformed", "header lacks kid")
    if "crit" in header or header.get("b64", True) is not True:
        raise SealInvalid("unsupported-header", "crit and b64=false are not supported")
    anchor = _load_anchor(trust_anchor_pem)
    cred = _from_attestation(header, anchor) if alg == "SM2SM3" else _from_x5c(header, anchor)
    verifier = verifier_for(alg, cred.public_key)
    if verifier is None:
        raise SealInvalid("alg-mismatch", f"alg {alg} does not fit the certified key")
    if cred.kid != kid:
        raise SealInvalid("kid-mismatch", f"header kid {kid!r} is not the certified {cred.kid!r}")
    if not verifier.verify(signing_input, signature):
        raise SealInvalid("bad-signature", "signature does not match header and payload")
    _check_window(
        anchor.not_valid_before_utc, anchor.not_valid_after_utc, when, "platform CA certificate"
    )
    _check_window(cred.not_before, cred.not_after, when, f"seal certificate {kid}")
    if kid in revoked:
        raise SealInvalid("revoked", f"seal {kid} has been revoked")
    return VerifiedSeal(
        payload=payload,
        kid=kid,
        alg=alg,
        organization_code=cred.organization_code,
        organization_name=cred.organization_name,
        not_before=cred.not_before,
        not_after=cred.not_after,
        header=header,
    )


def trusted_key(certificate_pem: str, *, trust_anchor_pem: str | bytes,
                at: datetime | None = None) -> tuple[object, str | None]:
    """(public key, kid) of a certificate the platform CA issued and that is valid `at`.

    For keys that sign bytes rather than JWS (the ledger's tree heads).
    """
    anchor = _load_anchor(trust_anchor_pem)
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError as exc:
        raise SealInvalid("malformed", "not a PEM certificate") from exc
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    cred = _from_x5c({"x5c": [der]}, anchor)
    when = at or datetime.now(UTC)
    _check_window(cred.not_before, cred.not_after, when, "the certificate")
    return cred.public_key, cred.kid
