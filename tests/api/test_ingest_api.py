"""Ingest over HTTP: upload, REST push (idempotent), batches, quarantine, limits, keys."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.identity import clients
from govbridge.identity.schemas import ClientCreate
from ingest_helpers import licence_row

HEADER = "credit_code,legal_rep,legal_rep_id,established\r\n"


def _csv(rows) -> bytes:
    body = "".join(f"{r['credit_code']},{r['legal_rep']},{r['legal_rep_id']},{r['established']}"
                   "\r\n" for r in rows)
    return (HEADER + body).encode("gb18030")


@pytest.fixture
def dataset(publish, entry) -> str:
    return publish(entry()).resource_code


@pytest.fixture
def api_key(rt, provider) -> str:
    with rt.context() as ctx:
        made = clients.create_client(ctx, provider["officer"],
                                     ClientCreate(organization_code=provider["code"],
                                                  name="市场监管业务系统"))
    return made.api_key


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_push_is_idempotent_by_body(client, dataset, api_key):
    body = {"rows": [licence_row(1), licence_row(2, established="2020-13-01")]}
    first = client.post(f"/api/v1/datasets/{dataset}/records", json=body, headers=_auth(api_key))
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert report["problems"][0] | {"reason": None} == {
        "row": 2, "field": "established", "value": "2020-13-01", "rule": "type", "reason": None}
    again = client.post(f"/api/v1/datasets/{dataset}/records", json=body, headers=_auth(api_key))
    assert again.json()["duplicate_batch"] is True
    assert again.json()["batch_id"] == report["batch_id"]
    batches = client.get(f"/api/v1/datasets/{dataset}/batches", headers=_auth(api_key)).json()
    assert len(batches) == 1 and batches[0]["source"] == "rest"


def test_upload_then_fix_the_quarantined_row(client, dataset, api_key):
    rows = [licence_row(1), licence_row(2, legal_rep_id="320505199001011234")]
    resp = client.post(f"/api/v1/datasets/{dataset}/upload", headers=_auth(api_key),
                       files={"file": ("执照.csv", _csv(rows), "text/csv")})
    assert resp.status_code == 200, resp.text
    assert resp.json()["filename"] == "执照.csv" and resp.json()["rejected"] == 1
    [row] = client.get(f"/api/v1/datasets/{dataset}/quarantine", headers=_auth(api_key)).json()
    assert row["row"] == 3 and row["problems"][0]["field"] == "legal_rep_id"
    fixed = {**row["raw"], "legal_rep_id": licence_row(2)["legal_rep_id"]}
    ok = client.post(f"/api/v1/datasets/{dataset}/quarantine/{row['id']}/resubmit",
                     json={"data": fixed}, headers=_auth(api_key))
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    again = client.post(f"/api/v1/datasets/{dataset}/quarantine/{row['id']}/resubmit",
                        json={"data": fixed}, headers=_auth(api_key))
    assert again.status_code == 409


def test_a_bad_correction_is_a_422_naming_the_field(client, dataset, api_key):
    client.post(f"/api/v1/datasets/{dataset}/records", headers=_auth(api_key),
                json={"rows": [licence_row(1, established="someday")]})
    [row] = client.get(f"/api/v1/datasets/{dataset}/quarantine", headers=_auth(api_key)).json()
    bad = client.post(f"/api/v1/datasets/{dataset}/quarantine/{row['id']}/resubmit",
                      json={"data": row["raw"]}, headers=_auth(api_key))
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "established"


def test_oversized_upload_is_413_and_stores_nothing(rt, client, dataset, api_key):
    rt.settings.max_upload_bytes = 2000  # the app reads its limits when it is built
    with TestClient(create_app(rt), raise_server_exceptions=False) as small:
        big = _csv([licence_row(n) for n in range(100)])
        resp = small.post(f"/api/v1/datasets/{dataset}/upload", headers=_auth(api_key),
                          files={"file": ("big.csv", big, "text/csv")})
        assert resp.status_code == 413 and resp.json()["limit_bytes"] == 2000
        assert small.get(f"/api/v1/datasets/{dataset}/batches",
                         headers=_auth(api_key)).json() == []


def test_malformed_push_bodies_are_refused(client, dataset, api_key):
    url = f"/api/v1/datasets/{dataset}/records"
    broken = client.post(url, content=b"{not json", headers={**_auth(api_key),
                         "content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["type"] == "urn:govbridge:problem:malformed-json"
    assert client.post(url, json={"rows": []}, headers=_auth(api_key)).status_code == 422
    assert client.post(url, json={"rows": [1, 2]}, headers=_auth(api_key)).status_code == 422


def test_other_departments_key_cannot_push_or_read_quarantine(rt, client, dataset, make_org):
    from govbridge.identity.actor import Actor

    other = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        key = clients.create_client(ctx, Actor.operator("t"), ClientCreate(
            organization_code=other, name="税务系统")).api_key
    resp = client.post(f"/api/v1/datasets/{dataset}/records", headers=_auth(key),
                       json={"rows": [licence_row(1)]})
    assert resp.status_code == 403 and "data.ingest" in resp.text
    assert client.get(f"/api/v1/datasets/{dataset}/quarantine",
                      headers=_auth(key)).status_code == 403
    assert client.post(f"/api/v1/datasets/{dataset}/records",
                       json={"rows": [licence_row(1)]}).status_code == 401
