"""/api/v1/certificates (issued without a case: a request a second officer approves), the
public POST /api/v1/verify and the public /verify pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from certificate_helpers import register
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from ingest_helpers import company_code
from support import PASSWORD

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
CITIZEN = "11010519491231002X"


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def officer_headers(client, provider, make_user) -> dict[str, str]:
    make_user("cdo-amr", [Role.DATA_OFFICER], org=provider["code"])
    resp = client.post("/api/v1/sessions", json={"username": "cdo-amr", "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['session_token']}"}


def _login(client, make_user, username: str, role: Role, org: str) -> dict[str, str]:
    make_user(username, [role], org=org)
    resp = client.post("/api/v1/sessions", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['session_token']}"}


@pytest.fixture
def second_headers(client, provider, make_user) -> dict[str, str]:
    """Another officer of the issuing department: the four-eyes partner."""
    return _login(client, make_user, "approver-amr", Role.APPROVER, provider["code"])


def _issue(client, body, officer_headers, second_headers) -> dict:
    """Request as the officer (202), approve as the second officer (201)."""
    asked = client.post("/api/v1/certificates", json=body, headers=officer_headers)
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert request["state"] == "pending" and request["certificate_id"] is None
    own = client.post(f"/api/v1/certificates/requests/{request['id']}/approve",
                      headers=officer_headers)
    assert own.status_code == 403, own.text
    made = client.post(f"/api/v1/certificates/requests/{request['id']}/approve",
                       headers=second_headers)
    assert made.status_code == 201, made.text
    return made.json()


def test_api_issue_read_download_revoke(rt, client, officer_headers, second_headers,
                                        licence_type):
    body = {"certificate_type": licence_type,
            "holder_id": company_code(3), "holder_name": "苏州测试3有限公司",
            "data": {"legal_rep": "李四", "established": "2021-01-02"}}
    assert client.post("/api/v1/certificates", json=body).status_code == 401
    unregistered = client.post("/api/v1/certificates", json=body, headers=officer_headers)
    assert unregistered.status_code == 422
    assert unregistered.json()["errors"][0]["code"] == "not_registered_as_named"
    register(rt, company_code(3), "苏州测试3有限公司")
    cert = _issue(client, body, officer_headers, second_headers)
    assert cert["type_name"] == "营业执照" and cert["case_code"] is None
    pending = client.get("/api/v1/certificates/requests", headers=second_headers).json()
    assert pending == []
    done = client.get("/api/v1/certificates/requests?state=approved",
                      headers=second_headers).json()
    assert [r["certificate_id"] for r in done] == [cert["id"]]
    listed = client.get("/api/v1/certificates", headers=officer_headers).json()
    assert [c["id"] for c in listed] == [cert["id"]]
    one = client.get(f"/api/v1/certificates/{cert['id']}", headers=officer_headers)
    assert one.json()["identifier"] == cert["identifier"]
    pdf = client.get(f"/api/v1/certificates/{cert['id']}/pdf", headers=officer_headers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    vc = client.get(f"/api/v1/certificates/{cert['id']}/vc", headers=officer_headers)
    assert vc.text.count(".") == 2
    # Public verification: no credentials at all.
    by_file = client.post("/api/v1/verify", files={"file": ("c.pdf", pdf.content)})
    assert by_file.status_code == 200 and by_file.json()["status"] == "valid"
    assert by_file.json()["issuer_name"] == "苏州市市场监督管理局"
    raw = client.post("/api/v1/verify", content=vc.text,
                      headers={"content-type": "application/vc+jwt"})
    assert raw.json()["status"] == "valid"
    flipped = bytearray(pdf.content)
    flipped[flipped.index(b"stream") + 20] ^= 1
    bad = client.post("/api/v1/verify", files={"file": ("c.pdf", bytes(flipped))})
    assert bad.json()["status"] == "tampered"
    revoked = client.post(f"/api/v1/certificates/{cert['id']}/revoke",
                          json={"reason": "吊销"}, headers=officer_headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = client.post("/api/v1/verify", files={"file": ("c.pdf", pdf.content)})
    assert again.json()["status"] == "revoked"


def test_public_pages_mask_the_holder(rt, client, officer_headers, second_headers,
                                     person_type):
    register(rt, CITIZEN, "张三丰")
    body = {"certificate_type": person_type, "holder_id": CITIZEN, "holder_name": "张三丰",
            "data": {"spouse": "李**"}}
    made = _issue(client, body, officer_headers, second_headers)
    ident = made["identifier"]
    anonymous = TestClient(client.app)
    page = anonymous.get(f"/verify/{ident}")
    assert page.status_code == 200
    assert 'data-status="valid"' in page.text and "结婚证" in page.text
    assert "张**" in page.text and "110105********002X" in page.text
    assert CITIZEN not in page.text and "张三丰" not in page.text
    assert anonymous.get("/verify/NOTANIDENTIFIER").status_code == 404
    form = anonymous.get("/verify")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    vc = client.get(f"/api/v1/certificates/{made['id']}/vc", headers=officer_headers)
    uploaded = anonymous.post("/verify", files={"file": ("c.jwt", vc.text.encode())})
    assert uploaded.status_code == 200 and 'data-status="valid"' in uploaded.text
    assert CITIZEN not in uploaded.text
    english = anonymous.get(f"/verify/{ident}?lang=en")
    assert "Valid: genuine" in english.text
    empty = anonymous.post("/verify", files={"file": ("x.pdf", b"")})
    assert empty.status_code == 422


def test_a_certificate_not_yours_answers_like_one_that_does_not_exist(
        rt, client, officer_headers, second_headers, licence_type, make_org, make_user):
    """Finding 10: 403 for an existing certificate and 404 for a missing one confirmed
    which identifiers exist; both are 404 now, with the same body shape."""
    register(rt, company_code(4), "苏州测试4有限公司")
    cert = _issue(client, {"certificate_type": licence_type, "holder_id": company_code(4),
                           "holder_name": "苏州测试4有限公司"}, officer_headers, second_headers)
    other = make_org(name="苏州市民政局")
    outsider = _login(client, make_user, "cdo-mz", Role.DATA_OFFICER, other)
    clerk = _login(client, make_user, "clerk-mz", Role.CLERK, other)
    missing = cert["id"] + 1000
    for headers in (outsider, clerk):
        for suffix in ("", "/pdf", "/vc"):
            there = client.get(f"/api/v1/certificates/{cert['id']}{suffix}", headers=headers)
            absent = client.get(f"/api/v1/certificates/{missing}{suffix}", headers=headers)
            assert (there.status_code, absent.status_code) == (404, 404), there.text
            assert there.headers["content-type"] == absent.headers["content-type"]
            assert set(there.json()) == set(absent.json())
            assert there.json()["detail"].replace(str(cert["id"]), "N") \
                == absent.json()["detail"].replace(str(missing), "N")
        revoke = client.post(f"/api/v1/certificates/{cert['id']}/revoke",
                             json={"reason": "x"}, headers=headers)
        assert revoke.status_code == 404
    # The issuing department still reads it.
    assert client.get(f"/api/v1/certificates/{cert['id']}",
                      headers=officer_headers).status_code == 200
