"""Web UI harness: accounts per role, a TestClient that logs in through the forms,
a live server (uvicorn in a thread) and a real Chromium driven by Playwright.

Browser tests use `browser_page`, a Playwright page whose relative URLs go to
`live_server`; they are marked `@pytest.mark.browser`. Chromium is Debian's
(`/usr/bin/chromium`, or `GOVBRIDGE_CHROMIUM`); Playwright's own browser
download is never used. Without Chromium the tests skip (fail under CI=true).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
import uvicorn
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import ROLES_REQUIRING_TOTP, Role
from support import PASSWORD, need

CITIZEN_ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    password: str
    totp_secret: str | None
    display_name: str
    org_code: str | None


# --- accounts ---------------------------------------------------------------------------------


@pytest.fixture
def org_code(make_org) -> str:
    return make_org("苏州市大数据管理局")


@pytest.fixture
def account(make_user, org_code) -> Callable[..., Account]:
    """Create an account for `role` (TOTP-seeded for roles that need it, unless `seed=False`)."""
    made: dict[str, int] = {}

    def make(
        role: Role, *, seed: bool = True, subject_id: str = CITIZEN_ID, name: str | None = None
    ) -> Account:
        made[role] = made.get(role, 0) + 1
        username = name or f"{role.value.replace('_', '-')}-{made[role]}"
        secret = pyotp.random_base32(32) if seed and role in ROLES_REQUIRING_TOTP else None
        if role is Role.APPLICANT:
            out = make_user(username, [role], subject_id=subject_id)
        else:
            out = make_user(username, [role], org=org_code, totp_secret=secret)
        return Account(
            username,
            role,
            PASSWORD,
            secret,
            out.display_name,
            None if role is Role.APPLICANT else org_code,
        )

    return make


# --- in-process client ------------------------------------------------------------------------


@pytest.fixture
def web(rt) -> Iterator[TestClient]:
    """A TestClient on the whole app (http://testserver), cookies kept between calls."""
    with TestClient(create_app(rt), raise_server_exceptions=False) as client:
        yield client


def csrf_of(html: str) -> str:
    """The first CSRF token in a page's forms."""
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, acct: Account) -> httpx.Response:
    """Log in through the HTML forms (password, then the TOTP code if needed)."""
    page = client.get("/login")
    resp = client.post(
        "/login",
        data={
            "username": acct.username,
            "password": acct.password,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    if resp.headers["location"] == "/login/totp":
        assert acct.totp_secret
        form = client.get("/login/totp")
        resp = client.post(
            "/login/totp",
            data={
                "totp_code": pyotp.TOTP(acct.totp_secret).now(),
                "csrf_token": csrf_of(form.text),
            },
            follow_redirects=False,
        )
        assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == "/", resp.headers["location"]
    return resp


@pytest.fixture(name="csrf_of")
def csrf_of_fixture() -> Callable[[str], str]:
    return csrf_of


@pytest.fixture(name="web_login")
def web_login_fixture() -> Callable[[TestClient, Account], httpx.Response]:
    return login


@pytest.fixture
def signed_in(web, account) -> Callable[..., tuple[TestClient, Account]]:
    """Create an account for a role and log the TestClient in as it."""

    def make(role: Role, **kwargs: object) -> tuple[TestClient, Account]:
        acct = account(role, **kwargs)
        login(web, acct)
        return web, acct

    return make


# --- live server and browser ------------------------------------------------------------------


@pytest.fixture
def live_server(rt) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(rt),
        log_level="warning",
        access_log=False,
        lifespan="auto",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("live server did not answer /api/v1/health")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def chromium_path() -> str:
    return os.environ.get("GOVBRIDGE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One headless Chromium per test module (Debian's binary, never a download).

    Not per session: Playwright's sync API keeps an event loop running in the main
    thread until it stops, and a later test in the same worker that calls
    `asyncio.run` (the stream tests) would then fail.
    """
    path = chromium_path()
    need(
        Path(path).is_file() and os.access(path, os.X_OK),
        "chromium not installed (apt-get install -y chromium)",
    )
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()


@pytest.fixture
def browser_page(chromium, live_server) -> Iterator[object]:
    """A fresh browser context and page on `live_server` (relative URLs work: goto("/login")).

    The page fails its test if the browser reports a Content-Security-Policy violation.
    """
    context = chromium.new_context(
        base_url=live_server,
        locale="zh-CN",  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 860},
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded CI machine: a page may take seconds
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    try:
        yield page
    finally:
        context.close()
    assert not violations, f"CSP violations: {violations}"


@pytest.fixture
def browser_login(live_server) -> Callable[..., None]:
    """Log a browser page in through the forms; computes the TOTP code when the account has one."""

    def do(page, acct: Account) -> None:
        page.goto("/login")
        page.fill("#username", acct.username)
        page.fill("#password", acct.password)
        page.click("[data-testid=login-submit]")
        if acct.totp_secret:
            page.wait_for_url("**/login/totp")
            page.fill("#totp_code", pyotp.TOTP(acct.totp_secret).now())
            page.click("[data-testid=totp-submit]")
        page.wait_for_url(f"{live_server}/")

    return do
