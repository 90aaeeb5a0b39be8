"""The platform CA's certificates and attestations. Pure (given keys and a clock).

- The platform CA is an Ed25519 key with a self-signed X.509 certificate
  (basicConstraints CA, pathLen 0; keyCertSign + cRLSign).
- An Ed25519 or P-256 seal key gets an X.509 certificate from that CA. Its subject names the
  organization: O = name, organizationIdentifier (2.5.4.97) = 统一社会信用代码, and
  serialNumber (2.5.4.5) = the seal's `kid`, so a verifier can tie a JWS `kid` to the
  certificate without asking the hub. Key usage: digitalSignature + contentCommitment
  (non-repudiation), not a CA.
- `cryptography` cannot put an SM2 public key into a certificate (no SM2 curve), so an SM2
  seal key is bound by an **attestation**: a compact JWS signed by the CA key (alg EdDSA,
  typ "gb-seal-attestation") whose payload names kid, alg "SM2SM3", the public point
  (base64url of 04‖x‖y), organization code and name, nbf and exp (Unix seconds). An SM2 seal
  carries it in the protected header member "gbatt".
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from govbridge.seals import jcs

ATTESTATION_TYP = "gb-seal-attestation"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "govbridge"),
        ]
    )


def make_ca_certificate(
    key: Ed25519PrivateKey, *, common_name: str, not_before: datetime, not_after: datetime
) -> x509.Certificate:
    name = ca_name(common_name)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, None)
    )


def seal_subject(kid: str, org_code: str | None, org_name: str) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, f"{org_name} 电子印章"[:64])]
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name[:64]))
    if org_code:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, org_code))
    attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, kid))
    return x509.Name(attrs)


def issue_certificate(
    ca_key: Ed25519PrivateKey,
    ca_cert: x509.Certificate,
    public_key: object,
    *,
    kid: str,
    org_code: str | None,
    org_name: str,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """An X.509 certificate for an Ed25519 or P-256 seal key."""
    return (
        x509.CertificateBuilder()
        .subject_name(seal_subject(kid, org_code, org_name))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, None)
    )


def make_attestation(
    ca_key: Ed25519PrivateKey,
    *,
    kid: str,
    point: bytes,
    org_code: str | None,
    org_name: str,
    not_before: datetime,
    not_after: datetime,
) -> str:
    """The CA's compact-JWS statement binding an SM2 public point to a kid and organization."""
    header = {"alg": "EdDSA", "typ": ATTESTATION_TYP}
    payload = {
        "kid": kid,
        "alg": "SM2SM3",
        "key": b64url(point),
        "org_code": org_code,
        "org_name": org_name,
        "nbf": int(not_before.timestamp()),
        "exp": int(not_after.timestamp()),
        "jti": secrets.token_hex(8),
    }
    signing_input = b64url(jcs.canonical(header)) + "." + b64url(jcs.canonical(payload))
    sig = ca_key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url(sig)


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def to_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass(frozen=True)
class SubjectInfo:
    kid: str | None
    organization_code: str | None
    organization_name: str | None


def subject_info(cert: x509.Certificate) -> SubjectInfo:
    def one(oid: x509.ObjectIdentifier) -> str | None:
        attrs = cert.subject.get_attributes_for_oid(oid)
        return str(attrs[0].value) if attrs else None

    return SubjectInfo(
        kid=one(NameOID.SERIAL_NUMBER),
        organization_code=one(NameOID.ORGANIZATION_IDENTIFIER),
        organization_name=one(NameOID.ORGANIZATION_NAME),
    )
