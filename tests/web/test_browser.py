"""The web UI in a real Chromium: every role's login journey, enrollment, language, logout."""

from __future__ import annotations

import pyotp
import pytest

from govbridge.core.permissions import Role

pytestmark = pytest.mark.browser

ROLE_NAV = {
    Role.BUREAU_ADMIN: [
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
    ],
    Role.DATA_OFFICER: [
        "home", "catalog", "publish", "quality", "agreements", "request", "inbox", "console",
        "ledger", "issuance", "campaigns", "users", "clients", "dispatches", "privacy",
        "scorecards", "points", "analytics",
        "password",
    ],
    Role.CLERK: ["home", "catalog", "desk", "password"],
    Role.APPROVER: ["home", "catalog", "tasks", "issuance", "password"],
    Role.AUDITOR: [
        "home", "catalog", "quality", "agreements", "ledger", "flags", "figures", "campaigns",
        "users", "audit", "privacy", "scorecards", "points", "analytics", "password",
    ],
    Role.APPLICANT: ["home", "accesses", "services", "applications", "computations", "password"],
}
ROLE_LABEL = {
    Role.BUREAU_ADMIN: "数据管理局管理员",
    Role.DATA_OFFICER: "首席数据官",
    Role.CLERK: "综合窗口受理员",
    Role.APPROVER: "后台审批人员",
    Role.AUDITOR: "审计员",
    Role.APPLICANT: "申请人",
}


def nav_of(page) -> list[str]:
    return page.locator("nav.mainnav [data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)")


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_login_journey_ends_on_the_roles_home(browser_page, browser_login, account, role, tmp_path):
    page = browser_page
    acct = account(role)
    browser_login(page, acct)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == f"{acct.display_name}，您好！"
    assert nav_of(page) == ROLE_NAV[role]
    assert page.locator(f".tag[data-role='{role.value}']").inner_text() == ROLE_LABEL[role]
    if role is Role.APPLICANT:
        assert page.locator("[data-testid=subject]").inner_text() == "110105********002X"
    else:
        assert page.locator("[data-testid=org-name]").inner_text() == "苏州市大数据管理局"
    if role is Role.BUREAU_ADMIN:
        shot = tmp_path / "admin-home.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        # Every page in the admin's menu opens.
        for key in ROLE_NAV[role][1:]:
            page.click(f"nav.mainnav [data-nav={key}]")
            assert (
                page.locator(f"nav.mainnav [data-nav={key}]").get_attribute("aria-current")
                == "page"
            )
            assert page.locator("[data-testid=error]").count() == 0
        # On a phone the pages reflow: nothing wider than the screen but the tables' scroller.
        page.set_viewport_size({"width": 390, "height": 844})
        for path in ("/", "/clients", "/audit", "/account/password"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_first_login_enrolls_the_authenticator(browser_page, account, live_server, tmp_path):
    page = browser_page
    acct = account(Role.BUREAU_ADMIN, seed=False)
    page.goto("/login")
    page.fill("#username", acct.username)
    page.fill("#password", acct.password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url("**/login/enroll")
    assert page.locator("[data-testid=totp-qr]").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=str(tmp_path / "enroll.png"), full_page=True)
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("#totp_code", pyotp.TOTP(secret).now())
    page.click("[data-testid=enroll-submit]")
    page.wait_for_url(f"{live_server}/")
    assert nav_of(page) == ROLE_NAV[Role.BUREAU_ADMIN]


def test_language_switch_to_english_and_back(browser_page, browser_login, account):
    page = browser_page
    acct = account(Role.DATA_OFFICER)
    browser_login(page, acct)
    page.click("nav.mainnav [data-nav=clients]")
    page.click("[data-testid=lang-switch]")
    page.wait_for_url("**/clients")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "System clients"
    assert page.locator("nav.mainnav [data-nav=home]").inner_text() == "Home"
    page.click("[data-testid=lang-switch]")
    page.wait_for_url("**/clients")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "系统接入"


def test_create_a_client_and_see_the_key_once(browser_page, browser_login, account):
    page = browser_page
    browser_login(page, account(Role.DATA_OFFICER))
    page.goto("/clients")
    page.fill("#name", "不动产登记系统")
    page.click("[data-testid=client-create]")
    key = page.locator("[data-testid=api-key]").input_value()
    assert key.startswith("gbk_")
    page.goto("/clients")
    assert key not in page.content()
    page.click("tr[data-key-id] button")
    assert "已吊销" in page.locator("[data-testid=notice]").inner_text()


def test_logout(browser_page, browser_login, account, live_server):
    page = browser_page
    browser_login(page, account(Role.CLERK))
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login?notice=signed_out")
    assert "您已安全退出" in page.content()
    page.goto("/")
    assert page.url == f"{live_server}/login"


def test_wrong_password_shows_an_error(browser_page, account):
    page = browser_page
    acct = account(Role.APPROVER)
    page.goto("/login")
    page.fill("#username", acct.username)
    page.fill("#password", "Not-The-Password-1234")
    page.click("[data-testid=login-submit]")
    error = page.locator("[data-testid=errors]")
    assert error.inner_text().strip() == "用户名或密码错误。"
    assert page.locator("#username").input_value() == acct.username
    assert page.locator("#password").input_value() == ""
    assert "Not-The-Password-1234" not in page.content()
