"""Login: passwords, TOTP verify/enroll, replay, sessions (throttling: test_login_throttle)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from govbridge.core.errors import AuthenticationFailed, InvalidInput, SecondFactorRequired
from govbridge.core.permissions import Permission, Role
from govbridge.identity import auth, users
from support import PASSWORD

SECRET = pyotp.random_base32(32)
HERE = "192.0.2.10"


def _login(rt, username, password=PASSWORD, code=None):
    with rt.context() as ctx:
        return auth.login(ctx, username, password, code, client_address=HERE)


def _verify(ctx, token, code):
    return auth.verify_second_factor(ctx, token, code, client_address=HERE)


def test_clerk_logs_in_without_second_factor(rt, make_org, make_user):
    make_user("clerk", [Role.CLERK], org=make_org())
    result = _login(rt, "clerk")
    assert result.second_factor == "none"
    with rt.context() as ctx:
        actor = auth.actor_for_session(ctx, result.session_token)
    assert actor.roles == {Role.CLERK} and Permission.ORG_READ in actor.permissions


def test_wrong_password_and_unknown_user_look_the_same(rt, make_org, make_user):
    make_user("clerk", [Role.CLERK], org=make_org())
    with pytest.raises(AuthenticationFailed) as a:
        _login(rt, "clerk", "Wrong-Password-123")
    with pytest.raises(AuthenticationFailed) as b:
        _login(rt, "ghost", "Wrong-Password-123")
    assert a.value.detail == b.value.detail


def test_admin_needs_totp_and_codes_cannot_be_replayed(rt, make_org, make_user, clock):
    make_user("admin", [Role.BUREAU_ADMIN], org=make_org(), totp_secret=SECRET)
    result = _login(rt, "admin")
    assert result.second_factor == "verify"
    with rt.context() as ctx, pytest.raises(SecondFactorRequired):
        auth.actor_for_session(ctx, result.session_token)
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        _verify(ctx, result.session_token, "000000")
    assert exc.value.problems[0].field == "totp_code"
    code = pyotp.TOTP(SECRET).at(clock[0])
    with rt.context() as ctx:
        done = _verify(ctx, result.session_token, code)
    with rt.context() as ctx:
        actor = auth.actor_for_session(ctx, done.session_token)
    assert Permission.ORG_MANAGE in actor.permissions
    again = _login(rt, "admin")
    with rt.context() as ctx, pytest.raises(InvalidInput):
        _verify(ctx, again.session_token, code)  # same step: replay


def test_one_step_login_with_code(rt, make_org, make_user, clock):
    make_user("auditor", [Role.AUDITOR], org=make_org(), totp_secret=SECRET)
    result = _login(rt, "auditor", code=pyotp.TOTP(SECRET).at(clock[0]))
    assert result.second_factor == "none"


def test_first_login_enrolls_a_new_seed(rt, make_org, make_user, clock):
    make_user("admin2", [Role.BUREAU_ADMIN], org=make_org())
    result = _login(rt, "admin2")
    assert result.second_factor == "enroll"
    with rt.context() as ctx:
        secret, uri = auth.begin_enrollment(ctx, result.session_token)
    assert uri.startswith("otpauth://totp/") and secret in uri
    with rt.context() as ctx, pytest.raises(InvalidInput):
        auth.confirm_enrollment(ctx, result.session_token, "123456", client_address=HERE)
    with rt.context() as ctx:
        done = auth.confirm_enrollment(ctx, result.session_token,
                                       pyotp.TOTP(secret).at(clock[0]), client_address=HERE)
    with rt.context() as ctx:
        auth.actor_for_session(ctx, done.session_token)
    later = _login(rt, "admin2")
    assert later.second_factor == "verify"


def test_logout_and_expiry_end_the_session(rt, make_org, make_user, clock):
    make_user("clerk", [Role.CLERK], org=make_org())
    first, second = _login(rt, "clerk"), _login(rt, "clerk")
    with rt.context() as ctx:
        auth.logout(ctx, first.session_token)
    with rt.context() as ctx, pytest.raises(AuthenticationFailed):
        auth.actor_for_session(ctx, first.session_token)
    clock[0] += timedelta(hours=rt.settings.session_hours, seconds=1)
    with rt.context() as ctx, pytest.raises(AuthenticationFailed):
        auth.actor_for_session(ctx, second.session_token)


def test_deactivation_ends_sessions(rt, operator, make_org, make_user):
    make_user("clerk", [Role.CLERK], org=make_org())
    session = _login(rt, "clerk")
    with rt.context() as ctx:
        users.set_active(ctx, operator, "clerk", False)
    with rt.context() as ctx, pytest.raises(AuthenticationFailed):
        auth.actor_for_session(ctx, session.session_token)
    with pytest.raises(AuthenticationFailed):
        _login(rt, "clerk")
