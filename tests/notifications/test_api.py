"""`/api/v1/notifications`: the inbox (unread count, mark read), preferences, a
department's webhooks (secret in the creation answer only), and the declared contract."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.notifications.outbox import notify
from support import PASSWORD

API = "/api/v1/notifications"


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def as_alice(client, dept) -> dict[str, str]:
    resp = client.post("/api/v1/sessions", json={"username": "alice", "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['session_token']}"}


def test_inbox_unread_count_and_mark_read(rt, client, dept, as_alice):
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "第一条", "正文", link="/x")
        notify(ctx, [dept["alice"].user_id], "test.hello", "第二条", "正文", urgent=True)
        notify(ctx, [dept["bob"].user_id], "test.hello", "给 bob", "正文")
    assert client.get(f"{API}/unread-count", headers=as_alice).json() == {"unread": 2}
    items = client.get(API, headers=as_alice).json()
    assert [(i["subject"], i["urgent"]) for i in items] == [("第二条", True), ("第一条", False)]
    resp = client.post(f"{API}/{items[0]['id']}/read", headers=as_alice)
    assert resp.status_code == 200 and resp.json()["read_at"]
    assert client.get(f"{API}/unread-count", headers=as_alice).json() == {"unread": 1}
    assert [i["subject"] for i in client.get(f"{API}?unread=true", headers=as_alice).json()] \
        == ["第一条"]
    bobs = client.post(f"{API}/999999/read", headers=as_alice)
    assert bobs.status_code == 404 and bobs.headers["content-type"] == "application/problem+json"
    assert client.post(f"{API}/read-all", headers=as_alice).json() == {"marked": 1}
    assert client.get(API, headers={}).status_code == 401


def test_preferences(client, as_alice):
    assert client.get(f"{API}/preferences", headers=as_alice).json()["email"] is True
    resp = client.put(f"{API}/preferences", headers=as_alice,
                      json={"email": False, "email_address": "alice@amr.suzhou.gov.cn"})
    assert resp.status_code == 200
    assert (resp.json()["email"], resp.json()["webhook"], resp.json()["email_address"]) == \
        (False, True, "alice@amr.suzhou.gov.cn")
    bad = client.put(f"{API}/preferences", headers=as_alice, json={"email_address": "nope"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "email_address"
    assert client.put(f"{API}/preferences", headers=as_alice,
                      json={"sms": True}).status_code == 422


def test_webhook_secret_only_in_the_creation_answer(client, dept, channels, as_alice):
    url = "http://127.0.0.1:9/hook?access_token=robot-token-xyz"
    created = client.post(f"{API}/webhooks", headers=as_alice,
                          json={"url": url, "description": "值班群"})
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    listed = client.get(f"{API}/webhooks", headers=as_alice)
    assert listed.status_code == 200
    assert listed.json()[0]["url"] == "http://127.0.0.1:9/hook?…"
    assert secret not in listed.text and "robot-token-xyz" not in listed.text
    assert "robot-token-xyz" not in created.text
    refused = client.post(f"{API}/webhooks", headers=as_alice, json={"url": "http://10.1.2.3/"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "forbidden"
    removed = client.post(f"{API}/webhooks/{created.json()['id']}/remove", headers=as_alice)
    assert removed.status_code == 200 and removed.json()["active"] is False


def test_declared_in_the_openapi_contract(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "put"} <= set(paths[f"{API}/preferences"])
    read = paths[f"{API}/{{item_id}}/read"]["post"]["responses"]
    assert {"200", "401", "403", "404"} <= set(read)
    assert "application/problem+json" in read["404"]["content"]
