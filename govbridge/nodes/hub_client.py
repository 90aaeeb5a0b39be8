"""The hub's TLS client certificate for calling department nodes: where it is kept and
making it (once, from the platform CA; again when fewer than 30 days of its 397 remain).

No actor: the hub makes it for itself when it first enrols a node or calls one.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cryptography import x509

from govbridge.nodes import tls
from govbridge.runtime import Ctx

# Days a TLS certificate the hub has the CA issue stays valid (within the CA/Browser
# Forum's 398-day limit for server certificates).
TLS_DAYS = 397
HUB_DIR = "nodes"
HUB_CERT, HUB_KEY = "hub-client.crt", "hub-client.key"


def hub_client_paths(ctx: Ctx) -> tuple[Path, Path]:
    """Where the hub keeps its client certificate and key (under its home directory)."""
    base = ctx.settings.home / HUB_DIR
    return base / HUB_CERT, base / HUB_KEY


def ensure_hub_client(ctx: Ctx) -> str:
    """The hub's TLS client certificate for calling nodes (made once); its fingerprint."""
    from govbridge.seals.usecases import ca_certificate_pem, certify_with_ca

    cert_path, key_path = hub_client_paths(ctx)
    anchor = x509.load_pem_x509_certificate(ca_certificate_pem(ctx).encode())
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.issuer == anchor.subject and cert.not_valid_after_utc > ctx.now() + timedelta(
                days=30):
            return tls.fingerprint(cert)
    key = tls.new_key()
    now = ctx.now().replace(microsecond=0)
    cert = certify_with_ca(ctx, lambda ca_key, ca_cert: tls.issue_hub_client_certificate(
        ca_key, ca_cert, key.public_key(), not_before=now - timedelta(minutes=5),
        not_after=now + timedelta(days=TLS_DAYS)))
    tls.write_private(key_path, tls.key_pem(key))
    cert_path.write_bytes(tls.cert_pem(cert))
    return tls.fingerprint(cert)
