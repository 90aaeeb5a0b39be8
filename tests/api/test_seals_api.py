"""/api/v1/seals: list, issue, rotate, revoke; the public CA certificate."""

from __future__ import annotations

from cryptography import x509

from govbridge.core.permissions import Role
from govbridge.seals import usecases as seals
from govbridge.seals.jws import verify_json
from support import ORG_CODES


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_ca_certificate_is_public(client):
    resp = client.get("/api/v1/seals/ca")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/x-pem-file")
    cert = x509.load_pem_x509_certificate(resp.content)
    assert "govbridge platform CA" in cert.subject.rfc4514_string()
    assert client.get("/api/v1/seals/ca").text == resp.text


def test_officer_lifecycle_and_no_private_material(client, token_for, rt):
    officer = token_for(Role.DATA_OFFICER)
    org = ORG_CODES[0]  # token_for's organization
    made = client.post("/api/v1/seals", json={"organization_code": org}, headers=_auth(officer))
    assert made.status_code == 201, made.text
    first = made.json()
    assert first["status"] == "active" and first["jws_alg"] == "EdDSA"
    again = client.post("/api/v1/seals", json={"organization_code": org}, headers=_auth(officer))
    assert again.status_code == 409
    rotated = client.post("/api/v1/seals/rotate",
                          json={"organization_code": org, "algorithm": "SM2"},
                          headers=_auth(officer))
    assert rotated.status_code == 201 and rotated.json()["algorithm"] == "SM2"
    revoked = client.post(f"/api/v1/seals/{first['kid']}/revoke",
                          json={"reason": "compromised"}, headers=_auth(officer))
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    listed = client.get("/api/v1/seals", headers=_auth(officer))
    assert listed.status_code == 200
    assert [(s["kid"], s["status"]) for s in listed.json()] == [
        (first["kid"], "revoked"), (rotated.json()["kid"], "active")]
    body = listed.text.lower()
    assert "private" not in body and "key_enc" not in body
    # the certificate in the listing verifies seals made by the hub
    with rt.context() as ctx:
        from govbridge.identity.organizations import org_by_code

        token = seals.seal_for(ctx, org_by_code(ctx, org).id, {"a": 1})
    pem = client.get("/api/v1/seals/ca").text
    assert verify_json(token, trust_anchor_pem=pem).kid == rotated.json()["kid"]


def test_permission_denials(client, token_for, make_org):
    officer = token_for(Role.DATA_OFFICER)
    clerk = token_for(Role.CLERK)
    other = make_org("别的局")
    denied = client.post("/api/v1/seals", json={"organization_code": other},
                         headers=_auth(officer))
    assert denied.status_code == 403
    assert denied.json()["missing_permission"] == "seal.manage"
    assert client.get("/api/v1/seals", headers=_auth(clerk)).status_code == 403
    assert client.get("/api/v1/seals").status_code == 401
    bad = client.post("/api/v1/seals", json={"organization_code": ORG_CODES[0],
                                             "algorithm": "RSA"}, headers=_auth(officer))
    assert bad.status_code == 422
    missing = client.post("/api/v1/seals/nope/revoke", json={"reason": "x"},
                          headers=_auth(officer))
    assert missing.status_code == 404
