"""Hub-side use cases, each `fn(ctx, actor, ...)` checking its permission first: enrol a
department's node, list nodes, disable or enable one. The hub's own client certificate for
calling nodes is in `hub_client.py`."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import published_fields
from govbridge.core.errors import InvalidInput
from govbridge.core.permissions import Permission
from govbridge.identity import clients
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.identity.schemas import ClientCreate
from govbridge.ledger.checkpoints import origin_of
from govbridge.nodes import tls
from govbridge.nodes.config import DatasetInfo, NodeConfig, NodeFiles
from govbridge.nodes.hub_client import TLS_DAYS, ensure_hub_client
from govbridge.nodes.models import Node
from govbridge.runtime import Ctx
from govbridge.standards.usecases import spec_of


@dataclass(frozen=True)
class NodeOut:
    organization_code: str
    organization_name: str
    url: str
    tls_fingerprint: str
    seal_kid: str
    status: str
    created_at: datetime
    updated_at: datetime


def _out(node: Node, org: Organization) -> NodeOut:
    return NodeOut(org.code, org.name, node.url, node.tls_fingerprint, node.seal_kid,
                   node.status, node.created_at, node.updated_at)


def _check_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or not parts.port or parts.path not in (
            "", "/") or parts.query:
        raise InvalidInput.one("url", "a node URL is https://HOST:PORT", url, "format")
    return f"https://{parts.netloc}", parts.hostname


def _datasets(ctx: Ctx, org: Organization) -> list[DatasetInfo]:
    """The provider's published datasets, with each field's data element: a node that reads
    a dataset live checks the rows with these rules (it has no catalog of its own)."""
    rows = ctx.db.scalars(select(Dataset).where(Dataset.provider_id == org.id,
                                                Dataset.published_version.is_not(None))
                          .order_by(Dataset.resource_code))
    out = []
    for ds in rows:
        fields = published_fields(ds)
        out.append(DatasetInfo(
            ds.resource_code, ds.name, ds.subject_field, ds.key_field,
            [f["name"] for f in fields],
            elements={f["name"]: asdict(spec_of(ctx, f["element"], f.get("element_version")))
                      for f in fields if f.get("element")},
            required=[f["name"] for f in fields if f.get("required")]))
    return out


def enroll_node(ctx: Ctx, actor: Actor, org_code: str, url: str, hub_url: str) -> NodeFiles:
    """Register (or re-register) a department's node and hand out what it needs to run.

    Issues the node's TLS certificate and a new seal key from the platform CA (the
    department's previous seal is retired; the hub keeps only the new one's public part),
    and an API key for witnessing. Returns the node directory's contents (private keys
    included): the caller writes them out once and the hub forgets them.
    """
    from govbridge.seals.usecases import certify_held_seal, certify_with_ca

    require(actor, Permission.SEAL_MANAGE)
    org = referenced_organization(ctx, org_code, "organization_code")
    node_url, host = _check_url(url)
    hub_fp = ensure_hub_client(ctx)
    now = ctx.now().replace(microsecond=0)

    tls_key = tls.new_key()
    tls_cert = certify_with_ca(
        ctx, lambda ca_key, ca_cert: tls.issue_node_certificate(
            ca_key, ca_cert, tls_key.public_key(), org_code=org.code, org_name=org.name,
            host=host, not_before=now - timedelta(minutes=5),
            not_after=now + timedelta(days=TLS_DAYS)))

    seal_key = Ed25519PrivateKey.generate()
    seal, ca_pem = certify_held_seal(ctx, actor, org.code, seal_key.public_key())
    assert seal.certificate_pem is not None
    api = clients.create_client(ctx, actor, ClientCreate(
        organization_code=org.code, name=f"node {secrets.token_hex(4)}"))

    node = ctx.db.scalar(select(Node).where(Node.organization_id == org.id))
    if node is None:
        node = Node(organization_id=org.id, created_at=ctx.now())
        ctx.db.add(node)
    node.url = node_url
    node.tls_fingerprint = tls.fingerprint(tls_cert)
    node.seal_kid = seal.kid
    node.status = "active"
    node.updated_at = ctx.now()
    ctx.db.flush()
    record(ctx, actor, "node.enroll", "node", org.code,
           {"url": node_url, "tls_fingerprint": node.tls_fingerprint, "seal": seal.kid,
            "api_client": api.key_id})
    config = NodeConfig(
        organization_code=org.code, organization_name=org.name, hub_url=hub_url.rstrip("/"),
        node_url=node_url, ledger_origin=origin_of(ctx), hub_client_fingerprint=hub_fp,
        seal_kid=seal.kid, datasets=_datasets(ctx, org))
    return NodeFiles(
        config=config, ca_pem=ca_pem, tls_cert_pem=tls.cert_pem(tls_cert),
        tls_key_pem=tls.key_pem(tls_key), seal_cert_pem=seal.certificate_pem,
        seal_key_pem=seal_key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()),
        api_key=api.api_key)


def list_nodes(ctx: Ctx, actor: Actor) -> list[NodeOut]:
    require(actor, Permission.ORG_READ)
    rows = ctx.db.execute(select(Node, Organization).join(
        Organization, Organization.id == Node.organization_id).order_by(Organization.code))
    return [_out(node, org) for node, org in rows]


def set_status(ctx: Ctx, actor: Actor, org_code: str, status: str) -> NodeOut:
    """Disable a node (the hub stops calling it) or enable it again."""
    require(actor, Permission.SEAL_MANAGE)
    if status not in ("active", "disabled"):
        raise InvalidInput.one("status", "active or disabled", status, "choice")
    org = referenced_organization(ctx, org_code, "organization_code")
    node = ctx.db.scalar(select(Node).where(Node.organization_id == org.id))
    if node is None:
        raise InvalidInput.one("organization_code", "this department has no node", org_code,
                               "no_node")
    node.status = status
    node.updated_at = ctx.now()
    record(ctx, actor, f"node.{'enable' if status == 'active' else 'disable'}", "node", org.code,
           {})
    return _out(node, org)
