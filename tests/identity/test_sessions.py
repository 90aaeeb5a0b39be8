"""Sessions and keys end when trust in them ends (issue 11, finding 7 a-c).

A password change ends every other session of that user; an admin's reset, a
deactivation or a TOTP reset ends all of them; deactivating an officer revokes the
API keys they made; the token is renewed when the second factor succeeds.
"""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from govbridge.audit.models import AuditEvent
from govbridge.core.errors import AuthenticationFailed
from govbridge.core.permissions import Role
from govbridge.identity import auth, clients, users
from govbridge.identity.models import WebSession
from govbridge.identity.schemas import ClientCreate
from support import PASSWORD

SECRET = pyotp.random_base32(32)
NEW_PASSWORD = "Quiet-Lantern-River-2026"
HOME = "198.51.100.7"


def login(rt, username, password=PASSWORD, code=None):
    with rt.context() as ctx:
        return auth.login(ctx, username, password, code, client_address=HOME)


def actor(rt, token):
    with rt.context() as ctx:
        return auth.actor_for_session(ctx, token)


def dead(rt, token) -> bool:
    try:
        actor(rt, token)
    except AuthenticationFailed:
        return True
    return False


# --- (a) password change, reset, deactivation, TOTP reset --------------------------------------


def test_own_password_change_ends_every_other_session(rt, make_org, make_user):
    make_user("clerk", [Role.CLERK], org=make_org())
    here, stolen = login(rt, "clerk"), login(rt, "clerk")
    me = actor(rt, here.session_token)
    with rt.context() as ctx:
        users.set_password(ctx, me, "clerk", NEW_PASSWORD, old_password=PASSWORD)
    assert dead(rt, stolen.session_token)
    assert not dead(rt, here.session_token)  # the session that changed it goes on


def test_admin_reset_ends_all_sessions(rt, operator, make_org, make_user):
    make_user("clerk", [Role.CLERK], org=make_org())
    first, second = login(rt, "clerk"), login(rt, "clerk")
    with rt.context() as ctx:
        users.set_password(ctx, operator, "clerk", NEW_PASSWORD)
    assert dead(rt, first.session_token) and dead(rt, second.session_token)
    with rt.context() as ctx:
        event = ctx.db.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_reset"))
    assert event.details["sessions_ended"] == 2


def test_totp_reset_ends_all_sessions(rt, operator, make_org, make_user, clock):
    make_user("auditor", [Role.AUDITOR], org=make_org(), totp_secret=SECRET)
    session = login(rt, "auditor", code=pyotp.TOTP(SECRET).at(clock[0]))
    assert not dead(rt, session.session_token)
    with rt.context() as ctx:
        users.reset_totp(ctx, operator, "auditor")
    assert dead(rt, session.session_token)


# --- (b) keys of a deactivated officer -----------------------------------------------------------


def test_deactivating_an_officer_revokes_the_keys_they_made(rt, operator, make_org, make_user):
    org = make_org()
    make_user("officer.a", [Role.DATA_OFFICER], org=org)
    make_user("officer.b", [Role.DATA_OFFICER], org=org)
    a, b = actor(rt, login(rt, "officer.a").session_token), actor(
        rt, login(rt, "officer.b").session_token)
    with rt.context() as ctx:
        theirs = clients.create_client(ctx, a, ClientCreate(organization_code=org, name="户籍系统"))
        kept = clients.create_client(ctx, b, ClientCreate(organization_code=org, name="社保系统"))
    with rt.context() as ctx:
        users.set_active(ctx, operator, "officer.a", False)
    with rt.context() as ctx, pytest.raises(AuthenticationFailed) as exc:
        clients.actor_for_api_key(ctx, theirs.api_key)
    assert exc.value.reason == "revoked"
    with rt.context() as ctx:
        assert clients.actor_for_api_key(ctx, kept.api_key).kind == "client"
        event = ctx.db.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))
        per_key = ctx.db.scalar(select(AuditEvent).where(
            AuditEvent.action == "client.revoke", AuditEvent.target_id == theirs.key_id))
    assert event.details["revoked_clients"] == [theirs.key_id]
    assert per_key.details == {"reason": "creator deactivated", "creator": "officer.a"}


def test_client_list_shows_the_creator_and_whether_still_active(rt, operator, make_org,
                                                               make_user):
    org = make_org()
    make_user("officer.a", [Role.DATA_OFFICER], org=org)
    a = actor(rt, login(rt, "officer.a").session_token)
    with rt.context() as ctx:
        clients.create_client(ctx, a, ClientCreate(organization_code=org, name="户籍系统"))
        clients.create_client(ctx, operator, ClientCreate(organization_code=org, name="社保系统"))
        before = {c.name: c for c in clients.list_clients(ctx, operator)}
    assert before["户籍系统"].created_by == "user:officer.a"
    assert before["户籍系统"].created_by_active is True
    assert before["社保系统"].created_by_active is None  # the operator is no account
    with rt.context() as ctx:
        users.set_active(ctx, operator, "officer.a", False)
        after = {c.name: c for c in clients.list_clients(ctx, operator)}
    assert after["户籍系统"].created_by_active is False and after["户籍系统"].revoked_at
    assert after["社保系统"].revoked_at is None


# --- (c) a new token after the second factor ----------------------------------------------------


def test_second_factor_renews_the_token_and_ends_the_half_open_one(rt, make_org, make_user,
                                                                  clock):
    make_user("admin", [Role.BUREAU_ADMIN], org=make_org(), totp_secret=SECRET)
    half_open = login(rt, "admin")
    assert half_open.second_factor == "verify"
    with rt.context() as ctx:
        done = auth.verify_second_factor(ctx, half_open.session_token,
                                         pyotp.TOTP(SECRET).at(clock[0]), client_address=HOME)
    assert done.second_factor == "none"
    assert done.session_token != half_open.session_token
    assert done.csrf_token != half_open.csrf_token
    assert dead(rt, half_open.session_token)  # whoever knew the first token gets nothing
    assert actor(rt, done.session_token).name == "admin"


def test_enrollment_renews_the_token_too(rt, make_org, make_user, clock):
    make_user("admin2", [Role.BUREAU_ADMIN], org=make_org())
    half_open = login(rt, "admin2")
    with rt.context() as ctx:
        secret, _uri = auth.begin_enrollment(ctx, half_open.session_token)
    with rt.context() as ctx:
        done = auth.confirm_enrollment(ctx, half_open.session_token,
                                       pyotp.TOTP(secret).at(clock[0]), client_address=HOME)
    assert done.session_token != half_open.session_token
    assert dead(rt, half_open.session_token)
    assert actor(rt, done.session_token).name == "admin2"


def test_one_step_login_with_a_code_leaves_no_half_open_session(rt, make_org, make_user, clock):
    make_user("auditor", [Role.AUDITOR], org=make_org(), totp_secret=SECRET)
    result = login(rt, "auditor", code=pyotp.TOTP(SECRET).at(clock[0]))
    with rt.context() as ctx:
        rows = list(ctx.db.scalars(select(WebSession)))
    assert [r.second_factor_ok for r in rows] == [True]
    assert not dead(rt, result.session_token)
