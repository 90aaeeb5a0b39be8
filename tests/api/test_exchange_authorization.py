"""Authorization matrix: every role (and a system client, and nobody) against every
endpoint of agreements, exchange, ledger, seals and transparency.

The expectations are written out here by hand, from the issue's roles, not derived
from the permission table: a change in who may do what must show up as a failure.
"""

from __future__ import annotations

import pytest

from govbridge.core.permissions import Role
from govbridge.identity import clients
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import ClientCreate

ADMIN, OFFICER, CLERK = Role.BUREAU_ADMIN, Role.DATA_OFFICER, Role.CLERK
APPROVER, AUDITOR, APPLICANT = Role.APPROVER, Role.AUDITOR, Role.APPLICANT
CLIENT = "client"
CALLERS = [ADMIN, OFFICER, CLERK, APPROVER, AUDITOR, APPLICANT, CLIENT]
PURPOSE = {"kind": "legal_basis", "text": "《中华人民共和国税收征收管理法》"}
UNKNOWN = "999999999/999999"

# (method, path, body, callers allowed). A caller not allowed gets 403 (401 with no
# credentials); an allowed one gets past the gate (any status but 401/403).
MATRIX = [
    ("GET", "/api/v1/agreements", None, {ADMIN, OFFICER, AUDITOR}),
    ("GET", "/api/v1/agreements/overdue", None, {ADMIN, AUDITOR}),
    ("POST", "/api/v1/agreements", {
        "resource_code": UNKNOWN, "fields": ["a"], "purpose_kind": "legal_basis",
        "purpose_text": PURPOSE["text"], "valid_until": "2099-01-01"}, {OFFICER}),
    ("POST", f"/api/v1/exchange/{UNKNOWN}/query",
     {"subject_ids": ["91320500MA00000010"], "purpose": PURPOSE}, {OFFICER, CLIENT}),
    ("GET", "/api/v1/ledger/checkpoints", None, {ADMIN, OFFICER, AUDITOR, CLIENT}),
    ("GET", "/api/v1/ledger/proofs/inclusion?leaf_index=0", None,
     {ADMIN, OFFICER, AUDITOR, CLIENT}),
    ("POST", "/api/v1/ledger/checkpoints", None, {ADMIN, AUDITOR}),
    ("GET", "/api/v1/ledger/entries/0", None, {ADMIN, AUDITOR}),
    ("GET", "/api/v1/ledger/audit", None, {ADMIN, AUDITOR}),
    ("GET", "/api/v1/seals", None, {ADMIN, OFFICER}),
    ("GET", "/api/v1/me/accesses", None, {APPLICANT}),
    ("POST", "/api/v1/audit/subject-accesses", {"subject_id": "91320500MA00000010"},
     {ADMIN, AUDITOR}),
    ("GET", "/api/v1/access-flags", None, {AUDITOR}),
    ("POST", "/api/v1/access-flags/1/review", {"verdict": "dismissed", "note": "n"}, {AUDITOR}),
]


@pytest.fixture
def callers(rt, token_for, make_org):
    org = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        key = clients.create_client(ctx, Actor.operator("t"), ClientCreate(
            organization_code=org, name="税务业务系统")).api_key
    headers = {role: {"Authorization": f"Bearer {token_for(role)}"} for role in Role}
    headers[CLIENT] = {"Authorization": f"Bearer {key}"}
    return headers


@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX,
                         ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_who_may_call_what(client, callers, method, path, body, allowed):
    anonymous = client.request(method, path, json=body)
    assert anonymous.status_code == 401, (path, anonymous.text)
    for caller in CALLERS:
        resp = client.request(method, path, json=body, headers=callers[caller])
        if caller in allowed:
            assert resp.status_code not in (401, 403), (caller, path, resp.text)
        else:
            assert resp.status_code == 403, (caller, path, resp.status_code, resp.text)


def test_verify_and_the_ca_are_public(client):
    assert client.get("/api/v1/seals/ca").status_code == 200
    checked = client.post("/api/v1/exchange/verify", json={"sealed": "x", "receipt": {}})
    assert checked.status_code == 422 and checked.json()["part"] == "seal"
