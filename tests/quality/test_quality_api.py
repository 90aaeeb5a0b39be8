"""The quality routes: run (201), history, SVG chart, failing rows, bureau table, refusals."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from support import PASSWORD


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def login(client, make_user):
    def run(username: str, role: Role, org: str | None) -> dict[str, str]:
        make_user(username, [role], org=org)
        resp = client.post("/api/v1/sessions", json={"username": username,
                                                     "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"authorization": f"Bearer {resp.json()['session_token']}"}

    return run


def test_quality_over_http(client, login, population, departments, store, pid, t0, rt):
    code = population.resource_code
    store(code, [{"id_number": pid(1), "name": "张三", "birth_date": "1990-01-01"}], at=t0,
          rejected=[{"raw": {"id_number": pid(2), "birth_date": "1990-02-30"},
                     "problems": [{"field": "birth_date", "rule": "type", "value": "1990-02-30",
                                   "reason": "not a real date (use YYYY-MM-DD)"}]}])
    rt.clock = lambda: t0
    officer = login("officer.q", Role.DATA_OFFICER, departments["psb"].code)
    path = f"/api/v1/quality/{code}"

    made = client.post(f"{path}/runs", headers=officer)
    assert made.status_code == 201, made.text
    assert made.json()["validity"] == pytest.approx(0.5) and made.json()["records"] == 1
    runs = client.get(f"{path}/runs", params={"limit": 5}, headers=officer)
    assert runs.status_code == 200 and [r["id"] for r in runs.json()] == [made.json()["id"]]

    chart = client.get(f"{path}/chart.svg", params={"lang": "en"}, headers=officer)
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(chart.text).tag == "{http://www.w3.org/2000/svg}svg"

    failing = client.get(f"{path}/failing", params={"dimension": "validity"}, headers=officer)
    assert failing.status_code == 200, failing.text
    [row] = failing.json()["rows"]
    assert row["value"] == "birth_date=(withheld: important)" and "1990-02-30" not in failing.text
    assert pid(2) not in failing.text
    bad = client.get(f"{path}/failing", params={"dimension": "beauty"}, headers=officer)
    assert bad.status_code == 422

    table = client.get("/api/v1/quality/table", headers=officer)
    assert table.status_code == 200
    assert [r["resource_code"] for r in table.json()] == [code]

    # Another department reads the history but may not run or list rows; a clerk sees nothing.
    other = login("officer.other", Role.DATA_OFFICER, departments["mca"].code)
    assert client.get(f"{path}/runs", headers=other).status_code == 200
    assert client.post(f"{path}/runs", headers=other).status_code == 403
    assert client.get(f"{path}/failing", params={"dimension": "validity"},
                      headers=other).status_code == 403
    clerk = login("clerk.q", Role.CLERK, departments["psb"].code)
    assert client.get("/api/v1/quality/table", headers=clerk).status_code == 403
    assert client.get(f"{path}/runs").status_code == 401
    assert client.post("/api/v1/quality/301001001/999999/runs",
                       headers=officer).status_code == 404
