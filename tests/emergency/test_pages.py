"""The incident board and a department's dispatch page, through the real web frame."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.core.permissions import Role
from support import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = pyotp.random_base32()


def sign_in(client: TestClient, username: str, totp: str | None = None) -> None:
    page = client.get("/login")
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": CSRF.search(page.text).group(1)},
                       follow_redirects=False)
    if resp.headers["location"] == "/login/totp":
        form = client.get("/login/totp")
        resp = client.post("/login/totp", data={
            "totp_code": pyotp.TOTP(totp).now(), "csrf_token": CSRF.search(form.text).group(1)},
            follow_redirects=False)
    assert resp.headers["location"] == "/", resp.text


def client_of(rt) -> TestClient:
    return TestClient(create_app(rt), raise_server_exceptions=False)


def test_department_commits_and_reports_through_its_dispatch_page(flooded):
    with client_of(flooded.rt) as web:
        sign_in(web, "officer.fire")
        listing = web.get("/emergency/dispatches")
        assert listing.status_code == 200
        [code] = re.findall(r'data-code="([^"]+)"', listing.text)
        page = web.get(f"/emergency/dispatches/{code}")
        assert "排涝抢险" in page.text and 'data-testid="commit"' in page.text
        token = CSRF.search(page.text).group(1)
        bad = web.post(f"/emergency/dispatches/{code}/commit", data={
            "csrf_token": token, "res_pumps": "many", "arrive_by": "2030-01-01T08:00"})
        assert bad.status_code == 422 and 'data-testid="errors"' in bad.text
        done = web.post(f"/emergency/dispatches/{code}/commit", data={
            "csrf_token": token, "res_people": "30", "res_pumps": "6",
            "arrive_by": "2030-01-01T08:00"}, follow_redirects=False)
        assert done.status_code == 303
        page = web.get(f"/emergency/dispatches/{code}")
        assert 'data-testid="report"' in page.text and 'data-testid="commit"' not in page.text
        reported = web.post(f"/emergency/dispatches/{code}/report", data={
            "csrf_token": CSRF.search(page.text).group(1), "status": "on_scene",
            "dep_pumps": "6"}, follow_redirects=False)
        assert reported.status_code == 303
        other = next(d for d in flooded.depts if d != "fire")
        assert web.get("/emergency/incidents").status_code == 403
        others = code.rsplit("-D", 1)[0] + "-D02"
        assert web.get(f"/emergency/dispatches/{others}").status_code == 404, other
        no_csrf = web.post(f"/emergency/dispatches/{others}/commit", data={"res_pumps": "1"})
        assert no_csrf.status_code == 403


def test_the_board_shows_resources_alerts_timeline_and_area(flooded, make_user):
    make_user("duty", [Role.BUREAU_ADMIN], org=flooded.depts["ema"].code, totp_secret=SECRET)
    with client_of(flooded.rt) as web:
        sign_in(web, "duty", SECRET)
        listing = web.get("/emergency/incidents")
        [code] = re.findall(r'data-code="(INC-[^"]+)"', listing.text)
        board = web.get(f"/emergency/incidents/{code}")
        link = re.search(r'href="(/api/v1/emergency/alerts/[^"]+/cap)"', board.text).group(1)
        document = web.get(link)
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/cap+xml")
    assert document.content.startswith(b"<?xml") and document.headers["x-seal"].count(".") == 2
    assert board.status_code == 200
    html = board.text
    assert 'data-testid="departments"' in html and "<svg" in html and "polygon" in html
    assert html.count('data-kind="') >= 3 and "洪涝风险预警" in html
    assert "示意" in html  # the outlines are said to be schematic


def test_the_duty_officer_dispatches_and_releases_from_the_board(world, make_user):
    from govbridge.emergency import incidents
    from govbridge.emergency.schemas import IncidentIn

    with world.rt.context() as ctx:
        opened = incidents.open_incident(ctx, world.admin, IncidentIn(
            title="城区内涝", district="320508", command_code=world.depts["ema"].code))
    make_user("duty", [Role.BUREAU_ADMIN], org=world.depts["ema"].code, totp_secret=SECRET)
    with client_of(world.rt) as web:
        sign_in(web, "duty", SECRET)
        board = web.get(f"/emergency/incidents/{opened.code}")
        assert 'data-testid="dispatch"' in board.text
        sent = web.post(f"/emergency/incidents/{opened.code}/dispatch", data={
            "csrf_token": CSRF.search(board.text).group(1), "plan": "flood-iv"},
            follow_redirects=False)
        assert sent.status_code == 303
        board = web.get(f"/emergency/incidents/{opened.code}")
        codes = re.findall(r'<tr data-code="([^"]+)"><td><a href="/emergency/dispatches/',
                           board.text)
        assert len(codes) == 3 and 'data-testid="dispatch"' not in board.text
        released = web.post(f"/emergency/dispatches/{codes[0]}/release", data={
            "csrf_token": CSRF.search(board.text).group(1)}, follow_redirects=False)
        assert released.status_code == 303
    with world.rt.context() as ctx:
        assert incidents.get_dispatch(ctx, world.admin, codes[0]).status == "released"
