"""Use cases for logging in and out: password, TOTP second factor, sessions.

A session whose user must prove a second factor carries no permissions until
the code is verified (or, on first login, a new seed is enrolled and confirmed).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govbridge.core.errors import AuthenticationFailed, InvalidInput, SecondFactorRequired
from govbridge.core.permissions import Role
from govbridge.identity import passwords, totp
from govbridge.identity.actor import Actor
from govbridge.identity.models import User, WebSession
from govbridge.identity.schemas import LoginResult
from govbridge.identity.users import requires_totp, user_by_name
from govbridge.runtime import Ctx
from govbridge.security.at_rest import new_token, token_digest

MAX_FAILURES = 5
LOCK_MINUTES = 15


def login(ctx: Ctx, username: str, password: str, totp_code: str | None = None) -> LoginResult:
    """Check the password (and the TOTP code, when given) and open a session.

    Failures are counted and committed even though the call fails, so a
    guesser is locked out after MAX_FAILURES attempts for LOCK_MINUTES.
    """
    user = user_by_name(ctx, username)
    now = ctx.now()
    if user is None or not user.active:
        passwords.burn_time(password)
        raise AuthenticationFailed("wrong username or password")
    if user.locked_until is not None and user.locked_until > now:
        raise AuthenticationFailed(
            "account temporarily locked after repeated failures; try later", "locked"
        )
    if not passwords.verify_password(user.password_hash, password):
        _count_failure(ctx, user)
        raise AuthenticationFailed("wrong username or password")
    user.failed_logins = 0
    user.locked_until = None

    stage = "none"
    if requires_totp(user):
        stage = "enroll" if user.totp_secret_enc is None else "verify"
    if stage == "verify" and totp_code is not None:
        _verify_code(ctx, user, totp_code)
        stage = "none"
    session_token = new_token()
    session = WebSession(
        token_hash=token_digest(session_token),
        user_id=user.id,
        csrf_token=new_token(24),
        second_factor_ok=stage == "none",
        created_at=now,
        expires_at=now + timedelta(hours=ctx.settings.session_hours),
    )
    ctx.db.add(session)
    return LoginResult(
        session_token=session_token,
        csrf_token=session.csrf_token,
        second_factor=stage,  # type: ignore[arg-type]
        expires_at=session.expires_at,
    )


def _count_failure(ctx: Ctx, user: User) -> None:
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = ctx.now() + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
    ctx.db.commit()


def _refuse_if_locked(ctx: Ctx, user: User) -> None:
    if user.locked_until is not None and user.locked_until > ctx.now():
        raise AuthenticationFailed(
            "account temporarily locked after repeated failures; try later", "locked"
        )


def _verify_code(ctx: Ctx, user: User, code: str) -> None:
    assert user.totp_secret_enc is not None
    _refuse_if_locked(ctx, user)
    secret = totp.decrypt_secret(ctx.settings.secret_key, user.totp_secret_enc)
    step = totp.matching_step(secret, code, ctx.now(), user.totp_last_step)
    if step is None:
        _count_failure(ctx, user)
        raise InvalidInput.one(
            "totp_code", "wrong or already used one-time code", None, "totp"
        )
    user.totp_last_step = step


def _live_session(ctx: Ctx, session_token: str) -> WebSession:
    session = ctx.db.scalar(
        select(WebSession).where(WebSession.token_hash == token_digest(session_token))
    )
    if (
        session is None
        or session.revoked_at is not None
        or session.expires_at <= ctx.now()
        or not session.user.active
    ):
        raise AuthenticationFailed("session expired or signed out; please log in again", "session")
    return session


def verify_second_factor(ctx: Ctx, session_token: str, code: str) -> None:
    session = _live_session(ctx, session_token)
    if session.user.totp_secret_enc is None:
        raise SecondFactorRequired("enroll a TOTP authenticator first")
    _verify_code(ctx, session.user, code)
    session.second_factor_ok = True


def begin_enrollment(ctx: Ctx, session_token: str) -> tuple[str, str]:
    """A new TOTP seed for a user who has none yet: (secret, otpauth URI).

    The seed waits on the session, encrypted, until a code confirms it.
    """
    session = _live_session(ctx, session_token)
    if session.user.totp_secret_enc is not None:
        raise InvalidInput.one("totp", "a TOTP authenticator is already enrolled", None, "enrolled")
    secret = totp.new_secret()
    session.pending_totp_enc = totp.encrypt_secret(ctx.settings.secret_key, secret)
    return secret, totp.provisioning_uri(secret, session.user.username)


def confirm_enrollment(ctx: Ctx, session_token: str, code: str) -> None:
    session = _live_session(ctx, session_token)
    if session.pending_totp_enc is None:
        raise InvalidInput.one("totp_code", "no enrollment in progress", None, "state")
    _refuse_if_locked(ctx, session.user)
    secret = totp.decrypt_secret(ctx.settings.secret_key, session.pending_totp_enc)
    step = totp.matching_step(secret, code, ctx.now(), None)
    if step is None:
        _count_failure(ctx, session.user)
        raise InvalidInput.one("totp_code", "wrong one-time code", None, "totp")
    user = session.user
    user.totp_secret_enc = session.pending_totp_enc
    user.totp_last_step = step
    session.pending_totp_enc = None
    session.second_factor_ok = True


def actor_for_session(ctx: Ctx, session_token: str) -> Actor:
    session = _live_session(ctx, session_token)
    if not session.second_factor_ok:
        raise SecondFactorRequired("finish the TOTP step of your login")
    user = session.user
    return Actor.for_user(
        user_id=user.id,
        username=user.username,
        roles=frozenset(Role(r) for r in user.roles),
        organization_id=user.organization_id,
        subject_id=user.subject_id,
    )


def session_csrf(ctx: Ctx, session_token: str) -> str:
    return _live_session(ctx, session_token).csrf_token


def logout(ctx: Ctx, session_token: str) -> None:
    session = ctx.db.scalar(
        select(WebSession).where(WebSession.token_hash == token_digest(session_token))
    )
    if session is not None and session.revoked_at is None:
        session.revoked_at = ctx.now()

