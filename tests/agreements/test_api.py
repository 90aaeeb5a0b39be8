"""`/api/v1/agreements`: request, decide, read, revoke, overdue — and the errors."""

from __future__ import annotations

from datetime import date

import pyotp
import pytest
from sqlalchemy import select

from govbridge.core.permissions import Role
from govbridge.ledger.models import LedgerEntry
from support import PASSWORD

API = "/api/v1/agreements"


@pytest.fixture
def bureau(make_org) -> str:
    return make_org(name="苏州市数据局")


@pytest.fixture
def login(client, make_user, clock, bureau):
    def make(username: str, role: Role, org: str | None = None) -> dict[str, str]:
        org = org or bureau
        secret = pyotp.random_base32(32) if role in (Role.BUREAU_ADMIN, Role.AUDITOR) else None
        make_user(username, [role], org=org, totp_secret=secret)
        body = {"username": username, "password": PASSWORD}
        if secret:
            body["totp_code"] = pyotp.TOTP(secret).at(clock.now)
        resp = client.post("/api/v1/sessions", json=body)
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['session_token']}"}

    return make


@pytest.fixture
def parties(login, consumer, provider) -> dict[str, dict[str, str]]:
    return {
        "consumer": login("hrss.officer", Role.DATA_OFFICER, consumer["code"]),
        "provider": login("amr.officer", Role.DATA_OFFICER, provider["code"]),
        "admin": login("bureau.admin", Role.BUREAU_ADMIN),
    }


def body(resource_code: str, **overrides) -> dict:
    base = {
        "resource_code": resource_code,
        "fields": ["credit_code", "legal_rep", "legal_rep_id"],
        "purpose_kind": "service_item",
        "purpose_code": "320500-SI-0001",
        "purpose_text": "企业职工参保登记",
        "valid_until": "2027-12-31",
    }
    base.update(overrides)
    return base


def test_request_decide_read_revoke(client, rt, parties, datasets, consumer, provider):
    made = client.post(API, json=body(datasets["conditional"]), headers=parties["consumer"])
    assert made.status_code == 201, made.text
    agr = made.json()
    code = agr["code"]
    assert agr["state"] == "requested" and agr["answer_due"] == "2026-12-14"
    assert agr["consumer_code"] == consumer["code"] and agr["provider_code"] == provider["code"]

    listed = client.get(API, params={"role": "provider", "state": "requested"},
                        headers=parties["provider"])
    assert [a["code"] for a in listed.json()] == [code]
    mine = client.get(API, params={"role": "consumer"}, headers=parties["consumer"]).json()
    assert [a["code"] for a in mine] == [code]

    wrong = client.post(f"{API}/{code}/decision", json={"decision": "approve"},
                        headers=parties["consumer"])
    assert wrong.status_code == 403
    assert wrong.json()["missing_permission"] == "agreement.decide"

    no_reason = client.post(f"{API}/{code}/decision", json={"decision": "refuse"},
                            headers=parties["provider"])
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"

    decided = client.post(f"{API}/{code}/decision", headers=parties["provider"], json={
        "decision": "approve", "fields": ["credit_code", "legal_rep_id"],
        "masks": {"legal_rep_id": "hash"}})
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "partially_approved"
    assert decided.json()["grants"] == {"credit_code": "raw", "legal_rep_id": "hash"}

    again = client.post(f"{API}/{code}/decision", json={"decision": "approve"},
                        headers=parties["provider"])
    assert again.status_code == 409

    shown = client.get(f"{API}/{code}", headers=parties["admin"])
    assert shown.status_code == 200 and shown.json()["decided_by"] == "user:amr.officer"

    revoked = client.post(f"{API}/{code}/revoke", json={"reason": "项目结束"},
                          headers=parties["consumer"])
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    with rt.context() as ctx:
        kinds = list(ctx.db.scalars(select(LedgerEntry.kind).order_by(LedgerEntry.leaf_index)))
    assert kinds == ["agreement.requested", "agreement.approved", "agreement.revoked"]


def test_request_errors(client, parties, datasets):
    none = client.post(API, json=body(datasets["none"]), headers=parties["consumer"])
    assert none.status_code == 422
    assert none.json()["errors"][0]["field"] == "share_type"
    unknown = client.post(API, json=body(datasets["unconditional"], fields=["salary"]),
                          headers=parties["consumer"])
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"field": "fields[0]", "reason": "no such field in version 1", "code": "unknown_field",
         "value": "salary"}]
    bad_kind = client.post(API, json=body(datasets["unconditional"], purpose_kind="whim"),
                           headers=parties["consumer"])
    assert bad_kind.status_code == 422
    anonymous = client.post(API, json=body(datasets["unconditional"]))
    assert anonymous.status_code == 401
    missing = client.get(f"{API}/AGR-2026-424242", headers=parties["admin"])
    assert missing.status_code == 404
    unconditional = client.post(API, json=body(datasets["unconditional"]),
                                headers=parties["consumer"])
    assert unconditional.status_code == 201 and unconditional.json()["state"] == "approved"
    blank_reason = client.post(f"{API}/{unconditional.json()['code']}/revoke", json={"reason": ""},
                           headers=parties["consumer"])
    assert blank_reason.status_code == 422


def test_overdue_list(client, login, datasets, consumer, clock):
    officer = login("hrss.officer", Role.DATA_OFFICER, consumer["code"])
    code = client.post(API, json=body(datasets["conditional"]), headers=officer).json()["code"]
    clock.advance(15)
    admin = login("bureau.admin", Role.BUREAU_ADMIN)
    rows = client.get(f"{API}/overdue", headers=admin).json()
    assert [(r["code"], r["answer_due"], r["days_overdue"]) for r in rows] == [
        (code, date(2026, 12, 14).isoformat(), 1)]
    officer_again = login("hrss.officer2", Role.DATA_OFFICER, consumer["code"])
    denied = client.get(f"{API}/overdue", headers=officer_again)
    assert denied.status_code == 403
    listed = client.get(API, headers=admin).json()
    assert listed[0]["overdue"] is True


def test_openapi_lists_the_routes(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {API, f"{API}/overdue", f"{API}/{{code}}", f"{API}/{{code}}/decision",
            f"{API}/{{code}}/revoke"} <= set(paths)


def test_the_api_names_the_same_reason_rules_as_the_cli(client, rt, parties, datasets):
    """The schema's limits, the ones the use case checks for the CLI and the pages too."""
    made = client.post(API, json=body(datasets["unconditional"]), headers=parties["consumer"])
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    with rt.context() as ctx:
        before = len(ctx.db.scalars(select(LedgerEntry)).all())
    for reason, says in [("x" * 2001, "at most 2000 characters"),
                         ("stop\x00here", "control character U+0000")]:
        resp = client.post(f"{API}/{code}/revoke", json={"reason": reason},
                           headers=parties["consumer"])
        assert resp.status_code == 422, resp.text
        problem = resp.json()["errors"][0]
        assert problem["field"] == "reason" and says in problem["reason"], problem
    escaped = client.post(API, json=body(datasets["conditional"], purpose_text="参保\x1b登记"),
                           headers=parties["consumer"])
    assert escaped.status_code == 422
    assert escaped.json()["errors"][0]["field"] == "purpose_text"
    assert client.get(f"{API}/{code}", headers=parties["consumer"]).json()["state"] == "approved"
    with rt.context() as ctx:
        assert len(ctx.db.scalars(select(LedgerEntry)).all()) == before
