"""TLS certificates for hub ↔ node mutual TLS, issued by the platform CA. Pure (given keys).

The platform CA key is Ed25519. TLS leaf keys are ECDSA P-256: every OpenSSL build that
Python's `ssl` links against negotiates ECDSA, while Ed25519 *leaf* keys need TLS 1.3
support on both sides. An Ed25519-signed certificate chain is fine from OpenSSL 1.1.1 on
(checked by the tests, which run real handshakes).

Names:
- a node's certificate: CN "govbridge node <code>", O = organization name,
  organizationIdentifier = the organization's credit code, OU "node"; SAN DNS
  `<code>.node.govbridge` (lowercase), DNS `localhost`, IP 127.0.0.1 (and the host of its
  URL when that is an IP or another name). The hub connects with SNI/hostname
  `<code>.node.govbridge`, so only the certificate issued *for that department* passes the
  hostname check — another department's node certificate, though CA-issued, does not.
- the hub's client certificate: CN "govbridge hub", OU "hub"; clientAuth only. A node
  accepts requests from the certificate whose SHA-256 fingerprint it was given at enrolment.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HUB_COMMON_NAME = "govbridge hub"
NODE_DOMAIN = "node.govbridge"


def node_server_name(org_code: str) -> str:
    """The DNS name a node's certificate carries and the hub checks it against."""
    return f"{org_code.lower()}.{NODE_DOMAIN}"


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def fingerprint_der(der: bytes) -> str:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return digest.finalize().hex()


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _san(names: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _issue(ca_key: Ed25519PrivateKey, ca_cert: x509.Certificate, public: ec.EllipticCurvePublicKey,
           subject: x509.Name, *, usages: list[x509.ObjectIdentifier], names: list[str] | None,
           not_before: datetime, not_after: datetime) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(min(not_after, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
    )
    if names:
        builder = builder.add_extension(_san(names), critical=False)
    return builder.sign(ca_key, None)


def issue_node_certificate(ca_key: Ed25519PrivateKey, ca_cert: x509.Certificate,
                           public: ec.EllipticCurvePublicKey, *, org_code: str, org_name: str,
                           host: str | None, not_before: datetime,
                           not_after: datetime) -> x509.Certificate:
    """Server and client authentication for one department's node."""
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"govbridge node {org_code}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "node"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, org_code),
    ])
    names = [node_server_name(org_code), "localhost", "127.0.0.1"] + ([host] if host else [])
    return _issue(ca_key, ca_cert, public, subject,
                  usages=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
                  names=names, not_before=not_before, not_after=not_after)


def issue_hub_client_certificate(ca_key: Ed25519PrivateKey, ca_cert: x509.Certificate,
                                 public: ec.EllipticCurvePublicKey, *, not_before: datetime,
                                 not_after: datetime) -> x509.Certificate:
    """The hub's client certificate for calling nodes."""
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, HUB_COMMON_NAME),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "govbridge"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "hub"),
    ])
    return _issue(ca_key, ca_cert, public, subject, usages=[ExtendedKeyUsageOID.CLIENT_AUTH],
                  names=None, not_before=not_before, not_after=not_after)


def write_private(path: Path, data: bytes) -> None:
    """Write key material with mode 0600 from the start (never world-readable, not even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)
    path.chmod(0o600)


def server_context(cert: Path, key: Path, ca: Path) -> ssl.SSLContext:
    """A node's listening context: client certificates required, issued by the platform CA."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(cafile=str(ca))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def client_context(cert: Path, key: Path, ca_pem: str) -> ssl.SSLContext:
    """A calling context: presents `cert`, trusts only the platform CA, checks host names."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cadata=ca_pem)
    ctx.load_cert_chain(cert, key)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
