"""Use cases for logging in and out: password, TOTP second factor, sessions.

A session whose user must prove a second factor carries no permissions until
the code is verified (or, on first login, a new seed is enrolled and confirmed);
then it is replaced by a new session with a new token, so a token seen or planted
before the second factor is worth nothing after it.

Failed attempts are throttled per client address (identity/throttle.py), never by
locking the account; an unknown name, an inactive account and a wrong password get
the same answer after the same work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govbridge.core.errors import AuthenticationFailed, InvalidInput, SecondFactorRequired
from govbridge.core.permissions import Role
from govbridge.identity import passwords, throttle, totp
from govbridge.identity.actor import Actor
from govbridge.identity.models import User, WebSession
from govbridge.identity.schemas import LoginResult, SecondFactor
from govbridge.identity.users import requires_totp, user_by_name
from govbridge.runtime import Ctx
from govbridge.security.at_rest import new_token, token_digest

# Wrong one-time codes one half-open session may send before it is ended (the
# password step is then due again, itself throttled).
MAX_CODE_FAILURES = 5
WRONG_CREDENTIALS = "wrong username or password"


def login(ctx: Ctx, username: str, password: str, totp_code: str | None = None, *,
          client_address: str) -> LoginResult:
    """Check the password (and the TOTP code, when given) and open a session.

    `client_address` is who is trying (throttle.client_address); a throttled client
    is refused before anything is looked up. Failures are committed although the
    call fails.
    """
    name = username.strip().lower()
    throttle.check(ctx, client_address, name)
    user = user_by_name(ctx, name)
    usable = user is not None and user.active
    password_ok = passwords.verify_or_burn(user.password_hash if usable else None, password)
    if not password_ok or user is None:
        throttle.fail(ctx, client_address, name)
        raise AuthenticationFailed(WRONG_CREDENTIALS)

    stage: SecondFactor = "none"
    if requires_totp(user):
        stage = "enroll" if user.totp_secret_enc is None else "verify"
    if stage == "verify" and totp_code is not None:
        _verify_code(ctx, user, totp_code, client_address)
        stage = "none"
    if stage == "none":
        throttle.succeed(ctx, client_address, name)
    return _open_session(ctx, user, stage)


def _open_session(ctx: Ctx, user: User, stage: SecondFactor) -> LoginResult:
    now = ctx.now()
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
    ctx.db.flush()
    return LoginResult(
        session_token=session_token,
        csrf_token=session.csrf_token,
        second_factor=stage,
        expires_at=session.expires_at,
    )


def _wrong_code(ctx: Ctx, user: User, client_address: str,
                session: WebSession | None = None) -> InvalidInput:
    """Count a wrong one-time code against the client (and the half-open session,
    ended at MAX_CODE_FAILURES); committed, since the call fails."""
    if session is not None:
        session.code_failures += 1
        if session.code_failures >= MAX_CODE_FAILURES:
            session.revoked_at = ctx.now()
    throttle.fail(ctx, client_address, user.username)
    return InvalidInput.one("totp_code", "wrong or already used one-time code", None, "totp")


def _verify_code(ctx: Ctx, user: User, code: str, client_address: str,
                 session: WebSession | None = None) -> None:
    assert user.totp_secret_enc is not None
    secret = totp.decrypt_secret(ctx.settings.secret_key, user.totp_secret_enc)
    step = totp.matching_step(secret, code, ctx.now(), user.totp_last_step)
    if step is None:
        raise _wrong_code(ctx, user, client_address, session)
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


def _half_open(ctx: Ctx, session_token: str, client_address: str) -> WebSession:
    session = _live_session(ctx, session_token)
    throttle.check(ctx, client_address, session.user.username)
    return session


def _renew(ctx: Ctx, session: WebSession, client_address: str) -> LoginResult:
    """The second factor succeeded: end the half-open session, open a full one."""
    session.revoked_at = ctx.now()
    throttle.succeed(ctx, client_address, session.user.username)
    return _open_session(ctx, session.user, "none")


def verify_second_factor(ctx: Ctx, session_token: str, code: str, *,
                         client_address: str) -> LoginResult:
    """Prove the code on a half-open session; answers the new session that replaces it."""
    session = _half_open(ctx, session_token, client_address)
    if session.user.totp_secret_enc is None:
        raise SecondFactorRequired("enroll a TOTP authenticator first")
    _verify_code(ctx, session.user, code, client_address, session)
    return _renew(ctx, session, client_address)


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


def confirm_enrollment(ctx: Ctx, session_token: str, code: str, *,
                       client_address: str) -> LoginResult:
    """Confirm the pending seed with a code; answers the new session that replaces this one."""
    session = _half_open(ctx, session_token, client_address)
    if session.pending_totp_enc is None:
        raise InvalidInput.one("totp_code", "no enrollment in progress", None, "state")
    secret = totp.decrypt_secret(ctx.settings.secret_key, session.pending_totp_enc)
    step = totp.matching_step(secret, code, ctx.now(), None)
    if step is None:
        raise _wrong_code(ctx, session.user, client_address, session)
    user = session.user
    user.totp_secret_enc = session.pending_totp_enc
    user.totp_last_step = step
    session.pending_totp_enc = None
    return _renew(ctx, session, client_address)


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
        session_id=session.id,
    )


def session_csrf(ctx: Ctx, session_token: str) -> str:
    return _live_session(ctx, session_token).csrf_token


def logout(ctx: Ctx, session_token: str) -> None:
    session = ctx.db.scalar(
        select(WebSession).where(WebSession.token_hash == token_digest(session_token))
    )
    if session is not None and session.revoked_at is None:
        session.revoked_at = ctx.now()
