"""The web UI through FastAPI's TestClient: login, CSRF, cookies, pages per role."""

from __future__ import annotations

import dataclasses
import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from govbridge.identity import clients, throttle
from govbridge.identity.actor import Actor
from support import PASSWORD

NAV = re.compile(r'data-nav="([a-z]+)"')
WRONG = "Sup3r-Secret-Guess-991"


def nav_keys(html: str) -> list[str]:
    return NAV.findall(html)


def set_cookie(resp, name: str) -> str:
    for value in resp.headers.get_list("set-cookie"):
        if value.startswith(f"{name}="):
            return value
    raise AssertionError(f"no {name} cookie set")


# --- login, cookies, CSRF ---------------------------------------------------------------------


def test_login_page_is_chinese_with_csp_and_a_csrf_cookie(web):
    resp = web.get("/login")
    assert resp.status_code == 200
    assert '<html lang="zh-CN">' in resp.text and "用户登录" in resp.text
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["cache-control"] == "no-store"
    cookie = set_cookie(resp, "gb_csrf")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie


def test_session_cookie_flags(web, web_login, account, settings):
    resp = web_login(web, account(Role.CLERK))
    cookie = set_cookie(resp, "gb_session")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert f"Max-Age={settings.session_hours * 3600}" in cookie
    assert "Secure" not in cookie  # http://testserver under "auto"


def test_session_cookie_is_secure_when_the_public_url_is_https(rt, settings, account, csrf_of):
    settings.public_url = "https://gov.example.cn"
    acct = account(Role.CLERK)
    with TestClient(create_app(rt), base_url="https://gov.example.cn") as client:
        page = client.get("/login")
        assert "Secure" in set_cookie(page, "gb_csrf")
        resp = client.post(
            "/login",
            data={
                "username": acct.username,
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
        assert resp.status_code == 303
        assert "Secure" in set_cookie(resp, "gb_session")


def test_cookie_secure_always_applies_on_loopback_too(rt, settings, account, csrf_of):
    settings.cookie_secure = "always"
    acct = account(Role.CLERK)
    with TestClient(create_app(rt), base_url="https://127.0.0.1") as client:
        page = client.get("/login")
        resp = client.post(
            "/login",
            data={
                "username": acct.username,
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
        assert "Secure" in set_cookie(resp, "gb_session")


@pytest.mark.parametrize("token", [None, "", "forged-token-forged-token"])
def test_login_without_the_csrf_token_is_refused(web, account, token):
    acct = account(Role.CLERK)
    web.get("/login")
    data = {"username": acct.username, "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    resp = web.post("/login", data=data)
    assert resp.status_code == 403
    assert "请求无法验证" in resp.text
    assert "gb_session" not in resp.headers.get("set-cookie", "")
    assert web.get("/", follow_redirects=False).headers["location"] == "/login"


def test_signed_in_post_with_a_wrong_token_changes_nothing(rt, signed_in, csrf_of):
    web, _acct = signed_in(Role.DATA_OFFICER)
    home = web.get("/")
    good = csrf_of(home.text)
    resp = web.post("/clients", data={"name": "不动产登记系统", "csrf_token": "x" * len(good)})
    assert resp.status_code == 403 and "操作未执行" in resp.text
    resp = web.post("/clients", data={"name": "不动产登记系统"})
    assert resp.status_code == 403
    with rt.context() as ctx:
        assert clients.list_clients(ctx, Actor.operator("test")) == []
    # Logging out needs the token too; the session survives a forged logout.
    assert web.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert web.get("/", follow_redirects=False).status_code == 200


def test_wrong_password_keeps_the_username_and_never_echoes_the_password(web, account, csrf_of):
    acct = account(Role.CLERK)
    page = web.get("/login")
    resp = web.post(
        "/login",
        data={"username": acct.username, "password": WRONG, "csrf_token": csrf_of(page.text)},
    )
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.text
    assert f'value="{acct.username}"' in resp.text
    assert WRONG not in resp.text


def test_wrong_password_in_english(web, account, csrf_of):
    acct = account(Role.CLERK)
    page = web.get("/login?lang=en")
    assert '<html lang="en">' in page.text and "Log in" in page.text
    resp = web.post(
        "/login?lang=en",
        data={"username": acct.username, "password": WRONG, "csrf_token": csrf_of(page.text)},
    )
    assert "Wrong username or password." in resp.text and WRONG not in resp.text


def test_throttled_client_is_told_when_to_retry(web, account, csrf_of):
    acct = account(Role.CLERK)
    token = csrf_of(web.get("/login").text)
    for _ in range(throttle.PAIR_LIMIT):
        web.post("/login", data={"username": acct.username, "password": WRONG, "csrf_token": token})
    resp = web.post(
        "/login", data={"username": acct.username, "password": PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 429
    minutes = int(throttle.WINDOW.total_seconds() // 60)
    assert "登录尝试过多" in resp.text and f"{minutes} 分钟后再试" in resp.text


def test_empty_login_form_asks_for_both_fields(web, csrf_of):
    token = csrf_of(web.get("/login").text)
    resp = web.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert resp.status_code == 400 and "请填写用户名和密码" in resp.text


# --- second factor ----------------------------------------------------------------------------


def test_totp_login_wrong_code_then_right_code(web, account, csrf_of):
    acct = account(Role.AUDITOR)
    page = web.get("/login")
    resp = web.post(
        "/login",
        data={"username": acct.username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/login/totp"
    # Half way through, no page opens yet: they send the user on to the code form.
    assert web.get("/", follow_redirects=False).headers["location"] == "/login/totp"
    form = web.get("/login/totp")
    assert "动态验证码" in form.text
    current = pyotp.TOTP(acct.totp_secret).now()
    wrong = f"{(int(current) + 500000) % 1000000:06d}"
    resp = web.post("/login/totp", data={"totp_code": wrong, "csrf_token": csrf_of(form.text)})
    assert resp.status_code == 401 and "验证码错误或已被使用" in resp.text
    resp = web.post(
        "/login/totp",
        data={"totp_code": current, "csrf_token": csrf_of(resp.text)},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/"
    home = web.get("/")
    assert nav_keys(home.text) == [
        "home", "catalog", "quality", "agreements", "ledger", "flags", "figures", "campaigns",
        "users", "audit", "privacy", "scorecards", "points", "analytics", "password",
    ]


def test_first_login_enrolls_a_second_factor(web, account, csrf_of):
    acct = account(Role.BUREAU_ADMIN, seed=False)
    page = web.get("/login")
    resp = web.post(
        "/login",
        data={"username": acct.username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/login/enroll"
    enroll = web.get("/login/enroll")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', enroll.text).group(1)
    assert 'src="data:image/svg+xml' in enroll.text
    assert "otpauth://totp/" in enroll.text
    resp = web.post(
        "/login/enroll",
        data={
            "totp_code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111",
            "csrf_token": csrf_of(enroll.text),
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/login/enroll?error=wrong"
    enroll = web.get("/login/enroll?error=wrong")
    assert "系统已生成新的密钥" in enroll.text
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', enroll.text).group(1)
    resp = web.post(
        "/login/enroll",
        data={"totp_code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(enroll.text)},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/"
    assert nav_keys(web.get("/").text) == [
        "home",
        "catalog",
        "review",
        "quality",
        "agreements",
        "ledger",
        "items",
        "holidays",
        "figures",
        "campaigns",
        "organizations",
        "users",
        "clients",
        "audit",
        "incidents",
        "privacy",
        "scorecards",
        "points",
        "analytics",
        "password",
    ]


# --- pages per role ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "nav", "role_label"),
    [
        (
            Role.BUREAU_ADMIN,
            ["home", "catalog", "review", "quality", "agreements", "ledger", "items", "holidays",
             "figures", "campaigns", "organizations", "users", "clients", "audit", "incidents",
             "privacy", "scorecards", "points", "analytics"],
            "数据管理局管理员",
        ),
        (
            Role.DATA_OFFICER,
            ["home", "catalog", "publish", "quality", "agreements", "request", "inbox", "console",
             "ledger", "issuance", "campaigns", "users", "clients", "dispatches", "privacy",
             "scorecards", "points", "analytics"],
            "首席数据官",
        ),
        (Role.CLERK, ["home", "catalog", "desk"], "综合窗口受理员"),
        (Role.APPROVER, ["home", "catalog", "tasks", "issuance"], "后台审批人员"),
        (
            Role.AUDITOR,
            ["home", "catalog", "quality", "agreements", "ledger", "flags", "figures", "campaigns",
             "users", "audit", "privacy", "scorecards", "points", "analytics"],
            "审计员",
        ),
        (Role.APPLICANT, ["home", "accesses", "services", "applications", "computations"],
         "申请人"),
    ],
)
def test_home_page_of_each_role(signed_in, role, nav, role_label):
    web, acct = signed_in(role)
    home = web.get("/")
    assert home.status_code == 200
    assert nav_keys(home.text) == [*nav, "password"]
    assert f"{acct.display_name}，您好！" in home.text
    assert role_label in home.text
    if role is Role.APPLICANT:
        assert "110105********002X" in home.text and "11010519491231002X" not in home.text
        assert "所属部门" not in home.text
    else:
        assert "苏州市大数据管理局" in home.text


def test_enterprise_applicant_sees_the_full_credit_code(signed_in):
    web, _ = signed_in(Role.APPLICANT, subject_id="91350100M000100Y43")
    home = web.get("/")
    assert "统一社会信用代码" in home.text and "91350100M000100Y43" in home.text


def test_home_without_a_session_redirects_to_login(web):
    resp = web.get("/", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login"
    web.cookies.set("gb_session", "stale-token")
    resp = web.get("/users", follow_redirects=False)
    assert resp.headers["location"] == "/login?notice=expired"


def test_missing_permission_renders_403_naming_it(signed_in):
    web, _ = signed_in(Role.CLERK)
    resp = web.get("/audit")
    assert resp.status_code == 403
    assert "查阅审计日志" in resp.text and "audit.read" in resp.text
    resp = web.get("/clients?lang=en")
    assert resp.status_code == 403 and "client.manage" in resp.text


def test_admin_lists(signed_in, org_code):
    web, acct = signed_in(Role.BUREAU_ADMIN)
    orgs = web.get("/organizations")
    assert orgs.status_code == 200 and org_code in orgs.text and "市级" in orgs.text
    users = web.get("/users")
    assert acct.username in users.text and "已绑定" in users.text
    audit = web.get("/audit")
    assert "organization.create" in audit.text and "user.create" in audit.text
    assert 'aria-current="page"' in audit.text


def test_users_list_masks_citizen_ids(signed_in, account):
    account(Role.APPLICANT)
    web, _ = signed_in(Role.BUREAU_ADMIN)
    page = web.get("/users")
    assert "110105********002X" in page.text and "11010519491231002X" not in page.text


def test_users_list_withholds_applicant_ids_from_the_auditor(signed_in, account):
    account(Role.APPLICANT)
    web, _ = signed_in(Role.AUDITOR)
    page = web.get("/users")
    assert "applicant-1" in page.text and "不予显示" in page.text
    assert "110105" not in page.text and "002X" not in page.text


# --- system clients ---------------------------------------------------------------------------


def test_api_key_is_shown_once_and_works(signed_in, csrf_of, org_code):
    web, _ = signed_in(Role.DATA_OFFICER)
    page = web.get("/clients")
    assert "暂无系统接入" in page.text
    created = web.post(
        "/clients",
        data={
            "organization_code": org_code,
            "name": "不动产登记系统",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert created.status_code == 200
    api_key = re.search(r'value="(gbk_[^"]+)"', created.text).group(1)
    assert "只显示这一次" in created.text
    assert created.headers["cache-control"] == "no-store"
    key_id = api_key.split("_")[1]
    listed = web.get("/clients")
    assert key_id in listed.text and api_key not in listed.text
    assert api_key.split("_", 2)[2] not in listed.text
    assert web.get("/api/v1/organizations", headers={"X-API-Key": api_key}).status_code == 200
    # Revoke it: the list says so and the key stops working.
    resp = web.post(
        f"/clients/{key_id}/revoke",
        data={"csrf_token": csrf_of(listed.text)},
        follow_redirects=False,
    )
    assert resp.headers["location"] == f"/clients?revoked={key_id}"
    after = web.get(resp.headers["location"])
    assert f"系统接入 {key_id} 已吊销" in after.text
    assert web.get("/api/v1/organizations", headers={"X-API-Key": api_key}).status_code == 401


def test_client_form_errors_name_the_field(signed_in, csrf_of, org_code):
    web, _ = signed_in(Role.BUREAU_ADMIN)
    token = csrf_of(web.get("/clients").text)
    resp = web.post(
        "/clients", data={"organization_code": org_code, "name": "x", "csrf_token": token}
    )
    assert resp.status_code == 422
    assert "名称" in resp.text and "至少需要 2 个字符" in resp.text
    ok = web.post(
        "/clients", data={"organization_code": org_code, "name": "社保系统", "csrf_token": token}
    )
    assert ok.status_code == 200
    dup = web.post(
        "/clients", data={"organization_code": org_code, "name": "社保系统", "csrf_token": token}
    )
    assert dup.status_code == 409 and "与已有数据重复（社保系统）" in dup.text
    unknown = web.post(
        "/clients",
        data={"organization_code": "91110000600037341L", "name": "其他系统", "csrf_token": token},
    )
    assert unknown.status_code == 422 and "没有使用该代码的部门" in unknown.text


def test_revoking_an_unknown_client_is_404(signed_in, csrf_of):
    web, _ = signed_in(Role.BUREAU_ADMIN)
    token = csrf_of(web.get("/clients").text)
    resp = web.post("/clients/nosuchkey/revoke", data={"csrf_token": token})
    assert resp.status_code == 404 and "nosuchkey" in resp.text


# --- password, language, logout ---------------------------------------------------------------


def test_change_own_password(signed_in, csrf_of, web_login):
    web, acct = signed_in(Role.CLERK)
    token = csrf_of(web.get("/account/password").text)
    new = "Quiet-Lantern-River-2026"

    resp = web.post(
        "/account/password",
        data={
            "old_password": WRONG,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": token,
        },
    )
    assert resp.status_code == 422 and "当前密码" in resp.text and "与当前密码不符" in resp.text
    resp = web.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": "abc",
            "confirm_password": "abc",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 422 and "长度至少为 12 个字符" in resp.text
    resp = web.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": new,
            "confirm_password": new + "x",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 422 and "两次输入的新密码不一致" in resp.text
    assert PASSWORD not in resp.text and new not in resp.text and WRONG not in resp.text
    resp = web.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": PASSWORD,
            "confirm_password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert resp.status_code == 422 and "不能与最近使用过的 5 个密码相同" in resp.text
    resp = web.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": token,
        },
    )
    assert resp.status_code == 200 and "密码已修改" in resp.text
    web.cookies.clear()
    web_login(web, dataclasses.replace(acct, password=new))


def test_language_switch_sets_a_cookie_and_refuses_open_redirects(web, signed_in):
    web, _ = signed_in(Role.CLERK)
    resp = web.get("/lang/en", params={"next": "/account/password"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/account/password"
    assert set_cookie(resp, "gb_lang").startswith("gb_lang=en;")
    page = web.get("/account/password")
    assert '<html lang="en">' in page.text and "Change password" in page.text
    assert "/lang/zh-CN?next=%2Faccount%2Fpassword" in page.text
    for evil in (
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        resp = web.get("/lang/zh-CN", params={"next": evil}, follow_redirects=False)
        assert resp.headers["location"] == "/", evil
    assert '<html lang="zh-CN">' in web.get("/").text


def test_lang_query_overrides_the_cookie_and_sticks(web):
    web.cookies.set("gb_lang", "en")
    assert '<html lang="en">' in web.get("/login").text
    resp = web.get("/login?lang=zh-CN")
    assert '<html lang="zh-CN">' in resp.text
    assert set_cookie(resp, "gb_lang").startswith("gb_lang=zh-CN;")
    # The form posts to /login without ?lang=; the page stays in the language asked for.
    assert '<html lang="zh-CN">' in web.get("/login").text


def test_logout_ends_the_session(signed_in, csrf_of):
    web, _ = signed_in(Role.APPROVER)
    token = csrf_of(web.get("/").text)
    resp = web.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login?notice=signed_out"
    cookie = set_cookie(resp, "gb_session")
    assert "Max-Age=0" in cookie or "expires=" in cookie.lower()
    assert "您已安全退出" in web.get("/login?notice=signed_out").text
    assert web.get("/", follow_redirects=False).headers["location"] == "/login"


def test_static_assets_are_served(web):
    resp = web.get("/static/app.css")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/css")
    assert resp.headers.get("etag")
    assert web.get("/static/emblem.svg").status_code == 200
