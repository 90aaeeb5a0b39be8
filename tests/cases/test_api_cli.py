"""`/api/v1/cases` and `govbridge case ...`: the journey's main steps and denials."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from case_helpers import APPLICANT_ID, tiny_pdf
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govbridge.api.app import create_app
from govbridge.cases import usecases as cases
from govbridge.cli.main import app
from govbridge.core.permissions import Role
from support import PASSWORD


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def login(client, make_user, world):
    def make(name: str, role: Role, org: str | None = None,
             subject_id: str | None = None) -> dict[str, str]:
        make_user(name, [role], org=world.codes[org] if org else None, subject_id=subject_id)
        resp = client.post("/api/v1/sessions", json={"username": name, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['session_token']}"}

    return make


def test_cases_over_http(client, login, world, issue_licence, agree):
    issue_licence()
    agree()
    applicant = login("ent-one", Role.APPLICANT, subject_id=APPLICANT_ID)
    clerk = login("clerk-amr", Role.CLERK, "amr")
    amr = login("approver-amr", Role.APPROVER, "amr")
    tax = login("approver-tax", Role.APPROVER, "tax")

    made = client.post("/api/v1/cases", headers=applicant, json={
        "item_code": world.item, "applicant_name": "苏州测试1有限公司",
        "form": {"application": {"name": "新公司"}}})
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    wrong = client.post(f"/api/v1/cases/{code}/accept", headers=clerk,
                        json={"identity_checked_id": "91320500MA00000028"})
    assert wrong.status_code == 422
    accepted = client.post(f"/api/v1/cases/{code}/accept", headers=clerk,
                           json={"identity_checked_id": APPLICANT_ID})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["missing"] == ["articles"]
    up = client.post(f"/api/v1/cases/{code}/materials/articles", headers=applicant,
                     files={"file": ("章程.pdf", tiny_pdf(), "application/pdf")})
    assert up.status_code == 200, up.text
    assert up.json()["state"] == "in_progress"
    got = client.get(f"/api/v1/cases/{code}/materials/articles/file", headers=tax)
    assert got.status_code == 200 and got.content == tiny_pdf()
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    outsider = login("approver-edu", Role.APPROVER, "edu")
    # a case one may not read answers as one that does not exist (security review, D7)
    hidden = client.get(f"/api/v1/cases/{code}/materials/articles/file", headers=outsider)
    missing = client.get("/api/v1/cases/BJ00000000NOSUCH/materials/articles/file",
                         headers=outsider)
    assert hidden.status_code == missing.status_code == 404
    assert client.get(f"/api/v1/cases/{code}", headers=outsider).status_code == 404

    tasks = client.get("/api/v1/cases/tasks", headers=amr).json()
    assert [t["case_code"] for t in tasks] == [code]
    body = {"task_id": tasks[0]["task_id"], "decision": "approve"}
    assert client.post(f"/api/v1/cases/{code}/decisions", headers=tax,
                       json=body).status_code == 403
    assert client.post(f"/api/v1/cases/{code}/decisions", headers=amr,
                       json=body).status_code == 200
    followed = client.get(f"/api/v1/cases/{code}", headers=applicant).json()
    assert len(followed["current_steps"]) == 3
    assert [c["code"] for c in client.get("/api/v1/cases/mine", headers=applicant).json()] \
        == [code]
    assert client.get("/api/v1/cases/overdue", headers=applicant).status_code == 403
    assert client.get("/api/v1/cases/tasks", headers=applicant).status_code == 403


def test_case_commands(rt, settings, world, ready):
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, ready, "articles", "a.pdf", tiny_pdf())
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    runner = CliRunner()

    def gb(*args: str):
        return runner.invoke(app, list(args), env=env)

    listed = gb("case", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [c["code"] for c in json.loads(listed.stdout)] == [ready]
    shown = json.loads(gb("case", "show", ready, "--json").stdout)
    task = shown["current_steps"][0]["task_id"]
    assert gb("case", "show", ready).exit_code == 0
    assert gb("case", "decide", ready, "--task", task, "--decision", "maybe").exit_code == 1
    decided = gb("case", "decide", ready, "--task", task, "--json")
    assert decided.exit_code == 0, decided.output
    assert len(json.loads(decided.stdout)["current_steps"]) == 3
    ticked = gb("case", "tick", "--json")
    assert ticked.exit_code == 0, ticked.output
    assert gb("case", "accept", ready, "--identity", APPLICANT_ID).exit_code == 1
    out = settings.home / "articles.pdf"
    written = gb("case", "file", ready, "articles", "--out", str(out))
    assert written.exit_code == 0, written.output
    assert out.read_bytes() == tiny_pdf()
    assert gb("case", "file", ready, "application", "--out", str(out)).exit_code == 1


def test_readers_who_do_not_handle_a_case_see_its_applicant_masked(rt, client, login, world,
                                                                   make_user):
    """The auditor reads every case, but only those handling one (its departments' staff,
    the applicant) see the applicant's ID whole (security review)."""
    import pyotp

    applicant = login("ent-two", Role.APPLICANT, subject_id=APPLICANT_ID)
    code = client.post("/api/v1/cases", headers=applicant, json={
        "item_code": world.item, "applicant_name": "苏州测试1有限公司",
        "form": {"application": {"name": "新公司"}}}).json()["code"]
    clerk = login("clerk-amr2", Role.CLERK, "amr")
    assert client.get(f"/api/v1/cases/{code}", headers=clerk).json()["applicant_id"] \
        == APPLICANT_ID
    secret = pyotp.random_base32(32)
    make_user("auditor-1", [Role.AUDITOR], org=world.codes["edu"], totp_secret=secret)
    resp = client.post("/api/v1/sessions", json={
        "username": "auditor-1", "password": PASSWORD,
        "totp_code": pyotp.TOTP(secret).at(rt.clock())})
    assert resp.status_code == 200, resp.text
    token = resp.json()["session_token"]
    auditor = {"Authorization": f"Bearer {token}"}
    masked = APPLICANT_ID[:6] + "*" * (len(APPLICANT_ID) - 10) + APPLICANT_ID[-4:]
    listed = client.get("/api/v1/cases", headers=auditor).json()
    assert [c["applicant_id"] for c in listed if c["code"] == code] == [masked]
    detail = client.get(f"/api/v1/cases/{code}", headers=auditor)
    assert detail.status_code == 200 and detail.json()["applicant_id"] == masked
    assert APPLICANT_ID not in detail.text and APPLICANT_ID not in json.dumps(listed)


def test_a_cases_diagram_over_http_marks_its_steps_for_who_may_read_it(
        client, login, world, issue_licence, agree):
    issue_licence()
    agree()
    applicant = login("ent-one", Role.APPLICANT, subject_id=APPLICANT_ID)
    clerk = login("clerk-amr", Role.CLERK, "amr")
    outsider = login("someone", Role.APPLICANT, subject_id="11010519491231002X")
    code = client.post("/api/v1/cases", headers=applicant, json={
        "item_code": world.item, "applicant_name": "苏州测试1有限公司",
        "form": {"application": {"name": "新公司"}}}).json()["code"]
    client.post(f"/api/v1/cases/{code}/accept", headers=clerk,
                json={"identity_checked_id": APPLICANT_ID})
    client.post(f"/api/v1/cases/{code}/materials/articles", headers=applicant,
                files={"file": ("章程.pdf", tiny_pdf(), "application/pdf")})
    drawn = client.get(f"/api/v1/cases/{code}/diagram.svg", headers=applicant)
    assert drawn.status_code == 200
    assert drawn.headers["content-type"].startswith("image/svg+xml")
    assert drawn.headers["content-security-policy"].startswith("default-src 'none'")
    assert 'data-bpmn-id="Activity_AmrReview"' in drawn.text
    review = drawn.text.split('data-bpmn-id="Activity_AmrReview"', 1)[0].rsplit("<g", 1)[1]
    assert "current" in review  # the regulator's review is where the case stands
    hidden = client.get(f"/api/v1/cases/{code}/diagram.svg", headers=outsider)
    missing = client.get("/api/v1/cases/BJ00000000NOSUCH/diagram.svg", headers=outsider)
    assert hidden.status_code == missing.status_code == 404
    assert "<svg" not in hidden.text
