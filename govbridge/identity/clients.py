"""Use cases for system clients: API keys shown once, stored hashed, revocable.

A key remembers the account that made it: deactivating that account revokes the
key (users.set_active), and the list shows whether its maker is still active.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from govbridge.audit.record import record
from govbridge.core.errors import AuthenticationFailed, Conflict, NotFound
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import ApiClient, User
from govbridge.identity.organizations import referenced_organization
from govbridge.identity.schemas import ClientCreate, ClientCreated, ClientOut
from govbridge.runtime import Ctx
from govbridge.security.at_rest import token_digest

KEY_PREFIX = "gbk"
_KEY_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


LAST_USED_EVERY = timedelta(minutes=1)
log = logging.getLogger(__name__)


def to_out(client: ApiClient) -> ClientOut:
    return ClientOut(
        key_id=client.key_id,
        name=client.name,
        organization_code=client.organization.code,
        created_by=client.created_by,
        created_by_active=client.creator.active if client.creator is not None else None,
        created_at=client.created_at,
        revoked_at=client.revoked_at,
        last_used_at=client.last_used_at,
    )


def create_client(ctx: Ctx, actor: Actor, data: ClientCreate) -> ClientCreated:
    org = referenced_organization(ctx, data.organization_code, "organization_code")
    require(actor, Permission.CLIENT_MANAGE, organization_id=org.id)
    data = checked(ClientCreate, data)
    name = data.name.strip()
    taken = ctx.db.scalar(
        select(ApiClient.id).where(ApiClient.organization_id == org.id, ApiClient.name == name)
    )
    if taken is not None:
        raise Conflict(f"{org.code} already has a client named {name!r}", "name", name)
    key_id = "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(12))
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        key_id=key_id,
        name=name,
        organization=org,
        secret_hash=token_digest(secret),
        created_by=actor.label,
        # An actor made up by a test may name no stored account.
        creator=ctx.db.get(User, actor.user_id) if actor.user_id is not None else None,
        created_at=ctx.now(),
    )
    ctx.db.add(client)
    ctx.db.flush()
    record(ctx, actor, "client.create", "api_client", key_id, {"organization": org.code})
    return ClientCreated(**to_out(client).model_dump(), api_key=f"{KEY_PREFIX}_{key_id}_{secret}")


def list_clients(ctx: Ctx, actor: Actor, organization_code: str | None = None) -> list[ClientOut]:
    stmt = select(ApiClient).order_by(ApiClient.id)
    if organization_code:
        org = referenced_organization(ctx, organization_code, "organization_code")
        require(actor, Permission.CLIENT_MANAGE, organization_id=org.id)
        stmt = stmt.where(ApiClient.organization_id == org.id)
    elif Permission.CLIENT_MANAGE not in actor.permissions:
        # Own-org managers see their own organization's clients only.
        require(actor, Permission.CLIENT_MANAGE, organization_id=actor.organization_id)
        stmt = stmt.where(ApiClient.organization_id == actor.organization_id)
    return [to_out(c) for c in ctx.db.scalars(stmt)]


def revoke_client(ctx: Ctx, actor: Actor, key_id: str) -> ClientOut:
    client = ctx.db.scalar(select(ApiClient).where(ApiClient.key_id == key_id))
    if client is None:
        raise NotFound("api client", key_id)
    require(actor, Permission.CLIENT_MANAGE, organization_id=client.organization_id)
    if client.revoked_at is None:
        client.revoked_at = ctx.now()
        record(ctx, actor, "client.revoke", "api_client", key_id)
    return to_out(client)


def actor_for_api_key(ctx: Ctx, api_key: str) -> Actor:
    """Authenticate a system client. A revoked key is told so, once its secret checks out."""
    parts = api_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise AuthenticationFailed("malformed API key: expected gbk_<key id>_<secret>", "malformed")
    # Columns, not the ORM object: every API call passes here, and loading an entity cost
    # a third of the lookup.
    client = ctx.db.execute(_BY_KEY_ID, {"key_id": parts[1]}).first()
    if client is None or not hmac.compare_digest(client.secret_hash, token_digest(parts[2])):
        raise AuthenticationFailed("unknown API key")
    if client.revoked_at is not None:
        raise AuthenticationFailed(
            f"API key {client.key_id} was revoked at {client.revoked_at.isoformat()}", "revoked"
        )
    now = ctx.now()
    # Once a minute is enough to show a key in use; a write on every call would make
    # every request a writer (and on SQLite take the database lock) for nothing. It is
    # written as the call commits, not now: the first write takes SQLite's lock (the
    # client's row on PostgreSQL), which would then be held through the rest of the call,
    # a provider's node or live source answering included.
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_EVERY:
        ctx.db.info[_USED] = (client.id, now)
    return Actor.for_client(
        client_id=client.id, key_id=client.key_id, organization_id=client.organization_id
    )


_USED = "govbridge.identity.api_key_used"
# Only if no call that committed meanwhile marked it (concurrent calls of one client).
_MARK_USED = (update(ApiClient)
              .where(ApiClient.id == bindparam("client_id"),
                     or_(ApiClient.last_used_at.is_(None),
                         ApiClient.last_used_at < bindparam("stale")))
              .values(last_used_at=bindparam("now")))


def _used_params(used: tuple[int, datetime]) -> dict[str, object]:
    client_id, now = used
    return {"client_id": client_id, "now": now, "stale": now - LAST_USED_EVERY}


@event.listens_for(Session, "before_commit")
def _mark_used(session: Session) -> None:
    used = session.info.pop(_USED, None)
    if used is not None:
        session.execute(_MARK_USED, _used_params(used))


@event.listens_for(Session, "after_transaction_end")
def _mark_used_after_refusal(session: Session, transaction: Any) -> None:
    """A call refused after its key checked out (no agreement, a limit, a node down) used
    the key too: marked in a short transaction of its own, its locks already released."""
    if transaction.parent is not None:
        return
    used = session.info.pop(_USED, None)
    if used is None:
        return
    try:
        with session.get_bind().begin() as conn:
            conn.execute(_MARK_USED, _used_params(used))
    except SQLAlchemyError:  # the call's own error is what its caller needs to see
        log.warning("could not mark API client %s as used", used[0], exc_info=True)


_BY_KEY_ID = select(ApiClient.id, ApiClient.key_id, ApiClient.organization_id,
                    ApiClient.secret_hash, ApiClient.revoked_at,
                    ApiClient.last_used_at).where(ApiClient.key_id == bindparam("key_id"))
