"""The live source routes: register, show (masked), read, 503 with Retry-After, no URL echo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from support import PASSWORD


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    app = create_app(rt)  # the app itself mounts the live source routes
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def officer_token(client, provider, make_user) -> str:
    make_user("officer.live", [Role.DATA_OFFICER], org=provider["code"])
    resp = client.post("/api/v1/sessions", json={"username": "officer.live",
                                                 "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return resp.json()["session_token"]


def test_register_show_and_read_over_http(client, officer_token, persons, department_rest,
                                          make_id) -> None:
    auth = {"authorization": f"Bearer {officer_token}"}
    token = department_rest["token"]
    body = {"kind": "rest", "url": department_rest["base"] + "/persons/{subject_id}",
            "mapping": {"id_number": "id", "full_name": "person.name",
                        "birth_date": "person.born"}}
    resp = client.put(f"/api/v1/live-sources/{persons}", json=body, headers=auth)
    assert resp.status_code == 200, resp.text
    assert token not in resp.text
    listed = client.get("/api/v1/live-sources", headers=auth)
    assert listed.status_code == 200 and token not in listed.text
    assert listed.json()[0]["location"].startswith("http://***@127.0.0.1:")

    resp = client.post(f"/api/v1/live-sources/{persons}/read", headers=auth,
                       json={"subject_ids": [make_id(1), make_id(4, valid=False)]})
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert [r["id_number"] for r in data["rows"]] == [make_id(1)]
    assert {p["field"] for p in data["problems"]} == {"id_number", "birth_date"}

    body["url"] = department_rest["base"] + "/broken/{subject_id}"
    client.put(f"/api/v1/live-sources/{persons}", json=body, headers=auth)
    resp = client.post(f"/api/v1/live-sources/{persons}/read", headers=auth,
                       json={"subject_ids": [make_id(1)]})
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "30"
    assert resp.json()["retry_after_seconds"] == 30
    assert token not in resp.text


def test_bad_url_is_not_echoed(client, officer_token, persons) -> None:
    auth = {"authorization": f"Bearer {officer_token}"}
    secret = "pw-" + "9" * 12
    for url in (f"ftp://u:{secret}@host/x", f"http://u:{secret}@host/" + "x" * 3000):
        resp = client.put(f"/api/v1/live-sources/{persons}", headers=auth,
                          json={"kind": "rest", "url": url})
        assert resp.status_code == 422
        assert secret not in resp.text
    resp = client.delete(f"/api/v1/live-sources/{persons}", headers=auth)
    assert resp.status_code == 404
