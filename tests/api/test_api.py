"""The JSON API: health, OpenAPI, problem details, limits, authentication."""

from __future__ import annotations

import json

import pytest

from govbridge.core.permissions import Role
from support import ORG_CODES, PASSWORD

PROBLEM = "application/problem+json"


def test_health_reports_database_and_bus(client, rt):
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["backend"] == rt.engine.dialect.name
    assert body["bus"] == {"status": "ok", "kind": "inprocess", "published": 0}


def test_openapi_is_served_and_lists_v1_paths(client):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/health" in spec["paths"] and "/api/v1/organizations" in spec["paths"]


def test_security_headers_on_api(client):
    headers = client.get("/api/v1/health").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_no_credentials_is_401_problem(client):
    resp = client.get("/api/v1/organizations")
    assert resp.status_code == 401
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "urn:govbridge:problem:authentication-failed"


def test_invalid_credit_code_names_field_and_value(client, token_for):
    token = token_for(Role.BUREAU_ADMIN)
    bad = ORG_CODES[3][:-1] + ("1" if ORG_CODES[3][-1] != "1" else "2")
    resp = client.post("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"},
                       json={"code": bad, "name": "苏州市民政局", "level": "city"})
    assert resp.status_code == 422 and resp.headers["content-type"] == PROBLEM
    err = resp.json()["errors"][0]
    assert (err["field"], err["value"], err["code"]) == ("code", bad, "checksum")
    listed = client.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"})
    assert len(listed.json()) == 1  # only the fixture's own organization


def test_schema_error_names_the_field(client, token_for):
    token = token_for(Role.BUREAU_ADMIN)
    resp = client.post("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"},
                       json={"code": ORG_CODES[4], "name": "x", "level": "county"})
    assert resp.status_code == 422
    fields = {e["field"]: e for e in resp.json()["errors"]}
    assert fields["level"]["value"] == "county"
    assert "name" in fields


def test_malformed_json_is_400_with_position(client, token_for):
    token = token_for(Role.BUREAU_ADMIN)
    resp = client.post("/api/v1/organizations", content=b'{"code": "x",',
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "urn:govbridge:problem:malformed-json"


def test_oversized_body_is_413_and_changes_nothing(client, token_for, rt):
    token = token_for(Role.BUREAU_ADMIN)
    body = json.dumps({"code": ORG_CODES[5], "name": "x" * (rt.settings.max_body_bytes + 10),
                       "level": "city"})
    resp = client.post("/api/v1/organizations", content=body,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"})
    assert resp.status_code == 413 and resp.headers["content-type"] == PROBLEM
    assert resp.json()["limit_bytes"] == rt.settings.max_body_bytes
    listed = client.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"})
    assert ORG_CODES[5] not in {o["code"] for o in listed.json()}


def test_password_never_echoed_in_errors(client):
    secret = "x" * 300
    resp = client.post("/api/v1/sessions", json={"username": "a", "password": secret})
    assert resp.status_code == 422
    assert secret not in resp.text


def test_login_needs_totp_for_admin(client, make_org, make_user):
    make_user("boss", [Role.BUREAU_ADMIN], org=make_org(),
              totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    resp = client.post("/api/v1/sessions", json={"username": "boss", "password": PASSWORD})
    assert resp.status_code == 401
    assert resp.json()["type"] == "urn:govbridge:problem:second-factor-required"


def test_api_key_lifecycle_over_http(client, token_for):
    admin = {"Authorization": f"Bearer {token_for(Role.BUREAU_ADMIN)}"}
    orgs = client.get("/api/v1/organizations", headers=admin).json()
    created = client.post("/api/v1/clients", headers=admin,
                          json={"organization_code": orgs[0]["code"], "name": "审批系统"})
    assert created.status_code == 201
    key = created.json()["api_key"]
    as_client = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert as_client.json()["kind"] == "client"
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    listed = client.get("/api/v1/clients", headers=admin)
    assert key not in listed.text
    client.post(f"/api/v1/clients/{created.json()['key_id']}/revoke", headers=admin)
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_logout_over_http(client, token_for):
    token = token_for(Role.CLERK)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/sessions/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_admin_actions_are_audited(client, token_for):
    admin = {"Authorization": f"Bearer {token_for(Role.BUREAU_ADMIN)}"}
    client.post("/api/v1/organizations", headers=admin,
                json={"code": ORG_CODES[6], "name": "苏州市民政局", "level": "city"})
    events = client.get("/api/v1/audit-events", headers=admin).json()
    latest = events[0]
    assert latest["action"] == "organization.create" and latest["actor"] == "user:u-bureau-admin"


# (method, path, body, roles allowed). Bodies are valid, so a 403 can only be the permission.
MATRIX = [
    ("GET", "/api/v1/organizations", None,
     {Role.BUREAU_ADMIN, Role.DATA_OFFICER, Role.CLERK, Role.APPROVER, Role.AUDITOR}),
    ("POST", "/api/v1/organizations",
     {"code": ORG_CODES[10], "name": "苏州市教育局", "level": "city"}, {Role.BUREAU_ADMIN}),
    ("GET", "/api/v1/users", None, {Role.BUREAU_ADMIN, Role.DATA_OFFICER, Role.AUDITOR}),
    ("GET", "/api/v1/audit-events", None, {Role.BUREAU_ADMIN, Role.AUDITOR}),
    ("GET", "/api/v1/clients", None, {Role.BUREAU_ADMIN, Role.DATA_OFFICER}),
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("method, path, body, allowed", MATRIX)
def test_authorization_matrix(client, token_for, role, method, path, body, allowed):
    token = token_for(role)
    resp = client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    if role in allowed:
        assert resp.status_code in (200, 201), resp.text
    else:
        assert resp.status_code == 403, resp.text
        assert resp.json()["missing_permission"]


def test_unknown_page_is_html_for_browsers_and_json_for_the_api(client):
    page = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "/no/such/page" in page.text
    api = client.get("/api/v1/nothing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == PROBLEM
