"""The identity API as an attacker tries it (issue 11, findings 3 and 7).

Applicants' identifiers are not listed to data officers; the bureau admin reads them
masked unless revealing on purpose. Login answers do not tell which names exist, a
guessing client is throttled (429 with Retry-After), a password change ends the
other sessions, and the one-step TOTP login leaves no half-open token.
"""

from __future__ import annotations

import pyotp
import pytest

from govbridge.core.permissions import Role
from govbridge.identity import throttle
from support import PASSWORD

PROBLEM = "application/problem+json"
CITIZEN = "11010519491231002X"  # the applicant token_for makes (tests/api/conftest.py)
WRONG = "Wrong-Password-123"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def applicant(token_for) -> None:
    token_for(Role.APPLICANT)


def test_data_officer_lists_no_applicant_and_no_identifier(client, token_for, applicant):
    officer = bearer(token_for(Role.DATA_OFFICER))
    resp = client.get("/api/v1/users", headers=officer)
    assert resp.status_code == 200
    assert CITIZEN not in resp.text and CITIZEN[-4:] not in resp.text
    assert "u-applicant" not in {u["username"] for u in resp.json()}
    refused = client.get("/api/v1/users?reveal=true", headers=officer)
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM


def test_bureau_admin_reads_masked_then_reveals_on_purpose(client, token_for, applicant):
    admin = bearer(token_for(Role.BUREAU_ADMIN))
    masked = client.get("/api/v1/users", headers=admin)
    assert CITIZEN not in masked.text
    row = next(u for u in masked.json() if u["username"] == "u-applicant")
    assert (row["subject_id"], row["subject_id_shown"]) == ("110105********002X", "masked")
    revealed = client.get("/api/v1/users?reveal=true", headers=admin)
    row = next(u for u in revealed.json() if u["username"] == "u-applicant")
    assert row["subject_id"] == CITIZEN
    events = client.get("/api/v1/audit-events", headers=admin).json()
    assert events[0]["action"] == "user.reveal_subject_ids"
    assert events[0]["details"]["usernames"] == ["u-applicant"]


def test_auditor_cannot_reveal(client, token_for, applicant):
    auditor = bearer(token_for(Role.AUDITOR))
    assert CITIZEN not in client.get("/api/v1/users", headers=auditor).text
    assert client.get("/api/v1/users?reveal=true", headers=auditor).status_code == 403


def _attempt(client, username, password=WRONG):
    """The answer, less what depends on the clock (how long to wait), which is checked apart."""
    resp = client.post("/api/v1/sessions", json={"username": username, "password": password})
    body = resp.json()
    body.pop("instance", None)
    wait = body.pop("retry_after", None)
    if wait is not None:
        assert int(resp.headers["retry-after"]) == wait > 0
    return resp.status_code, resp.headers["content-type"], body


def test_login_answers_do_not_tell_which_names_exist(client, make_org, make_user):
    make_user("admin", [Role.BUREAU_ADMIN], org=make_org(), totp_secret=pyotp.random_base32(32))
    for _ in range(throttle.PAIR_LIMIT):
        assert _attempt(client, "admin") == _attempt(client, "no-such-admin")
    known, unknown = _attempt(client, "admin"), _attempt(client, "no-such-admin")
    assert known == unknown
    status, content_type, body = known
    assert (status, content_type) == (429, PROBLEM)
    assert body["type"] == "urn:govbridge:problem:throttled"
    # Even the right password from this address waits, with the same answer.
    assert _attempt(client, "admin", PASSWORD) == unknown


def test_password_change_over_the_api_ends_the_other_sessions(client, token_for):
    token_for(Role.CLERK)
    login = {"username": "u-clerk", "password": PASSWORD}
    here = client.post("/api/v1/sessions", json=login).json()["session_token"]
    other = client.post("/api/v1/sessions", json=login).json()["session_token"]
    resp = client.post("/api/v1/users/u-clerk/password", headers=bearer(here),
                       json={"old_password": PASSWORD, "new_password": "Quiet-Lantern-River-2026"})
    assert resp.status_code == 204, resp.text
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(here)).status_code == 200


def test_deactivating_an_officer_over_the_api_revokes_their_keys(client, token_for):
    officer = bearer(token_for(Role.DATA_OFFICER))
    org = client.get("/api/v1/organizations", headers=officer).json()[0]["code"]
    made = client.post("/api/v1/clients", headers=officer,
                       json={"organization_code": org, "name": "户籍系统"}).json()
    admin = bearer(token_for(Role.BUREAU_ADMIN))
    assert client.post("/api/v1/users/u-data-officer/deactivate", headers=admin).status_code == 200
    refused = client.get("/api/v1/me", headers={"X-API-Key": made["api_key"]})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    listed = {c["key_id"]: c for c in client.get("/api/v1/clients", headers=admin).json()}
    assert listed[made["key_id"]]["created_by"] == "user:u-data-officer"
    assert listed[made["key_id"]]["created_by_active"] is False
