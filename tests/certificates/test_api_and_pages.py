"""/api/v1/certificates, the public POST /api/v1/verify and the public /verify pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
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


def test_api_issue_read_download_revoke(client, officer_headers, licence_type):
    body = {"type_name": "营业执照", "certificate_type": licence_type,
            "holder_id": company_code(3), "holder_name": "苏州测试3有限公司",
            "data": {"legal_rep": "李四", "established": "2021-01-02"}}
    assert client.post("/api/v1/certificates", json=body).status_code == 401
    made = client.post("/api/v1/certificates", json=body, headers=officer_headers)
    assert made.status_code == 201, made.text
    cert = made.json()
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


def test_public_pages_mask_the_holder(client, officer_headers):
    body = {"type_name": "结婚证", "holder_id": CITIZEN, "holder_name": "张三丰",
            "data": {"spouse": "李**"}}
    made = client.post("/api/v1/certificates", json=body, headers=officer_headers)
    assert made.status_code == 201, made.text
    ident = made.json()["identifier"]
    anonymous = TestClient(client.app)
    page = anonymous.get(f"/verify/{ident}")
    assert page.status_code == 200
    assert 'data-status="valid"' in page.text and "结婚证" in page.text
    assert "张**" in page.text and "110105********002X" in page.text
    assert CITIZEN not in page.text and "张三丰" not in page.text
    assert anonymous.get("/verify/NOTANIDENTIFIER").status_code == 404
    form = anonymous.get("/verify")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    vc = client.get(f"/api/v1/certificates/{made.json()['id']}/vc", headers=officer_headers)
    uploaded = anonymous.post("/verify", files={"file": ("c.jwt", vc.text.encode())})
    assert uploaded.status_code == 200 and 'data-status="valid"' in uploaded.text
    assert CITIZEN not in uploaded.text
    english = anonymous.get(f"/verify/{ident}?lang=en")
    assert "Valid: genuine" in english.text
    empty = anonymous.post("/verify", files={"file": ("x.pdf", b"")})
    assert empty.status_code == 422
