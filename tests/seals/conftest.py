"""A throw-away PKI for the pure seal tests: a CA and seal signers, no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govbridge.seals import certs
from govbridge.seals.jws import x5c_header
from govbridge.seals.signers import SM2, generate_private_key, load_signer

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
ORG = "11320500000000019T"


@dataclass
class Pki:
    T0 = T0
    ORG = ORG
    ca_key: Ed25519PrivateKey
    ca_pem: str
    ca_der: bytes
    ca_cert: object

    def signer(self, algorithm: str = "Ed25519", *, kid: str = "K1", org: str | None = ORG,
               name: str = "苏州市测试局", days: int = 30, start: datetime = T0):
        private = generate_private_key(algorithm)
        bare = load_signer(algorithm, private, kid)
        if algorithm == SM2:
            att = certs.make_attestation(
                self.ca_key, kid=kid, point=bare.public_bytes(), org_code=org, org_name=name,
                not_before=start, not_after=start + timedelta(days=days))
            return load_signer(algorithm, private, kid, {"gbatt": att})
        cert = certs.issue_certificate(
            self.ca_key, self.ca_cert, bare.public_key(), kid=kid, org_code=org, org_name=name,
            not_before=start, not_after=start + timedelta(days=days))
        return load_signer(algorithm, private, kid, x5c_header(
            cert.public_bytes(serialization.Encoding.DER), self.ca_der))


def _make_pki(name: str = "test CA") -> Pki:
    key = Ed25519PrivateKey.generate()
    cert = certs.make_ca_certificate(key, common_name=name, not_before=T0 - timedelta(days=1),
                                     not_after=T0 + timedelta(days=3650))
    return Pki(key, certs.to_pem(cert), cert.public_bytes(serialization.Encoding.DER), cert)


@pytest.fixture(scope="session")
def pki() -> Pki:
    return _make_pki()


@pytest.fixture(scope="session")
def make_pki() -> Callable[..., Pki]:
    return _make_pki
