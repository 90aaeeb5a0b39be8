"""`/api/v1/incidents`, `/dispatches`, `/emergency`: each department sees its own dispatches
only, an applicant reaches nothing, bad input is a problem document, CAP is served as XML."""

from __future__ import annotations

from emergency_helpers import login  # type: ignore[import-not-found]

from govbridge.core.permissions import Role
from govbridge.emergency import cap


def test_a_department_sees_and_acts_on_its_own_dispatches_only(client, flooded):
    fire, housing = login(client, "officer.fire"), login(client, "officer.housing")
    mine = client.get("/api/v1/dispatches", headers=fire).json()
    theirs = client.get("/api/v1/dispatches", headers=housing).json()
    assert [d["org_code"] for d in mine] == [flooded.depts["fire"].code]
    assert [d["org_code"] for d in theirs] == [flooded.depts["housing"].code]
    other = theirs[0]["code"]
    assert client.get(f"/api/v1/dispatches/{other}", headers=fire).status_code == 404
    body = {"resources": {"pumps": 2}, "arrive_by": "2030-01-01T08:00:00+08:00"}
    stolen = client.post(f"/api/v1/dispatches/{other}/commit", json=body, headers=fire)
    assert stolen.status_code == 404
    assert stolen.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/incidents", headers=fire).status_code == 403
    ok = client.post(f"/api/v1/dispatches/{mine[0]['code']}/commit", headers=fire,
                     json={"resources": {"pumps": 2}, "arrive_by": "2030-01-01T08:00:00+08:00"})
    assert ok.status_code == 200 and ok.json()["status"] == "committed"
    again = client.post(f"/api/v1/dispatches/{mine[0]['code']}/commit", headers=fire, json=body)
    assert again.status_code == 409
    bad = client.post(f"/api/v1/dispatches/{mine[0]['code']}/report", headers=fire,
                      json={"status": "asleep"})
    assert bad.status_code == 422 and "status" in bad.text
    plan = client.post(f"/api/v1/incidents/{mine[0]['incident']}/dispatch", headers=fire,
                       json={"plan": "flood-iv"})
    assert plan.status_code == 403


def test_applicants_reach_nothing(client, flooded, make_user):
    make_user("citizen", [Role.APPLICANT], subject_id="11010519491231002X")
    me = login(client, "citizen")
    for path in ("/api/v1/dispatches", "/api/v1/incidents", "/api/v1/emergency/alerts",
                 "/api/v1/emergency/rules"):
        assert client.get(path, headers=me).status_code == 403, path
    opened = client.post("/api/v1/incidents", headers=me, json={
        "title": "x", "district": "320508", "command_code": flooded.depts["ema"].code})
    assert opened.status_code == 403


def test_cap_documents_are_served_and_parse(client, flooded):
    from govbridge.emergency import alerts

    with flooded.rt.context() as ctx:
        [one] = alerts.list_alerts(ctx, flooded.admin)
        document, seal = alerts.alert_document(ctx, flooded.admin, one.identifier)
    assert cap.parse(document).identifier == one.identifier and seal.count(".") == 2
    assert client.get(f"/api/v1/emergency/alerts/{one.identifier}/cap").status_code == 401
