"""A node's directory: what enrolment writes and what `govbridge node run` reads.

    NODE_DIR/
      node.json      organization, hub URL, node URL, ledger origin, the hub's client
                     certificate fingerprint, the seal's kid, the datasets it serves
      ca.pem         the platform CA certificate (trust anchor both ways)
      tls.crt/.key   the node's TLS certificate (server + client auth), key mode 0600
      seal.crt/.key  the department's seal certificate and Ed25519 key, key mode 0600
      api.key        the node's API key at the hub (witnessing), mode 0600
      rows.db        the node's own SQLite store of dataset rows (`govbridge node load`)
      sources.json   datasets read live from the department's own database instead
                     (`govbridge node source add`; mode 0600: its URLs may hold a password)
      witness/       what this witness co-signed last (`ledger.witness.WitnessMemory`)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from govbridge.nodes.tls import write_private

CONFIG = "node.json"
CA = "ca.pem"
TLS_CERT, TLS_KEY = "tls.crt", "tls.key"
SEAL_CERT, SEAL_KEY = "seal.crt", "seal.key"
API_KEY = "api.key"
ROWS_DB = "rows.db"
SOURCES = "sources.json"
WITNESS_DIR = "witness"


@dataclass(frozen=True)
class DatasetInfo:
    """What a node knows of a dataset it serves (a snapshot of the published catalog entry).

    `elements` (field → its data element, `ElementSpec` as a dict) and `required` let the
    node check rows it reads live with the same rules as the hub's ingest; a directory
    enrolled before they were written has neither, and then only field names are checked.
    """

    resource_code: str
    name: str
    subject_field: str | None
    key_field: str | None
    fields: list[str]
    elements: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NodeConfig:
    organization_code: str
    organization_name: str
    hub_url: str
    node_url: str
    ledger_origin: str
    hub_client_fingerprint: str
    seal_kid: str
    datasets: list[DatasetInfo] = field(default_factory=list)

    def dataset(self, resource_code: str) -> DatasetInfo | None:
        return next((d for d in self.datasets if d.resource_code == resource_code), None)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeConfig:
        data = dict(data)
        data["datasets"] = [DatasetInfo(**d) for d in data.get("datasets", [])]
        return cls(**data)


@dataclass(frozen=True)
class NodeFiles:
    """Everything enrolment hands to a node (private parts included)."""

    config: NodeConfig
    ca_pem: str
    tls_cert_pem: bytes
    tls_key_pem: bytes
    seal_cert_pem: str
    seal_key_pem: bytes
    api_key: str


def write_node_dir(directory: Path, files: NodeFiles) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    (directory / CONFIG).write_text(json.dumps(files.config.as_dict(), ensure_ascii=False,
                                               indent=2), "utf-8")
    (directory / CA).write_text(files.ca_pem, "ascii")
    (directory / TLS_CERT).write_bytes(files.tls_cert_pem)
    (directory / SEAL_CERT).write_text(files.seal_cert_pem, "ascii")
    write_private(directory / TLS_KEY, files.tls_key_pem)
    write_private(directory / SEAL_KEY, files.seal_key_pem)
    write_private(directory / API_KEY, files.api_key.encode())


def load_config(directory: Path) -> NodeConfig:
    path = directory / CONFIG
    if not path.exists():
        raise FileNotFoundError(f"{directory} is not a node directory (no {CONFIG}); "
                                "run `govbridge node enroll` on the hub first")
    return NodeConfig.from_dict(json.loads(path.read_text("utf-8")))


def load_seal_signer(directory: Path, kid: str) -> Any:
    """The department's seal signer, with `x5c` = [seal certificate, CA certificate]."""
    from govbridge.seals.jws import x5c_header
    from govbridge.seals.signers import load_signer

    key = serialization.load_pem_private_key((directory / SEAL_KEY).read_bytes(), password=None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    leaf = x509.load_pem_x509_certificate((directory / SEAL_CERT).read_bytes())
    anchor = x509.load_pem_x509_certificate((directory / CA).read_bytes())
    return load_signer("Ed25519", der, kid, x5c_header(
        leaf.public_bytes(serialization.Encoding.DER),
        anchor.public_bytes(serialization.Encoding.DER)))
