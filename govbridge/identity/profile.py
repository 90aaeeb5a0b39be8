"""Use case: a signed-in user reads their own profile (needs no permission but being them)."""

from __future__ import annotations

from dataclasses import dataclass

from govbridge.core.errors import AuthenticationFailed
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.models import User
from govbridge.runtime import Ctx


@dataclass(frozen=True)
class Profile:
    username: str
    display_name: str
    roles: tuple[Role, ...]
    organization_code: str | None
    organization_name: str | None
    organization_name_en: str | None
    subject_type: str | None
    subject_id: str | None


def my_profile(ctx: Ctx, actor: Actor) -> Profile:
    user = ctx.db.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise AuthenticationFailed("only a signed-in user has a profile")
    org = user.organization
    return Profile(
        username=user.username,
        display_name=user.display_name,
        roles=tuple(sorted(Role(r) for r in user.roles)),
        organization_code=org.code if org else None,
        organization_name=org.name if org else None,
        organization_name_en=org.name_en if org else None,
        subject_type=user.subject_type,
        subject_id=user.subject_id,
    )
