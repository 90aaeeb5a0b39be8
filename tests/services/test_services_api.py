"""`/api/v1/service-items` and `/api/v1/holidays`: happy path and permission denial."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient

from bpmn_helpers import AMR, flow, linear
from govbridge.api.app import create_app
from govbridge.core.permissions import ROLES_REQUIRING_TOTP, Role
from govbridge.demo.departments import department
from support import PASSWORD

CODE = f"{AMR.code}-QY-100"


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def login(client, make_user, departments):
    def make(role: Role) -> dict[str, str]:
        name = f"u-{role.value.replace('_', '-')}"
        secret = pyotp.random_base32(32) if role in ROLES_REQUIRING_TOTP else None
        make_user(name, [role], org=departments["bureau"], totp_secret=secret)
        body = {"username": name, "password": PASSWORD}
        if secret:
            body["totp_code"] = pyotp.TOTP(secret).now()
        resp = client.post("/api/v1/sessions", json=body)
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['session_token']}"}

    return make


def item_body(departments) -> dict:
    return {
        "code": CODE, "name": "企业开办（测试）", "lead_org_code": departments["amr"],
        "participating_org_codes": [departments["tax"]],
        "materials": [{"key": "licence", "name": "营业执照", "kind": "certificate"}],
        "promised_days": 1, "legal_days": 15, "fee": "0",
    }


def test_service_items_over_http(client, login, departments):
    admin = login(Role.BUREAU_ADMIN)
    made = client.post("/api/v1/service-items", json=item_body(departments), headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "draft"
    up = client.post(f"/api/v1/service-items/{CODE}/bpmn", content=linear().encode(),
                     headers={**admin, "content-type": "application/xml"})
    assert up.status_code == 201, up.text
    assert up.json()["version"] == 1 and up.json()["departments"] == [AMR.code]
    second = linear("复核")
    up2 = client.post(f"/api/v1/service-items/{CODE}/bpmn", headers=admin,
                      files={"file": ("process.bpmn", second.encode(), "application/xml")})
    assert up2.status_code == 201 and up2.json()["version"] == 2
    listed = client.get("/api/v1/service-items", headers=admin)
    assert [i["code"] for i in listed.json()] == [CODE]
    one = client.get(f"/api/v1/service-items/{CODE}", headers=admin).json()
    assert one["current_version"] == 2 and one["process_id"] == "Process_1"
    versions = client.get(f"/api/v1/service-items/{CODE}/versions", headers=admin).json()
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, True)]
    v1 = client.get(f"/api/v1/service-items/{CODE}/versions/1", headers=admin).json()
    assert "审核" in v1["bpmn_xml"]
    raw = client.get(f"/api/v1/service-items/{CODE}/versions/2/bpmn", headers=admin)
    assert raw.headers["content-type"].startswith("application/xml") and "复核" in raw.text
    drawn = client.get(f"/api/v1/service-items/{CODE}/versions/2/diagram.svg", headers=admin)
    assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/svg+xml"
    assert drawn.text.startswith("<svg") and "default-src 'none'" in drawn.headers[
        "content-security-policy"]
    patched = client.patch(f"/api/v1/service-items/{CODE}", json={"status": "published"},
                           headers=admin)
    assert patched.status_code == 200 and patched.json()["status"] == "published"
    day = client.put("/api/v1/holidays", json={"day": "2026-10-01", "kind": "holiday",
                                               "name": "国庆节"}, headers=admin)
    assert day.status_code == 200
    assert client.get("/api/v1/holidays?year=2026", headers=admin).json()[0]["name"] == "国庆节"
    assert client.delete("/api/v1/holidays/2026-10-01", headers=admin).status_code == 204


COMPLEX = linear().replace(
    '<bpmn:endEvent id="Done"/>', '<bpmn:endEvent id="Done"/><bpmn:complexGateway id="Gateway_1"/>'
).replace(flow("F2", "Task_A", "Done"), flow("F2", "Task_A", "Gateway_1")
          + flow("F3", "Gateway_1", "Done"))


def test_bad_bpmn_is_a_problem_naming_the_element(client, login, departments):
    admin = login(Role.BUREAU_ADMIN)
    client.post("/api/v1/service-items", json=item_body(departments), headers=admin)
    bad = linear().replace('<bpmn:endEvent id="Done"/>', '<bpmn:endEvent id="Done">')
    resp = client.post(f"/api/v1/service-items/{CODE}/bpmn", content=bad.encode(),
                       headers={**admin, "content-type": "application/xml"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["code"] == "malformed"
    kept = client.post(f"/api/v1/service-items/{CODE}/bpmn", content=COMPLEX.encode(),
                       headers={**admin, "content-type": "application/xml"})
    assert kept.status_code == 201, kept.text  # kept, but it cannot run as drawn
    publish = client.patch(f"/api/v1/service-items/{CODE}", json={"status": "published"},
                           headers=admin)
    assert publish.status_code == 409
    assert ("bpmn:complexGateway id=Gateway_1: complex gateways cannot be run by the engine"
            in publish.json()["detail"])


def test_a_lane_without_a_credit_code_is_mapped_before_publishing(client, login, departments):
    admin = login(Role.BUREAU_ADMIN)
    client.post("/api/v1/service-items", json=item_body(departments), headers=admin)
    xml = linear().replace(f"{AMR.name} {AMR.code}", "市场监管")
    up = client.post(f"/api/v1/service-items/{CODE}/bpmn", content=xml.encode(),
                     headers={**admin, "content-type": "application/xml"})
    assert up.status_code == 201, up.text
    publish = client.patch(f"/api/v1/service-items/{CODE}", json={"status": "published"},
                           headers=admin)
    assert publish.status_code == 409 and "市场监管" in publish.json()["detail"]
    stray = client.put(f"/api/v1/service-items/{CODE}/lanes", headers=admin,
                       json={"lanes": {"市场监管": departments["psb"]}})
    assert stray.status_code == 422 and stray.json()["errors"][0]["code"] == "not_participating"
    mapped = client.put(f"/api/v1/service-items/{CODE}/lanes", headers=admin,
                        json={"lanes": {"市场监管": departments["amr"]}})
    assert mapped.status_code == 200, mapped.text
    assert mapped.json() == [{"lane": "市场监管", "department": departments["amr"]}]
    one = client.get(f"/api/v1/service-items/{CODE}", headers=admin).json()
    assert one["lanes"] == mapped.json() and one["departments"] == [departments["amr"]]
    publish = client.patch(f"/api/v1/service-items/{CODE}", json={"status": "published"},
                           headers=admin)
    assert publish.status_code == 200, publish.text
    officer = login(Role.DATA_OFFICER)
    denied = client.put(f"/api/v1/service-items/{CODE}/lanes", headers=officer,
                        json={"lanes": {"市场监管": None}})
    assert denied.status_code == 403


def test_others_read_but_do_not_manage(client, login, departments):
    admin = login(Role.BUREAU_ADMIN)
    client.post("/api/v1/service-items", json=item_body(departments), headers=admin)
    officer = login(Role.DATA_OFFICER)
    assert client.get("/api/v1/service-items", headers=officer).status_code == 200
    assert client.get(f"/api/v1/service-items/{CODE}", headers=officer).status_code == 200
    body = {**item_body(departments), "code": f"{department('tax').code}-QY-002"}
    denied = client.post("/api/v1/service-items", json=body, headers=officer)
    assert denied.status_code == 403
    assert denied.json()["missing_permission"] == "service.manage"
    up = client.post(f"/api/v1/service-items/{CODE}/bpmn", content=linear().encode(),
                     headers={**officer, "content-type": "application/xml"})
    assert up.status_code == 403
    day = client.put("/api/v1/holidays", json={"day": "2026-10-01", "kind": "holiday",
                                               "name": "国庆节"}, headers=officer)
    assert day.status_code == 403
    assert client.get("/api/v1/service-items").status_code == 401
