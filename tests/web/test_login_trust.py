"""The web login and users page as an attacker tries them (issue 11, findings 3, 7 and 10).

The session cookie's Secure flag follows the configured public URL, not the Host
header; the cookie is renewed after the TOTP step; a guessing client gets 429 with
Retry-After; the users page shows applicants' identifiers to the bureau only, masked
unless revealed on purpose; a password change ends the other sessions.
"""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from govbridge.api.app import create_app
from govbridge.audit.models import AuditEvent
from govbridge.core.permissions import Role
from govbridge.identity import throttle
from support import PASSWORD

from .conftest import CITIZEN_ID

WRONG = "Sup3r-Secret-Guess-991"
NEW = "Quiet-Lantern-River-2026"


def set_cookie(resp, name: str = "gb_session") -> str:
    for value in resp.headers.get_list("set-cookie"):
        if value.startswith(f"{name}="):
            return value
    raise AssertionError(f"no {name} cookie set")


def _password_step(client, acct, csrf_of, password=PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": acct.username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


# --- finding 10: Secure from configuration --------------------------------------------------------


def test_secure_follows_the_public_url_not_a_forged_loopback_host(rt, settings, account, csrf_of):
    settings.public_url = "https://gov.example.cn"
    acct = account(Role.CLERK)
    with TestClient(create_app(rt), base_url="http://localhost") as client:
        page = client.get("/login")
        assert "Secure" in set_cookie(page, "gb_csrf")
        # The client keeps a Secure cookie off plain http; hand it over as a browser
        # on the https address would.
        client.cookies.set("gb_csrf", csrf_of(page.text))
        resp = client.post("/login", data={"username": acct.username, "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
        assert resp.status_code == 303, resp.text
        assert "Secure" in set_cookie(resp)


def test_plain_http_public_url_sets_no_secure_flag_whatever_the_host(rt, settings, account,
                                                                    csrf_of):
    settings.public_url = "http://10.0.0.8:8000"
    acct = account(Role.CLERK)
    with TestClient(create_app(rt), base_url="https://gov.example.cn") as client:
        assert "Secure" not in set_cookie(_password_step(client, acct, csrf_of))


# --- finding 7 (c): a new cookie after the second factor -----------------------------------------


def test_the_totp_step_sets_a_new_session_cookie_and_ends_the_old_one(web, account, csrf_of):
    acct = account(Role.AUDITOR)
    first = _password_step(web, acct, csrf_of)
    assert first.headers["location"] == "/login/totp"
    half_open = web.cookies.get("gb_session")
    form = web.get("/login/totp")
    done = web.post("/login/totp", data={"totp_code": pyotp.TOTP(acct.totp_secret).now(),
                                         "csrf_token": csrf_of(form.text)},
                    follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    renewed = web.cookies.get("gb_session")
    assert renewed and renewed != half_open
    assert web.get("/", follow_redirects=False).status_code == 200
    with TestClient(web.app) as fixer:  # whoever planted or saw the first cookie
        fixer.cookies.set("gb_session", half_open)
        assert fixer.get("/", follow_redirects=False).status_code == 303


# --- finding 7 (d): throttled, not locked -------------------------------------------------------


def test_a_guessing_client_is_throttled_with_retry_after(web, account, csrf_of):
    acct = account(Role.CLERK)
    for _ in range(throttle.PAIR_LIMIT):
        assert _password_step(web, acct, csrf_of, WRONG).status_code == 401
    resp = _password_step(web, acct, csrf_of)
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) > 0
    assert "登录尝试过多" in resp.text and "锁定" not in resp.text
    ghost = _password_step(web, type(acct)("ghost", Role.CLERK, WRONG, None, "", None), csrf_of)
    assert ghost.status_code == 401 and "用户名或密码错误" in ghost.text


# --- finding 7 (a): the web password change ends the other sessions ------------------------------


def test_web_password_change_ends_the_other_sessions(web, account, csrf_of, web_login):
    acct = account(Role.CLERK)
    with TestClient(web.app) as elsewhere:
        web_login(elsewhere, acct)
        web_login(web, acct)
        token = csrf_of(web.get("/account/password").text)
        resp = web.post("/account/password", data={
            "old_password": PASSWORD, "new_password": NEW, "confirm_password": NEW,
            "csrf_token": token})
        assert resp.status_code == 200 and "密码已修改" in resp.text
        assert elsewhere.get("/", follow_redirects=False).status_code == 303
    assert web.get("/", follow_redirects=False).status_code == 200


# --- finding 3: the users page -------------------------------------------------------------------


def test_data_officer_users_page_lists_own_staff_only(signed_in, account):
    account(Role.APPLICANT, name="zhang.san")
    web, acct = signed_in(Role.DATA_OFFICER)
    page = web.get("/users")
    assert page.status_code == 200 and acct.username in page.text
    assert "zhang.san" not in page.text and CITIZEN_ID[-4:] not in page.text
    assert web.get("/users?reveal=1").status_code == 403


def test_bureau_admin_users_page_masks_and_reveals_on_purpose(rt, signed_in, account):
    account(Role.APPLICANT, name="zhang.san")
    web, _ = signed_in(Role.BUREAU_ADMIN)
    page = web.get("/users")
    assert "110105********002X" in page.text and CITIZEN_ID not in page.text
    assert 'href="/users?reveal=1"' in page.text
    revealed = web.get("/users?reveal=1")
    assert revealed.status_code == 200 and CITIZEN_ID in revealed.text
    with rt.context() as ctx:
        assert ctx.db.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.reveal_subject_ids"))
