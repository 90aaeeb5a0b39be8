"""Governance over HTTP: the API routes and the pages, each role as an attacker would try it
(an officer asking for another department's card or balance, an applicant asking for
anything), the CSV and SVG answers, and no personal identifier in any of them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from governance_helpers import APPLICANTS
from sqlalchemy import text

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from support import PASSWORD


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def login(client, make_user, rt):
    def run(username: str, role: Role, org: str | None = None,
            subject: str | None = None) -> dict[str, str]:
        secret = pyotp.random_base32(32) if role in (Role.BUREAU_ADMIN, Role.AUDITOR) else None
        make_user(username, [role], org=org, subject_id=subject, totp_secret=secret)
        body = {"username": username, "password": PASSWORD}
        if secret:
            body["totp_code"] = pyotp.TOTP(secret).at(rt.clock())
        resp = client.post("/api/v1/sessions", json=body)
        assert resp.status_code == 200, resp.text
        token = resp.json()["session_token"]
        return {"authorization": f"Bearer {token}"}

    return run


def _personal(rt) -> list[str]:
    with rt.context() as ctx:
        rows = ctx.db.execute(text("SELECT applicant_id, applicant_name FROM cases")).all()
    return sorted({v for r in rows for v in r})


def test_roles_over_the_api(client, login, gov, rt):
    officer = login("officer.b", Role.DATA_OFFICER, gov.codes["B"])
    applicant = login("citizen1", Role.APPLICANT, subject=APPLICANTS[0][0])
    clerk = login("clerk.a", Role.CLERK, gov.codes["A"])
    bureau = login("admin1", Role.BUREAU_ADMIN, gov.codes["C"])

    own = client.get("/api/v1/governance/scorecards", params={"period": "2026"}, headers=officer)
    assert own.status_code == 200 and [c["department"] for c in own.json()] == [gov.codes["B"]]
    other = client.get(f"/api/v1/governance/scorecards/{gov.codes['A']}", headers=officer)
    assert other.status_code == 404
    balance = client.get("/api/v1/governance/points", headers=officer).json()
    assert [a["department"] for a in balance["accounts"]] == [gov.codes["B"]]
    moves = client.get(f"/api/v1/governance/points/{gov.codes['A']}/movements", headers=officer)
    assert moves.status_code == 403
    for who in (applicant, clerk):
        for path in ("/api/v1/governance/scorecards", "/api/v1/governance/scorecards.csv",
                     "/api/v1/governance/scorecards/trend.svg", "/api/v1/governance/points",
                     "/api/v1/governance/scoring-models"):
            assert client.get(path, headers=who).status_code == 403, path
    refused = client.post("/api/v1/governance/points/grants", headers=officer,
                          json={"department": gov.codes["B"], "amount": 5, "reason": "自己发"})
    assert refused.status_code == 403

    cards = client.get("/api/v1/governance/scorecards", params={"period": "2026"}, headers=bureau)
    assert len(cards.json()) == 3 and cards.json()[0]["rank"] == 1
    csv = client.get("/api/v1/governance/scorecards.csv", params={"period": "2026"},
                     headers=bureau)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    svg = client.get("/api/v1/governance/scorecards/trend.svg", params={"until": "2026-06"},
                     headers=bureau)
    assert ET.fromstring(svg.text).tag == "{http://www.w3.org/2000/svg}svg"
    shown = csv.text + svg.text + cards.text
    assert not any(p in shown for p in _personal(rt))
    bad = client.get("/api/v1/governance/scorecards", params={"period": "2026-13"},
                     headers=bureau)
    assert bad.status_code in (400, 422) and "period" in bad.text
    broken = client.post("/api/v1/governance/scoring-models", headers=bureau,
                         json={"dimensions": {"beauty": {"weight": 1, "full": 1, "zero": 0}}})
    assert broken.status_code == 422 and "beauty" in broken.text
    granted = client.post("/api/v1/governance/points/grants", headers=bureau,
                          json={"department": gov.codes["B"], "amount": 50, "reason": "年度奖励"})
    assert granted.status_code == 201, granted.text
    after = client.get("/api/v1/governance/points", headers=bureau).json()
    assert after["total"] == 0
    assert {a["department"]: a["balance"] for a in after["accounts"]} == {
        gov.codes["A"]: 0, gov.codes["B"]: 50, gov.codes["C"]: -50}


def _web_login(client: TestClient, make_user, rt, username: str, role: Role, org: str | None,
               subject: str | None = None) -> None:
    secret = pyotp.random_base32(32) if role in (Role.BUREAU_ADMIN, Role.AUDITOR) else None
    make_user(username, [role], org=org, subject_id=subject, totp_secret=secret)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}, follow_redirects=False)
    if resp.headers.get("location") == "/login/totp":
        form = client.get("/login/totp")
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        resp = client.post("/login/totp", data={"totp_code": pyotp.TOTP(secret).at(rt.clock()),
                                                "csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303, resp.text


def test_pages_by_role(rt, gov, make_user):
    app = create_app(rt)
    with TestClient(app, raise_server_exceptions=False) as web:
        _web_login(web, make_user, rt, "officer.b", Role.DATA_OFFICER, gov.codes["B"])
        dash = web.get("/governance/scorecards?period=2026", follow_redirects=False)
        assert dash.status_code == 303
        assert dash.headers["location"].startswith(f"/governance/scorecards/{gov.codes['B']}")
        card = web.get(dash.headers["location"])
        assert card.status_code == 200 and 'data-testid="scorecard"' in card.text
        assert "<svg" in card.text and gov.codes["A"] not in card.text
        assert web.get(f"/governance/scorecards/{gov.codes['A']}").status_code == 404
        assert web.get("/governance/points").status_code == 200
    with TestClient(app, raise_server_exceptions=False) as web:
        _web_login(web, make_user, rt, "citizen2", Role.APPLICANT, None, APPLICANTS[1][0])
        for path in ("/governance/scorecards", "/governance/scorecards.csv",
                     "/governance/scorecards/print", "/governance/points"):
            assert web.get(path).status_code == 403, path
    with TestClient(app, raise_server_exceptions=False) as web:
        _web_login(web, make_user, rt, "admin2", Role.BUREAU_ADMIN, gov.codes["C"])
        dash = web.get("/governance/scorecards?period=2026")
        assert dash.status_code == 200 and 'data-testid="ranking"' in dash.text
        assert dash.text.count("<svg") >= 2 and 'data-nav="scorecards"' in dash.text
        printed = web.get("/governance/scorecards/print?period=2026-03")
        assert printed.status_code == 200 and printed.text.count('data-testid="scorecard"') == 3
        drill = web.get(f"/governance/scorecards/{gov.codes['A']}?period=2026-03&lang=en")
        assert "Not recorded" in drill.text and "Catalog coverage" in drill.text
        csv = web.get("/governance/scorecards.csv?period=2026")
        shown = dash.text + printed.text + drill.text + csv.text
        assert not any(p in shown for p in _personal(rt))
        assert web.get("/governance/scorecards?period=20x6").status_code == 422


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_scoring_model_page(rt, gov, make_user):
    from govbridge.governance import scorecards, scoring

    app = create_app(rt)
    names = list(scoring.DIMENSIONS)
    form = {"dimension": names, "weight": ["0"] * (len(names) - 1) + ["3"],
            "full": ["1"] * len(names), "zero": ["0"] * len(names), "note": "只看复核"}
    with TestClient(app, raise_server_exceptions=False) as web:
        _web_login(web, make_user, rt, "officer.a", Role.DATA_OFFICER, gov.codes["A"])
        page = web.get("/governance/scoring")
        assert page.status_code == 200 and "disabled" in page.text
        assert 'data-testid="save-model"' not in page.text
        refused = web.post("/governance/scoring", data={**form, "csrf_token": _csrf(page.text)},
                           follow_redirects=False)
        assert refused.status_code == 403
    with TestClient(app, raise_server_exceptions=False) as web:
        _web_login(web, make_user, rt, "admin3", Role.BUREAU_ADMIN, gov.codes["C"])
        page = web.get("/governance/scoring")
        token = _csrf(page.text)
        saved = web.post("/governance/scoring", data={**form, "csrf_token": token},
                         follow_redirects=False)
        assert saved.status_code == 303, saved.text
        bad = web.post("/governance/scoring", data={**form, "weight": ["x"] * len(names),
                                                    "csrf_token": token})
        assert bad.status_code == 422
    with rt.context() as ctx:
        versions = scorecards.scoring_models(ctx, gov.bureau)
    assert [v.version for v in versions] == [1, 2]
    assert versions[-1].config == {"dimensions": {"flag_reviews": {
        "weight": 3.0, "full": 1.0, "zero": 0.0}}} and versions[-1].note == "只看复核"
