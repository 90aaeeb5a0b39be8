"""The HTTP API of campaigns and tasks, as each role's session sees it, and the public
inbound webhook (signature checked, replay refused)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from govbridge.api.app import create_app
from support import PASSWORD


@pytest.fixture
def api(city) -> Iterator[TestClient]:
    with TestClient(create_app(city.rt), raise_server_exceptions=False) as c:
        yield c


def _login(api, username) -> dict[str, str]:
    resp = api.post("/api/v1/sessions", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['session_token']}"}


def test_api_roles(city, api):
    leader, officer_a, citizen = (_login(api, u) for u in ("leader", "officer-a", "citizen"))
    made = api.post("/api/v1/campaigns", headers=leader, json={
        "code": "WMCS-2026", "title": "创建全国文明城市", "deadline": "2026-12-31"})
    assert made.status_code == 201, made.text
    a = api.post("/api/v1/tasks", headers=leader, json={
        "campaign": "WMCS-2026", "title": "背街小巷", "organization_code": city.dept_a,
        "working_days": 5}).json()["id"]
    b = api.post("/api/v1/tasks", headers=leader, json={
        "campaign": "WMCS-2026", "title": "河道", "organization_code": city.dept_b,
        "working_days": 5, "depends_on": [{"task": a, "lag": 1}]}).json()["id"]
    assert [t["id"] for t in api.get("/api/v1/tasks", headers=officer_a).json()] == [a]
    assert api.get(f"/api/v1/tasks/{b}", headers=officer_a).status_code == 404
    assert api.post(f"/api/v1/tasks/{b}/reports", headers=officer_a,
                    json={"percent": 10}).status_code == 404
    assert api.get("/api/v1/tasks", headers=citizen).status_code == 403
    assert api.get("/api/v1/campaigns/WMCS-2026", headers=citizen).status_code == 403
    done = api.post(f"/api/v1/tasks/{a}/reports", headers=officer_a,
                    json={"percent": 100, "text": "完成", "submit": True})
    assert done.status_code == 200 and done.json()["state"] == "submitted"
    assert api.post(f"/api/v1/tasks/{a}/accept", headers=officer_a,
                    json={}).status_code == 403
    back = api.post(f"/api/v1/tasks/{a}/return", headers=leader, json={})
    assert back.status_code == 422 and back.json()["errors"][0]["field"] == "reason"
    assert api.post(f"/api/v1/tasks/{a}/accept", headers=leader,
                    json={}).json()["state"] == "accepted"
    cycle = api.post(f"/api/v1/tasks/{a}/dependencies/{b}", headers=leader)
    assert cycle.status_code == 409 and "cycle" in cycle.json()["detail"]
    svg = api.get("/api/v1/campaigns/WMCS-2026/gantt.svg", headers=leader)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    hostile = api.post("/api/v1/campaigns", headers=leader, json={
        "title": "x", "deadline": "2026-12-31",
        "chat_url": "https://matrix.example/#/!r:hs?access_token=syt_SECRET"})
    assert hostile.status_code == 422 and "syt_SECRET" not in hostile.text


def test_inbound_hook_over_http(city, api):
    leader = _login(api, "leader")
    api.post("/api/v1/campaigns", headers=leader, json={
        "code": "WMCS-2026", "title": "创文", "deadline": "2026-12-31"})
    task = api.post("/api/v1/tasks", headers=leader, json={
        "campaign": "WMCS-2026", "title": "周例会", "organization_code": city.dept_a,
        "working_days": 5}).json()["id"]
    made = api.post("/api/v1/integrations", headers=leader, json={
        "campaign": "WMCS-2026", "name": "Nextcloud", "kind": "docs"}).json()
    assert made["secret"].startswith("whsec_")
    listed = api.get("/api/v1/campaigns/WMCS-2026/integrations", headers=leader)
    assert made["secret"] not in listed.text
    body = json.dumps({"task": task, "text": "会议纪要已上传"}, ensure_ascii=False)
    when = city.rt.clock()
    headers = {"webhook-id": "msg_http_1",
               "webhook-timestamp": str(int(when.timestamp())),
               "webhook-signature": Webhook(made["secret"]).sign("msg_http_1", when, body),
               "content-type": "application/json"}
    first = api.post(made["hook_path"], content=body.encode(), headers=headers)
    assert first.status_code == 201, first.text
    assert api.post(made["hook_path"], content=body.encode(), headers=headers).status_code == 409
    forged = {**headers, "webhook-id": "msg_http_2"}
    refused = api.post(made["hook_path"], content=body.encode(), headers=forged)
    assert refused.status_code == 401 and made["secret"] not in refused.text
    real_now = datetime.now(UTC)
    stale = {**headers, "webhook-id": "msg_http_3",
             "webhook-timestamp": str(int(real_now.timestamp())),
             "webhook-signature": Webhook(made["secret"]).sign("msg_http_3", real_now, body)}
    assert api.post(made["hook_path"], content=body.encode(), headers=stale).status_code == 401
