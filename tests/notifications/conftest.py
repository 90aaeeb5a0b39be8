"""Notification fixtures: a department with two data officers, a clock the tests move,
a real SMTP server (aiosmtpd) and a real HTTP webhook receiver, both on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.models import User

SMTP_USER, SMTP_PASSWORD = "govbridge", "smtp-Pa55word-never-logged"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(rt) -> Clock:
    c = Clock()
    rt.clock = c
    return c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def actor_of(rt, username: str) -> Actor:
    with rt.context() as ctx:
        user = ctx.db.scalar(select(User).where(User.username == username))
        assert user is not None
        return Actor.for_user(user_id=user.id, username=user.username,
                              roles=frozenset(Role(r) for r in user.roles),
                              organization_id=user.organization_id, subject_id=None)


@pytest.fixture
def dept(rt, make_org, make_user, clock) -> dict[str, Any]:
    """苏州市市场监督管理局 with data officers alice and bob, and a clerk carol."""
    code = make_org(name="苏州市市场监督管理局")
    make_user("alice", [Role.DATA_OFFICER], org=code)
    make_user("bob", [Role.DATA_OFFICER], org=code)
    make_user("carol", [Role.CLERK], org=code)
    people = {name: actor_of(rt, name) for name in ("alice", "bob", "carol")}
    return {"code": code, "id": people["alice"].organization_id, **people}


@pytest.fixture
def channels(rt) -> Any:
    """Settings for the channels under test: webhooks to 127.0.0.1, SMTP without TLS."""
    s = rt.settings
    s.webhook_hosts = ["127.0.0.1"]
    s.smtp_starttls = False
    s.notify_timeout_seconds = 5
    return s


# ---- a real SMTP server ----------------------------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    def parsed(self) -> list[EmailMessage]:
        return [message_from_bytes(e.content, policy=default)  # type: ignore[misc]
                for e in self.messages]

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a fixed port, started and stopped by the test (down, then up)."""

    def __init__(self, port: int, *, with_auth: bool = False) -> None:
        self.port, self.with_auth = port, with_auth
        self.box = Mailbox()
        self.logins: list[tuple[bytes, bytes]] = []
        self.controller: Controller | None = None

    def _auth(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        ok = (auth_data.login.decode(), auth_data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        extra: dict[str, Any] = {}
        if self.with_auth:  # plain-text AUTH is fine on the loopback of a test
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            extra = {"authenticator": self._auth, "auth_require_tls": False,
                     "auth_required": True}
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(channels) -> Iterator[SmtpServer]:
    """An SMTP server's port in the settings; the test starts the server (`.start()`)."""
    server = SmtpServer(free_port())
    channels.smtp_host, channels.smtp_port = "127.0.0.1", server.port
    yield server
    server.stop()


# ---- a real webhook receiver -----------------------------------------------------------


class Receiver:
    """http.server in a thread recording each POST; `status` is what it answers, and
    `hold` (an Event), when set, makes it wait before answering."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests: list[dict[str, Any]] = []
        self.status = 204
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/govbridge?token=im-robot-token-123"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append({"headers": dict(self.headers.items()), "body": body,
                                          "path": self.path})
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver(channels) -> Iterator[Receiver]:
    """A receiver's port; the test starts it (`.start()`)."""
    r = Receiver(free_port())
    yield r
    r.stop()
