"""Use cases for user accounts: create, list, change password, TOTP reset, deactivate.

Who reads whose account (least privilege): holders of `user.read` alone (a data
officer) list their own organization's staff; `user.read_all` (the bureau, the
auditor) lists every account; only `user.read_applicant_ids` (the bureau) sees an
applicant's citizen ID or credit code, masked unless revealed on purpose, and a
reveal is recorded in the audit trail. Ending trust ends sessions: a password change
ends the user's other sessions, a reset, TOTP reset or deactivation all of them, and
a deactivation also revokes the API keys the account made.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update

from govbridge.audit.record import record
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.identifiers import (
    personal_identifier_in,
    validate_citizen_id,
    validate_credit_code,
)
from govbridge.core.inputs import checked
from govbridge.core.password_policy import check_password
from govbridge.core.permissions import ROLES_REQUIRING_TOTP, STAFF_ROLES, Permission, Role
from govbridge.identity import passwords, totp
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import ApiClient, PasswordHistory, User, UserRole, WebSession
from govbridge.identity.organizations import referenced_organization
from govbridge.identity.schemas import SubjectShown, UserCreate, UserOut
from govbridge.runtime import Ctx

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# An applicant's identifier shows its first 6 characters (a citizen ID's region, a
# credit code's registering authority and region) and last 4, never a birth date.
_KEEP_HEAD = 6
_KEEP_TAIL = 4


def mask_subject_id(value: str) -> str:
    """`320505199001019251` → `320505********9251`; a credit code likewise."""
    hidden = len(value) - _KEEP_HEAD - _KEEP_TAIL
    if hidden <= 0:
        return "*" * len(value)
    return value[:_KEEP_HEAD] + "*" * hidden + value[-_KEEP_TAIL:]


def to_out(user: User, shown: SubjectShown = "masked") -> UserOut:
    """The account as a caller sees it; an applicant's identifier as `shown` says."""
    subject_id = None
    if user.subject_id is not None:
        if shown == "full":
            subject_id = user.subject_id
        elif shown == "masked":
            subject_id = mask_subject_id(user.subject_id)
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        roles=sorted(Role(r) for r in user.roles),
        organization_code=user.organization.code if user.organization else None,
        subject_type=user.subject_type,
        subject_id=subject_id,
        subject_id_shown=shown if user.subject_id is not None else None,
        totp_enrolled=user.totp_secret_enc is not None,
        active=user.active,
        created_at=user.created_at,
    )


def requires_totp(user: User) -> bool:
    return any(Role(r) in ROLES_REQUIRING_TOTP for r in user.roles)


def user_by_name(ctx: Ctx, username: str) -> User | None:
    return ctx.db.scalar(select(User).where(User.username == username.strip().lower()))


def _subject(subject_id: str) -> tuple[str, str]:
    """Classify an applicant's identifier: a citizen ID is all digits but maybe X."""
    value = subject_id.strip().upper()
    if value[:17].isdigit():
        return "person", validate_citizen_id(value, field="subject_id")
    return "enterprise", validate_credit_code(value, field="subject_id")


def create_user(
    ctx: Ctx, actor: Actor, data: UserCreate, *, totp_secret: str | None = None
) -> UserOut:
    """Create an account. Staff belong to an organization; applicants to a subject.

    `totp_secret` pre-enrolls the second factor (used by the demo loader and
    by `user create --enroll-totp`, which shows it once).
    """
    data = checked(UserCreate, data)
    username = data.username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput.one(
            "username",
            "use 3-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
            data.username,
            "format",
        )
    held = personal_identifier_in(username)
    if held is not None:  # the name is written into every audit trail the account acts in
        raise InvalidInput.one(
            "username",
            f"must not contain a {'citizen ID number' if held == 'citizen_id' else 'mobile number'}"
            ": the account name is written into audit trails and ledger entries",
            None,
            "personal_identifier",
        )
    roles = set(data.roles)
    org = None
    subject_type = subject_id = None
    if Role.APPLICANT in roles:
        if roles != {Role.APPLICANT}:
            raise InvalidInput.one(
                "roles", "an applicant account cannot also hold staff roles", ",".join(roles)
            )
        if data.organization_code:
            raise InvalidInput.one(
                "organization_code", "applicants do not belong to an organization",
                data.organization_code,
            )
        if not data.subject_id:
            raise InvalidInput.one(
                "subject_id", "an applicant needs a citizen ID or credit code", None, "required"
            )
        subject_type, subject_id = _subject(data.subject_id)
        require(actor, Permission.USER_MANAGE)
    else:
        if not data.organization_code:
            raise InvalidInput.one(
                "organization_code", "staff accounts belong to an organization", None, "required"
            )
        org = referenced_organization(ctx, data.organization_code, "organization_code")
        require(actor, Permission.USER_MANAGE, organization_id=org.id)
        if roles - STAFF_ROLES:
            raise InvalidInput.one("roles", "unknown role", ",".join(roles - STAFF_ROLES))
    check_password(data.password, username=username, other_inputs=[data.display_name])
    if user_by_name(ctx, username) is not None:
        raise Conflict(f"username {username} is taken", "username", username)
    if subject_id and ctx.db.scalar(select(User.id).where(User.subject_id == subject_id)):
        raise Conflict("an account for this applicant already exists", "subject_id", subject_id)

    password_hash = passwords.hash_password(data.password)
    user = User(
        username=username,
        display_name=data.display_name.strip(),
        organization=org,
        subject_type=subject_type,
        subject_id=subject_id,
        password_hash=password_hash,
        password_changed_at=ctx.now(),
        created_at=ctx.now(),
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
    )
    if totp_secret:
        user.totp_secret_enc = totp.encrypt_secret(ctx.settings.secret_key, totp_secret)
    ctx.db.add(user)
    ctx.db.flush()
    ctx.db.add(PasswordHistory(user_id=user.id, password_hash=password_hash, created_at=ctx.now()))
    record(
        ctx, actor, "user.create", "user", username,
        {"roles": sorted(roles), "organization": org.code if org else None},
    )
    # The creator typed the identifier in; it is shown back to them as given.
    return to_out(user, "full")


def list_users(ctx: Ctx, actor: Actor, organization_code: str | None = None, *,
               reveal: bool = False) -> list[UserOut]:
    """The accounts the actor may see (see the module's docstring), oldest name first.

    `reveal` shows applicants' identifiers in full: only with
    `user.read_applicant_ids`, and recorded in the audit trail with the accounts
    whose identifiers were shown (never the identifiers).
    """
    require(actor, Permission.USER_READ)
    if reveal:
        require(actor, Permission.APPLICANT_ID_READ)
    stmt = select(User).order_by(User.username)
    if organization_code:
        org = referenced_organization(ctx, organization_code, "organization_code")
        require(actor, Permission.USER_READ_ALL, organization_id=org.id)
        stmt = stmt.where(User.organization_id == org.id)
    elif Permission.USER_READ_ALL not in actor.permissions:
        require(actor, Permission.USER_READ_ALL, organization_id=actor.organization_id)
        stmt = stmt.where(User.organization_id == actor.organization_id)
    shown: SubjectShown = "withheld"
    if Permission.APPLICANT_ID_READ in actor.permissions:
        shown = "full" if reveal else "masked"
    rows = list(ctx.db.scalars(stmt))
    if reveal:
        revealed = sorted(u.username for u in rows if u.subject_id is not None)
        record(ctx, actor, "user.reveal_subject_ids", "user", "*",
               {"organization": organization_code, "usernames": revealed})
    return [to_out(u, shown) for u in rows]


def _target(ctx: Ctx, username: str) -> User:
    user = user_by_name(ctx, username)
    if user is None:
        raise NotFound("user", username)
    return user


def set_password(ctx: Ctx, actor: Actor, username: str, new_password: str, *,
                 old_password: str | None = None) -> None:
    """Change a password: the user's own (old one required) or by an admin (reset).

    The new password must pass the policy and differ from the last
    `settings.password_history` passwords.
    """
    user = _target(ctx, username)
    own = actor.kind == "user" and actor.user_id == user.id
    if own:
        if old_password is None or not passwords.verify_password(user.password_hash, old_password):
            raise InvalidInput.one("old_password", "does not match the current password")
    else:
        require(actor, Permission.USER_MANAGE, organization_id=user.organization_id)
    check_password(new_password, username=user.username, other_inputs=[user.display_name])
    recent = ctx.db.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc())
        .limit(ctx.settings.password_history)
    )
    if passwords.matches_any(recent, new_password):
        raise InvalidInput.one(
            "password",
            f"was used recently; choose one not among your last "
            f"{ctx.settings.password_history}",
            None,
            "reused",
        )
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = ctx.now()
    ctx.db.add(
        PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=ctx.now())
    )
    # Whoever held another session (a stolen cookie, a forgotten browser) is out; the
    # user's own session that made the change goes on. A reset ends every session.
    ended = revoke_sessions(ctx, user.id, keep=actor.session_id if own else None)
    record(ctx, actor, "user.password_reset" if not own else "user.password_change", "user",
           user.username, {"sessions_ended": ended})


def reset_totp(ctx: Ctx, actor: Actor, username: str) -> None:
    """Forget a user's second factor; they enroll again at their next login, and every
    session they hold now ends (it was proven with the factor being withdrawn)."""
    user = _target(ctx, username)
    require(actor, Permission.USER_MANAGE, organization_id=user.organization_id)
    user.totp_secret_enc = None
    user.totp_last_step = None
    ended = revoke_sessions(ctx, user.id)
    record(ctx, actor, "user.totp_reset", "user", user.username, {"sessions_ended": ended})


def set_active(ctx: Ctx, actor: Actor, username: str, active: bool) -> UserOut:
    """Activate or deactivate an account. Deactivating ends its sessions and revokes
    the API keys it made (a reactivation does not bring them back)."""
    user = _target(ctx, username)
    require(actor, Permission.USER_MANAGE, organization_id=user.organization_id)
    if actor.user_id == user.id and not active:
        raise PermissionDenied(Permission.USER_MANAGE.value, "you cannot deactivate yourself")
    user.active = active
    details: dict[str, object] = {}
    if not active:
        details["sessions_ended"] = revoke_sessions(ctx, user.id)
        details["revoked_clients"] = revoke_clients_of_creator(ctx, actor, user)
    record(ctx, actor, "user.activate" if active else "user.deactivate", "user", user.username,
           details)
    return to_out(user)


def revoke_sessions(ctx: Ctx, user_id: int, *, keep: int | None = None) -> int:
    """End the user's live sessions (all but `keep`); answers how many ended."""
    stmt = (
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=ctx.now())
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        stmt = stmt.where(WebSession.id != keep)
    return ctx.db.execute(stmt).rowcount or 0


def revoke_clients_of_creator(ctx: Ctx, actor: Actor, user: User) -> list[str]:
    """Revoke the live API keys `user` made, each recorded with why; their key ids."""
    keys = ctx.db.scalars(
        select(ApiClient)
        .where(ApiClient.created_by_user_id == user.id, ApiClient.revoked_at.is_(None))
        .order_by(ApiClient.id)
    ).all()
    for client in keys:
        client.revoked_at = ctx.now()
        record(ctx, actor, "client.revoke", "api_client", client.key_id,
               {"reason": "creator deactivated", "creator": user.username})
    return [c.key_id for c in keys]
