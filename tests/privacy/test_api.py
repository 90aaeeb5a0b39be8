"""`/api/v1/privacy`: propose, decide, run, read — the result only for the receiver."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from support import PASSWORD

API = "/api/v1/privacy"


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt)) as c:
        yield c


@pytest.fixture
def login(client, make_user, city):
    def make(key: str) -> dict[str, str]:
        make_user(f"api.{key}", [Role.DATA_OFFICER], org=city[key].code)
        resp = client.post("/api/v1/sessions", json={"username": f"api.{key}",
                                                     "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['session_token']}"}

    return make


def test_a_job_through_the_api(client, login, city):
    mca, nrp, edu = login("mca"), login("nrp"), login("edu")
    body = {"computation": "psi.count", "receiver": city["mca"].code,
            "purpose": "低保对象家庭财产核查（测试）",
            "parties": [{"org_code": city[k].code, "resource_code": city[k].resource_code,
                         "key_field": "id_number"} for k in ("mca", "nrp")]}
    resp = client.post(f"{API}/jobs", json=body, headers=mca)
    assert resp.status_code == 201, resp.text
    code = resp.json()["code"]
    assert resp.json()["revealed_to"]["what"] == ["intersection size"]
    assert client.post(f"{API}/jobs/{code}/run", headers=mca).status_code == 409
    for who in (mca, nrp):
        resp = client.post(f"{API}/jobs/{code}/decision", json={"decision": "approve"},
                           headers=who)
        assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "approved"
    resp = client.post(f"{API}/jobs/{code}/run", headers=mca)
    assert resp.status_code == 200, resp.text
    assert resp.json()["result"] == {"count": 30}
    assert isinstance(resp.json()["receipt"], int)
    other = client.get(f"{API}/jobs/{code}", headers=nrp).json()
    assert other["state"] == "completed" and other["result"] is None
    assert client.get(f"{API}/jobs/{code}", headers=edu).status_code == 404
    assert client.get(f"{API}/jobs", headers=edu).json() == []


def test_bad_input_is_named(client, login, city):
    mca = login("mca")
    resp = client.post(f"{API}/jobs", headers=mca, json={
        "computation": "aggregate.sum", "receiver": city["mca"].code, "purpose": "统计",
        "parties": [{"org_code": city["mca"].code, "resource_code": city["mca"].resource_code,
                     "value_field": "amount"},
                    {"org_code": city["nrp"].code, "resource_code": city["nrp"].resource_code,
                     "value_field": "nope"}]})
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"parties", "parties[1].fields"} <= fields
    resp = client.post(f"{API}/jobs/PJ-2026-999999/decision", headers=mca,
                       json={"decision": "approve"})
    assert resp.status_code == 404
