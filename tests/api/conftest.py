"""An HTTP client on the app, and logged-in tokens per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import ROLES_REQUIRING_TOTP, Role
from support import PASSWORD

CITIZEN = "11010519491231002X"


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def token_for(client, make_org, make_user) -> Callable[[Role], str]:
    """Create a user with `role` and return a bearer session token for it."""
    org = make_org()

    def make(role: Role) -> str:
        name = f"u-{role.value.replace('_', '-')}"
        secret = pyotp.random_base32(32) if role in ROLES_REQUIRING_TOTP else None
        if role is Role.APPLICANT:
            make_user(name, [role], subject_id=CITIZEN)
        else:
            make_user(name, [role], org=org, totp_secret=secret)
        body = {"username": name, "password": PASSWORD}
        if secret:
            body["totp_code"] = pyotp.TOTP(secret).now()
        resp = client.post("/api/v1/sessions", json=body)
        assert resp.status_code == 200, resp.text
        return resp.json()["session_token"]

    return make
