"""The campaign pages as each role sees them: the department's tasks, the campaign page
with its Gantt chart and roll-ups, the report form (with a file), accept / return, and
what an officer of another department or an applicant gets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from case_helpers import tiny_png
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from support import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web(city) -> Iterator[TestClient]:
    with TestClient(create_app(city.rt), raise_server_exceptions=False) as c:
        yield c


def login(web: TestClient, username: str) -> None:
    web.cookies.clear()
    page = web.get("/login")
    resp = web.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": CSRF.search(page.text).group(1)},
                    follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/", resp.text


def csrf(html: str) -> str:
    return CSRF.search(html).group(1)


@pytest.fixture
def world(city):
    code = city.campaign()
    a = city.task(code, city.dept_a, "背街小巷整治")
    b = city.task(code, city.dept_b, "河道<b>保洁</b>", depends_on=[{"task": a}])
    return city, code, a, b


def test_officer_pages(world, web):
    _city, _code, a, b = world
    login(web, "officer-a")
    home = web.get("/")
    assert 'data-nav="campaigns"' in home.text
    mine = web.get("/campaigns/tasks")
    assert mine.status_code == 200 and f'data-task="{a}"' in mine.text
    assert f'data-task="{b}"' not in mine.text
    assert web.get(f"/campaign-tasks/{b}").status_code == 404
    page = web.get(f"/campaign-tasks/{a}")
    assert page.status_code == 200 and 'data-testid="report-form"' in page.text
    assert 'data-testid="act-accept"' not in page.text
    resp = web.post(f"/campaign-tasks/{a}/report", data={
        "percent": "100", "text": "完成", "submit": "1", "csrf_token": csrf(page.text)},
        files=[("files", ("台账.png", tiny_png(), "image/png"))], follow_redirects=False)
    assert resp.status_code == 303, resp.text
    shown = web.get(f"/campaign-tasks/{a}")
    assert 'data-state="submitted"' in shown.text and "台账.png" in shown.text
    link = re.search(rf'href="(/campaign-tasks/{a}/attachments/\d+)"', shown.text).group(1)
    assert web.get(link).content == tiny_png()
    bad = web.post(f"/campaign-tasks/{a}/act", data={
        "action": "accept", "csrf_token": csrf(shown.text)})
    assert bad.status_code == 403
    forged = web.post(f"/campaign-tasks/{a}/act", data={"action": "submit",
                                                        "csrf_token": "x" * 43})
    assert forged.status_code == 403


def test_leader_campaign_page_and_decisions(world, web):
    city, code, a, b = world
    login(web, "officer-a")
    page = web.get(f"/campaign-tasks/{a}")
    web.post(f"/campaign-tasks/{a}/report", data={
        "percent": "100", "submit": "1", "csrf_token": csrf(page.text)})
    login(web, "leader")
    camp = web.get(f"/campaigns/{code}")
    assert camp.status_code == 200 and 'data-testid="gantt"' in camp.text
    assert "河道&lt;b&gt;保洁&lt;/b&gt;" in camp.text and "<b>保洁</b>" not in camp.text
    svg = web.get(f"/campaigns/{code}/gantt.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "attachment" in svg.headers["content-disposition"]
    root = ElementTree.fromstring(svg.text)
    assert root.find(".//{http://www.w3.org/2000/svg}line[@class='today']") is not None
    task_page = web.get(f"/campaign-tasks/{a}")
    assert 'data-testid="act-accept"' in task_page.text
    refused = web.post(f"/campaign-tasks/{a}/act", data={
        "action": "return", "reason": "", "csrf_token": csrf(task_page.text)})
    assert refused.status_code == 422 and 'data-testid="errors"' in refused.text
    done = web.post(f"/campaign-tasks/{a}/act", data={
        "action": "accept", "csrf_token": csrf(task_page.text)}, follow_redirects=False)
    assert done.status_code == 303
    assert 'data-state="accepted"' in web.get(f"/campaign-tasks/{a}").text
    add = web.post(f"/campaigns/{code}/tasks", data={
        "title": "复查", "organization_code": city.dept_b, "working_days": "3",
        "after": f"{b}", "csrf_token": csrf(camp.text)}, follow_redirects=False)
    assert add.status_code == 303, add.text
    hostile = web.post("/campaigns", data={
        "title": "x", "deadline": "2026-12-31", "docs_url": "https://u:pw-SECRET@x.cn/s/1",
        "csrf_token": csrf(camp.text)})
    assert hostile.status_code == 422 and "pw-SECRET" not in hostile.text


def test_applicant_sees_nothing(world, web):
    _city, code, a, _b = world
    login(web, "citizen")
    assert 'data-nav="campaigns"' not in web.get("/").text
    assert web.get("/campaigns").status_code == 403
    assert web.get(f"/campaigns/{code}").status_code == 403
    assert web.get(f"/campaign-tasks/{a}").status_code == 403
    assert web.get(f"/campaigns/{code}/gantt.svg").status_code == 403


def test_leader_registers_a_tool_and_sees_its_secret_once(world, web):
    _city, code, _a, _b = world
    login(web, "leader")
    page = web.get(f"/campaigns/{code}")
    made = web.post(f"/campaigns/{code}/integrations", data={
        "name": "创文会议室", "kind": "meeting", "csrf_token": csrf(page.text)})
    assert made.status_code == 200 and 'data-testid="integration-secret"' in made.text
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", made.text).group(0)
    again = web.get(f"/campaigns/{code}")
    assert "创文会议室" in again.text and secret not in again.text
    bad = web.post(f"/campaigns/{code}/integrations", data={
        "name": "x", "kind": "telnet", "csrf_token": csrf(page.text)})
    assert bad.status_code == 422
    login(web, "officer-a")
    assert 'data-testid="integration-form"' not in web.get(f"/campaigns/{code}").text
    refused = web.post(f"/campaigns/{code}/integrations", data={
        "name": "x", "kind": "chat", "csrf_token": csrf(web.get(f"/campaigns/{code}").text)})
    assert refused.status_code == 403
