"""The one permission gate every use case passes through."""

from __future__ import annotations

from govbridge.core.errors import PermissionDenied
from govbridge.core.permissions import Permission, allows
from govbridge.identity.actor import Actor


def require(actor: Actor, permission: Permission, *, organization_id: int | None = None) -> None:
    """Raise PermissionDenied naming `permission` unless the actor holds it.

    `organization_id` is the organization the action touches; an own-org
    permission covers it only when it is the actor's own.
    """
    if not allows(
        actor.permissions,
        permission,
        actor_org_id=actor.organization_id,
        target_org_id=organization_id,
    ):
        raise PermissionDenied(permission.value)
