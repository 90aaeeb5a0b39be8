"""The gateway over HTTP and the command line: problems, Retry-After, offline verify."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govbridge.api.app import create_app
from govbridge.cli.main import app as cli
from govbridge.identity import clients
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import ClientCreate
from ingest_helpers import company_code

from .conftest import PURPOSE


def _key(rt, org_code: str, name: str = "业务系统") -> dict[str, str]:
    with rt.context() as ctx:
        made = clients.create_client(ctx, Actor.operator("t"), ClientCreate(
            organization_code=org_code, name=name))
    return {"Authorization": f"Bearer {made.api_key}"}


def test_query_refusals_and_verify_over_http(rt, consumer, licences, agree):
    agree(rate_per_minute=1)
    url = f"/api/v1/exchange/{licences}/query"
    body = {"subject_ids": [company_code(1)], "purpose": PURPOSE}
    with TestClient(create_app(rt), raise_server_exceptions=False) as http:
        auth = _key(rt, consumer.code)
        ok = http.post(url, json=body, headers=auth)
        assert ok.status_code == 200, ok.text
        saved = ok.json()
        limited = http.post(url, json=body, headers=auth)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert limited.json()["limit"] == "rate_per_minute"
        wrong = http.post(url, json={**body, "purpose": {"kind": "legal_basis", "text": "好奇"}},
                          headers=auth)
        assert wrong.status_code == 403 and wrong.json()["reason"] == "wrong_purpose"
        bad = http.post(url, json={"purpose": PURPOSE}, headers=auth)
        assert bad.status_code == 422
        assert http.post(url, json=body).status_code == 401
        checked = http.post("/api/v1/exchange/verify", json=saved)
        assert checked.status_code == 200 and checked.json()["rows"] == 1
        saved["data"]["rows"][0]["legal_rep"] = "改过"
        refused = http.post("/api/v1/exchange/verify", json=saved)
        assert refused.status_code == 422 and refused.json()["part"] == "data"


def test_cli_query_saves_a_response_that_verifies_offline(rt, settings, consumer, licences,
                                                          agree, tmp_path):
    agree()
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url}
    runner = CliRunner()
    saved = tmp_path / "answer.json"
    made = runner.invoke(cli, ["exchange", "query", licences, "--org", consumer.code,
                               "--subject", company_code(2), "--legal-basis", PURPOSE["text"],
                               "--out", str(saved)], env=env)
    assert made.exit_code == 0, made.output
    ca = tmp_path / "ca.pem"
    assert runner.invoke(cli, ["seal", "ca", "--out", str(ca)], env=env).exit_code == 0
    ok = runner.invoke(cli, ["exchange", "verify", str(saved), "--ca", str(ca)], env=env)
    assert ok.exit_code == 0 and ": ok (1 rows" in ok.stdout
    doc = json.loads(saved.read_text("utf-8"))
    doc["receipt"]["proof"] = [*doc["receipt"]["proof"][:-1], "AAAA"]
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc), "utf-8")
    bad = runner.invoke(cli, ["exchange", "verify", str(saved), str(forged), "--ca", str(ca)],
                        env=env)
    assert bad.exit_code == 1 and f"{forged}: invalid:" in bad.stdout
    assert f"{saved}: ok" in bad.stdout
    none = runner.invoke(cli, ["exchange", "query", licences, "--org", consumer.code,
                               "--subject", company_code(2)], env=env)
    assert none.exit_code == 2 and "--legal-basis" in none.output


def test_transparency_routes(rt, consumer, licences, agree, make_user):
    from support import PASSWORD

    agree()
    subject = company_code(3)
    make_user("ent-3", ["applicant"], subject_id=subject)
    with TestClient(create_app(rt), raise_server_exceptions=False) as http:
        http.post(f"/api/v1/exchange/{licences}/query", headers=_key(rt, consumer.code),
                  json={"subject_ids": [subject], "purpose": PURPOSE})
        token = http.post("/api/v1/sessions", json={"username": "ent-3",
                                                    "password": PASSWORD}).json()
        mine = http.get("/api/v1/me/accesses",
                        headers={"Authorization": f"Bearer {token['session_token']}"})
        assert mine.status_code == 200 and mine.json()[0]["consumer_name"] == "苏州市税务局"
        key = _key(rt, consumer.code, "另一个系统")
        assert http.get("/api/v1/me/accesses", headers=key).status_code == 403
        assert http.get("/api/v1/access-flags", headers=key).status_code == 403


@pytest.mark.parametrize("purpose", [
    {"kind": "legal_basis", "text": "依据\x1b[2J《条例》"},
    {"kind": "service_item", "code": "SB-001", "case": "C-1\x00"},
    {"kind": "service_item", "code": "SB\x07", "case": "C-1"},
])
def test_a_purpose_with_control_characters_is_refused_naming_where(rt, consumer, licences,
                                                                   agree, purpose):
    agree()
    with TestClient(create_app(rt), raise_server_exceptions=False) as http:
        refused = http.post(f"/api/v1/exchange/{licences}/query", headers=_key(rt, consumer.code),
                            json={"subject_ids": [company_code(1)], "purpose": purpose})
    assert refused.status_code == 422, refused.text
    assert "control character" in refused.text and "purpose" in refused.text
