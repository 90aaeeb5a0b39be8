"""Issue 11, findings 8-10 at the API edge: no input breaks the server, 401 comes first,
every list is bounded, personal answers are not cached, 405 says `Allow`, and the docs
page works air-gapped under the same CSP as every page."""

from __future__ import annotations

import re

import pytest

from govbridge.api.headers import CSP
from govbridge.core.permissions import Role

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- finding 8: values JSON or text cannot hold ------------------------------------------

@pytest.mark.parametrize("raw, reason", [
    (b"NaN", "finite"), (b"Infinity", "finite"), (b"-Infinity", "finite"),
    (b"1e400", "finite"), (b'"\\ud800"', "surrogate"), (b'"a\\udfffb"', "surrogate"),
])
def test_non_finite_number_or_lone_surrogate_is_422_naming_the_field(client, raw, reason):
    body = b'{"username": ' + raw + b', "password": "x"}'
    resp = client.post("/api/v1/sessions", content=body, headers=JSON)
    assert resp.status_code == 422 and resp.headers["content-type"] == PROBLEM
    (err,) = resp.json()["errors"]
    assert err["field"] == "username" and reason in err["reason"]


def test_nested_bad_value_is_named_by_its_path(client, token_for):
    token = token_for(Role.BUREAU_ADMIN)
    body = b'{"code": "x", "name": "y", "level": "city", "extra": [1, {"z": NaN}]}'
    resp = client.post("/api/v1/organizations", content=body, headers={**JSON, **bearer(token)})
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["extra.1.z"]


def test_echoed_values_are_always_serialisable(client, token_for):
    token = token_for(Role.BUREAU_ADMIN)
    # A valid surrogate pair (an emoji) passes the body check; a rule error echoes it.
    body = '{"code": "\\ud83d\\ude00", "name": "苏州市民政局", "level": "city"}'.encode()
    resp = client.post("/api/v1/organizations", content=body, headers={**JSON, **bearer(token)})
    assert resp.status_code == 422 and resp.json()["errors"][0]["value"] == "\U0001f600"


@pytest.mark.parametrize("path", [
    "/api/v1/certificates/99999999999999999999",
    f"/api/v1/ledger/entries/{2**64}",
    f"/api/v1/service-items/X/versions/{2**63}",
    f"/api/v1/ledger/proofs/inclusion?leaf_index={2**64}",
])
def test_numeric_ids_beyond_64_bits_are_422(client, token_for, path):
    resp = client.get(path, headers=bearer(token_for(Role.DATA_OFFICER)))
    assert resp.status_code == 422 and resp.headers["content-type"] == PROBLEM


def test_verify_refuses_deep_json_and_broken_multipart(client):
    deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
    for kwargs in ({"content": deep, "headers": JSON}, {"files": {"file": ("c.json", deep)}}):
        resp = client.post("/api/v1/verify", **kwargs)
        assert resp.status_code == 422, resp.text
        assert resp.json()["errors"][0]["code"] == "too_deep"
    broken = b'--xx\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc'
    resp = client.post("/api/v1/verify", content=broken,
                       headers={"Content-Type": "multipart/form-data; boundary=xx"})
    assert resp.status_code in (400, 422) and resp.headers["content-type"] == PROBLEM


def test_exchange_verify_refuses_deep_json(client):
    deep = b"[" * 100_000 + b"]" * 100_000
    resp = client.post("/api/v1/exchange/verify", content=deep, headers=JSON)
    assert resp.status_code == 400 and resp.headers["content-type"] == PROBLEM


def test_bpmn_upload_with_an_empty_multipart_body_is_422(client, token_for):
    resp = client.post("/api/v1/service-items/X/bpmn", content=b"",
                       headers={"Content-Type": "multipart/form-data; boundary=xx",
                                **bearer(token_for(Role.BUREAU_ADMIN))})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "file"


# --- finding 10: 401 first, bounded lists, no-store -------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}],
                         ids=["no credentials", "bad token"])
@pytest.mark.parametrize("content", [b'{"code": 1}', b'{"code": ', b'{"code": NaN}'],
                         ids=["invalid", "malformed", "non-finite"])
def test_unauthenticated_bad_body_is_401_not_422(client, headers, content):
    resp = client.post("/api/v1/organizations", content=content, headers={**JSON, **headers})
    assert resp.status_code == 401 and resp.headers["content-type"] == PROBLEM
    assert resp.headers["www-authenticate"] == "Bearer"


def test_unauthenticated_bad_query_and_upload_are_401(client):
    assert client.get("/api/v1/catalog/search?limit=-1").status_code == 401
    resp = client.post("/api/v1/service-items/X/bpmn", content=b"",
                       headers={"Content-Type": "multipart/form-data; boundary=xx",
                                "Authorization": "Bearer nope"})
    assert resp.status_code == 401


@pytest.mark.parametrize("path", [
    "/api/v1/catalog/search?limit={}",
    "/api/v1/me/accesses?limit={}",
    "/api/v1/access-flags?limit={}",
    "/api/v1/audit-events?limit={}",
    "/api/v1/ledger/checkpoints?limit={}",
    "/api/v1/datasets/301001001/000001/batches?limit={}",
    "/api/v1/datasets/301001001/000001/quarantine?limit={}",
])
@pytest.mark.parametrize("value", ["-1", "0", "100000"])
def test_every_limit_is_bounded(client, token_for, path, value):
    resp = client.get(path.format(value), headers=bearer(token_for(Role.DATA_OFFICER)))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "limit"


def test_negative_offset_is_422(client, token_for):
    resp = client.get("/api/v1/catalog/search?offset=-1",
                      headers=bearer(token_for(Role.DATA_OFFICER)))
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "offset"


def test_authenticated_answers_are_not_stored(client, token_for):
    token = token_for(Role.DATA_OFFICER)
    for path in ("/api/v1/me", "/api/v1/organizations", "/api/v1/catalog/search"):
        assert client.get(path, headers=bearer(token)).headers["cache-control"] == "no-store"
    # An error to a caller may name personal data too.
    resp = client.get("/api/v1/certificates/1", headers=bearer(token))
    assert resp.headers["cache-control"] == "no-store"
    # A public answer to an anonymous caller is left alone; static assets keep theirs.
    assert "cache-control" not in client.get("/api/v1/health").headers
    static = client.get("/static/app.css", headers=bearer(token))
    assert static.headers["cache-control"] != "no-store"


# --- the contract: 405 with Allow, problems declared ----------------------------------

def test_405_lists_every_method_of_the_path(client, token_for):
    resp = client.put("/api/v1/agreements", headers=bearer(token_for(Role.DATA_OFFICER)))
    assert resp.status_code == 405 and resp.headers["content-type"] == PROBLEM
    allowed = {m.strip() for m in resp.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed and "PUT" not in allowed


def test_every_operation_declares_its_problems(client):
    spec = client.get("/api/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            problems = {s for s in op["responses"] if s.startswith(("4", "5"))}
            public = "security" not in op
            assert problems or (public and not op.get("parameters")), (method, path)
            for status in problems:
                content = op["responses"][status]["content"]
                assert "application/problem+json" in content or path.endswith("/health")
            assert public or {"401", "403"} <= problems, (method, path)
    login = spec["paths"]["/api/v1/sessions"]["post"]
    assert "security" not in login and {"401", "422", "429"} <= set(login["responses"])


# --- finding 9: the docs page, air-gapped, under the CSP --------------------------------

def test_docs_page_is_served_locally_under_the_csp(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    html = page.text
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), html
    assert "<script>" not in html and "<style" not in html  # no inline code for the CSP
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 4
    for url in assets:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["content-security-policy"] == CSP
    assert client.get("/api/openapi.json").status_code == 200
