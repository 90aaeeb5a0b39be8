"""The hub's side of hub → node calls: mutual TLS with the platform CA, short timeouts.

The hub presents its client certificate (`GOVBRIDGE_HOME/nodes/hub-client.crt`), trusts
only the platform CA, connects with the server name `<code>.node.govbridge` so that only
the certificate issued for that department passes the hostname check, and then pins the
exact certificate registered at enrolment (SHA-256 fingerprint). The node's answer is
believed only after its seal verifies against the CA, the seal key is the provider's
(registered, not revoked), and the payload is the hub's skeleton plus rows
(`protocol.answer_problem`).

A node that cannot be reached, times out, or says it is unavailable (its live source is
down, say: the node's reason is passed on) raises `NodeUnavailable` (503 with
`retry_after`); the gateway raises it before recording, so the call leaves nothing
behind.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from govbridge.core.errors import DomainError
from govbridge.exchange import admission
from govbridge.exchange.plan import Plan, SealedAnswer, mask_key, subjects_of
from govbridge.identity.models import Organization
from govbridge.nodes import protocol, tls
from govbridge.nodes.hub_client import ensure_hub_client, hub_client_paths
from govbridge.nodes.models import Node
from govbridge.runtime import Ctx
from govbridge.seals.jws import SealInvalid
from govbridge.seals.models import SealKey
from govbridge.seals.usecases import ca_certificate_pem, verify_sealed

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
RETRY_AFTER = 30
PRODUCE_PATH = "/node/v1/produce"


class NodeUnavailable(DomainError):
    """The provider's node did not answer; nothing was recorded. Try again later."""

    status = 503
    type_slug = "node-unavailable"
    title = "Provider's node unavailable"

    def __init__(self, org_code: str, reason: str, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(f"the node of {org_code} is unavailable ({reason}); nothing was "
                         f"recorded, try again in {retry_after} s")
        self.organization_code = org_code
        self.reason = reason
        self.retry_after = retry_after

    def extensions(self) -> dict[str, object]:
        return {"organization_code": self.organization_code, "retry_after": self.retry_after}


class NodeAnswerInvalid(DomainError):
    """The provider's node answered, but the hub will not pass the answer on."""

    status = 502
    type_slug = "node-answer-invalid"
    title = "Provider's node gave an invalid answer"

    def __init__(self, org_code: str, reason: str) -> None:
        super().__init__(f"the node of {org_code} gave an answer the hub refuses: {reason}")
        self.organization_code = org_code
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {"organization_code": self.organization_code, "reason": self.reason}


@dataclass(frozen=True)
class NodeRef:
    organization_code: str
    url: str
    tls_fingerprint: str


def node_of(ctx: Ctx, organization_id: int) -> NodeRef | None:
    """The active node of a provider, if it has one."""
    row = ctx.db.execute(select(Node, Organization.code).join(
        Organization, Organization.id == Node.organization_id).where(
        Node.organization_id == organization_id, Node.status == "active")).first()
    if row is None:
        return None
    node, code = row
    return NodeRef(code, node.url, node.tls_fingerprint)


_contexts: dict[tuple[str, float, str], ssl.SSLContext] = {}


def hub_ssl_context(ctx: Ctx) -> ssl.SSLContext:
    """Client context with the hub's certificate, trusting the platform CA only (cached)."""
    cert, key = hub_client_paths(ctx)
    if not cert.exists():
        ensure_hub_client(ctx)
    anchor = ca_certificate_pem(ctx)
    cache_key = (str(cert), cert.stat().st_mtime, anchor)
    if cache_key not in _contexts:
        _contexts.clear()
        _contexts[cache_key] = tls.client_context(cert, key, anchor)
    return _contexts[cache_key]


def peer_fingerprint(resp: httpx.Response) -> str | None:
    stream = resp.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    der = ssl_object.getpeercert(True) if ssl_object is not None else None
    return tls.fingerprint_der(der) if der else None


def call_node(ctx: Ctx, node: NodeRef, path: str, body: dict[str, Any] | None = None, *,
              timeout: float = READ_TIMEOUT) -> tuple[int, Any]:
    """One mTLS call to a node; (status, JSON body). Raises NodeUnavailable / NodeAnswerInvalid."""
    context = hub_ssl_context(ctx)
    try:
        with httpx.Client(verify=context, trust_env=False,
                          timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT)) as http:
            ext = {"sni_hostname": tls.node_server_name(node.organization_code)}
            if body is None:
                resp = http.get(node.url + path, extensions=ext)
            else:
                resp = http.post(node.url + path, json=body, extensions=ext)
            pinned = peer_fingerprint(resp)
    except httpx.TimeoutException:
        raise NodeUnavailable(node.organization_code, "timed out") from None
    except httpx.TransportError as exc:
        raise NodeUnavailable(node.organization_code,
                              f"cannot connect: {type(exc).__name__}") from None
    if pinned != node.tls_fingerprint:
        raise NodeAnswerInvalid(node.organization_code,
                                "it answered with a certificate other than the enrolled one")
    if resp.status_code in (502, 503, 504):
        raise NodeUnavailable(node.organization_code, f"it answered {resp.status_code}"
                              + _detail_of(resp))
    try:
        data = resp.json()
    except ValueError:
        raise NodeAnswerInvalid(node.organization_code, "the answer is not JSON") from None
    return resp.status_code, data


def _detail_of(resp: httpx.Response) -> str:
    """": why" when the node said why (e.g. its live source is down), else ""."""
    try:
        detail = resp.json().get("detail")
    except (ValueError, AttributeError):
        return ""
    return f": {detail[:200]}" if isinstance(detail, str) and detail else ""


def produce_remote(ctx: Ctx, plan: Plan, node: NodeRef) -> SealedAnswer:
    """Ask the provider's node for the rows of `plan`; check and return its sealed answer."""
    query = plan.query
    request = protocol.ProduceIn(
        skeleton=plan.skeleton, resource_code=plan.dataset.resource_code,
        subject_ids=query.subject_ids, filter=query.filter, limit=query.limit,
        masks=plan.masks, subject_field=plan.dataset.subject_field,
        mask_key=mask_key(ctx.settings.secret_key, plan.consumer.code).hex())
    with admission.outside():  # the node's time is not the hub's work
        status, doc = call_node(ctx, node, PRODUCE_PATH, request.model_dump(mode="json"))
    if status != 200:
        detail = doc.get("detail") if isinstance(doc, dict) else None
        raise NodeAnswerInvalid(node.organization_code, f"it refused ({status}): {detail}")
    sealed, payload, subjects = check_answer(ctx, plan, doc)
    return SealedAnswer(sealed, payload, subjects)


def check_answer(ctx: Ctx, plan: Plan, doc: Any) -> tuple[str, dict[str, Any], list[str]]:
    """Verify a node's answer to `plan`: seal by the provider, payload = skeleton + rows."""

    provider = plan.dataset.provider
    if not isinstance(doc, dict) or not isinstance(doc.get("sealed"), str):
        raise NodeAnswerInvalid(provider.code, "no sealed payload")
    try:
        verified = verify_sealed(ctx, doc["sealed"])
    except SealInvalid as exc:
        raise NodeAnswerInvalid(provider.code, f"seal: {exc.detail}") from None
    key = ctx.db.scalar(select(SealKey).where(SealKey.kid == verified.kid))
    if (key is None or key.purpose != "seal" or key.organization_id != provider.id
            or verified.organization_code != provider.code):
        raise NodeAnswerInvalid(provider.code, f"sealed by {verified.organization_code or '?'} "
                                f"({verified.kid}), not by the provider")
    query = plan.query
    problem = protocol.answer_problem(plan.skeleton, plan.masks, query.subject_ids,
                                      query.filter, query.limit, plan.dataset.subject_field,
                                      verified.payload, doc.get("subjects"))
    if problem:
        raise NodeAnswerInvalid(provider.code, problem)
    subjects = (subjects_of(None, [], query.subject_ids) if query.subject_ids
                else list(doc["subjects"]))
    return doc["sealed"], verified.payload, subjects
