"""A second attacker's probe of campaigns and tasks: each test is a finding that once got
through (a leak, a 500, an oracle), written before its fix."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook
from tasks.conftest import NOW
from tasks.test_pages import csrf, login
from typer.testing import CliRunner

from govbridge.api.app import create_app
from govbridge.cli.main import app
from govbridge.core.errors import AuthenticationFailed, Conflict, InvalidInput
from govbridge.tasks import hooks, usecases
from govbridge.tasks.schemas import DependencyIn, IntegrationIn


@pytest.fixture
def web(city):
    with TestClient(create_app(city.rt), raise_server_exceptions=False) as c:
        yield c


def test_a_waiting_task_does_not_name_another_departments_predecessor(city):
    """Department A's task waits for department B's: starting it early is refused, but
    the refusal must not give A the title or state of B's task (A cannot open it)."""
    code = city.campaign()
    theirs = city.task(code, city.dept_b, "河道截污（内部）")
    mine = city.task(code, city.dept_a, "背街小巷",
                     depends_on=[DependencyIn(task=theirs)])
    own_first = city.task(code, city.dept_a, "先做的")
    also_mine = city.task(code, city.dept_a, "后做的",
                          depends_on=[DependencyIn(task=own_first)])
    with city.rt.context() as ctx, pytest.raises(Conflict) as refused:
        usecases.act(ctx, city.officer_a, mine, "start")
    assert f"task {theirs}" in str(refused.value)
    assert "河道截污" not in str(refused.value) and "not_started" not in str(refused.value)
    assert all("河道截污" not in str(e) for e in refused.value.extensions().values())
    # The officer's own predecessor is still named in full: they can open it.
    with city.rt.context() as ctx, pytest.raises(Conflict, match="先做的"):
        usecases.act(ctx, city.officer_a, also_mine, "start")


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01"])
def test_a_far_start_date_is_refused_not_a_500(city, start):
    """A start in year 9999 overflowed the working-day arithmetic (500); one in year 1
    was stored and then broke the campaign's Gantt chart (500) for everyone."""
    code = city.campaign()
    with city.rt.context() as ctx, pytest.raises(InvalidInput) as err:
        usecases.create_task(ctx, city.leader, {
            "campaign": code, "title": "x", "organization_code": city.dept_a,
            "working_days": 5, "start": start})
    assert err.value.problems[0].field == "start"
    with city.rt.context() as ctx:
        assert usecases.gantt_svg(ctx, city.leader, code).startswith("<svg")


@pytest.mark.parametrize("deadline", ["9999-12-31", "0001-01-01"])
def test_a_far_deadline_is_refused(city, deadline):
    with city.rt.context() as ctx, pytest.raises(InvalidInput) as err:
        usecases.create_campaign(ctx, city.leader, {"title": "x", "deadline": deadline})
    assert err.value.problems[0].field == "deadline"


def _hook_city(city):
    code = city.campaign()
    task = city.task(code, city.dept_a, "周例会")
    with city.rt.context() as ctx:
        made = hooks.add_integration(ctx, city.leader, IntegrationIn(
            campaign=code, name="创文会议室", kind="meeting"))
    return made, task


def _refusal(city, integration_id, headers, body):
    with city.rt.context() as ctx, pytest.raises(AuthenticationFailed) as err:
        hooks.receive(ctx, integration_id, headers, body)
    return str(err.value), err.value.extensions()


def test_a_forged_webhook_does_not_tell_whether_the_integration_exists(city):
    """The 401's `reason` said "credentials" for a real integration and a wrong
    signature, "malformed" for an id with no integration: an unauthenticated caller
    could list the registered tools by id."""
    made, task = _hook_city(city)
    body = json.dumps({"task": task, "text": "x"}).encode()
    headers = {"webhook-id": "msg_probe", "webhook-signature": "v1,AAAA",
               "webhook-timestamp": str(int(NOW.timestamp()))}
    real = _refusal(city, made.id, headers, body)
    missing = _refusal(city, made.id + 1000, headers, body)
    malformed = _refusal(city, made.id, {**headers, "webhook-timestamp": "x"}, body)
    assert real == missing == malformed


def _signed(secret, msg_id, body: bytes):
    sig = Webhook(secret).sign(msg_id, NOW, body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(NOW.timestamp())),
            "webhook-signature": sig}


def test_a_deeply_nested_webhook_body_is_a_422_not_a_500(city):
    """A signed body of 5,000 nested brackets (10 kB, under the size limit) raised
    RecursionError in the JSON parser: a 500 from a tool's (or a leaked secret's) post."""
    made, _task = _hook_city(city)
    body = b"[" * 5000 + b"]" * 5000
    with city.rt.context() as ctx, pytest.raises(InvalidInput) as err:
        hooks.receive(ctx, made.id, _signed(made.secret, "msg_deep", body), body)
    assert err.value.problems[0].field == "body"


def test_superscript_digits_in_a_page_path_or_form_are_not_a_500(city, web):
    """`"²".isdigit()` is true but `int("²")` raises: /campaign-tasks/² and a
    dependency "after ²" in the add-task form were 500s."""
    code = city.campaign()
    login(web, "leader")
    for path in ("/campaign-tasks/%C2%B2", "/campaign-tasks/1/attachments/%C2%B9"):
        assert web.get(path).status_code == 404, path
    page = web.get(f"/campaigns/{code}")
    resp = web.post(f"/campaigns/{code}/tasks", data={
        "title": "x", "organization_code": city.dept_a, "working_days": "3",
        "after": "²", "csrf_token": csrf(page.text)})
    assert resp.status_code == 422 and "after" in resp.text


def test_a_superscript_webhook_timestamp_is_the_one_vague_401(city):
    made, task = _hook_city(city)
    body = json.dumps({"task": task, "text": "x"}).encode()
    headers = {**_signed(made.secret, "msg_sup", body), "webhook-timestamp": "\u00b2"}
    assert _refusal(city, made.id, headers, body)[0] == "the webhook could not be verified"


def test_cli_bad_dependency_and_unwritable_chart_are_messages_not_tracebacks(
        city, settings, tmp_path):
    """`task create --after ²` raised ValueError and `task gantt --svg` into a missing
    folder raised FileNotFoundError: tracebacks instead of the CLI's one-line errors."""
    env = {"GOVBRIDGE_HOME": str(settings.home),
           "GOVBRIDGE_DATABASE_URL": settings.database_url, "COLUMNS": "200"}
    code = city.campaign()
    bad_after = CliRunner().invoke(app, ["task", "create", code, "--title", "x", "--org",
                                         city.dept_a, "--days", "2", "--after", "²"], env=env)
    assert not isinstance(bad_after.exception, ValueError), bad_after.exception
    assert bad_after.exit_code != 0
    assert "--after" in bad_after.output
    for target in (tmp_path / "missing" / "g.svg", tmp_path):
        chart = CliRunner().invoke(app, ["task", "gantt", code, "--svg", str(target)],
                                   env=env)
        assert not isinstance(chart.exception, OSError), chart.exception
        assert chart.exit_code != 0 and "--svg" in chart.output


@pytest.mark.parametrize("url", [
    # A ';' separates query parameters for many servers; parse_qsl splits on '&' only,
    # so the secret-named parameter hid inside the value of "x".
    "https://meet.suzhou.gov.cn/room?x=1;jwt=SECRETJWT",
    "https://matrix.suzhou.gov.cn/#/room/!r:hs?via=hs;access_token=SECRETJWT",
    # A credential under an innocent name: a JWT, a Matrix token, a webhook secret.
    "https://meet.suzhou.gov.cn/room?t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.SECRETJWT",
    "https://matrix.suzhou.gov.cn/room?u=syt_SECRETJWT_abc",
    "https://cloud.suzhou.gov.cn/s/x?w=whsec_SECRETJWT",
])
def test_a_credential_hidden_in_a_link_is_refused(city, url):
    with city.rt.context() as ctx, pytest.raises(InvalidInput) as err:
        usecases.create_campaign(ctx, city.leader, {
            "title": "x", "deadline": "2026-12-01", "chat_url": url})
    assert "SECRETJWT" not in str(err.value) and err.value.problems[0].field == "chat_url"


def test_ordinary_links_still_pass(city):
    for url in ("https://meet.suzhou.gov.cn/wmcs-weekly",
                "https://matrix.to/#/#wmcs:matrix.suzhou.gov.cn",
                "https://cloud.suzhou.gov.cn/s/AbCdEf123?dir=/minutes;sort=name"):
        with city.rt.context() as ctx:
            assert usecases.create_campaign(ctx, city.leader, {
                "title": "x", "deadline": "2026-12-01", "chat_url": url}).chat_url == url


def test_a_tool_with_a_long_name_can_post(city):
    """A tool's name may be 100 characters, but its timeline entries are signed
    "integration:<name>" in a 100-character column: PostgreSQL refused the row (a 500
    for every post of that tool; SQLite does not enforce the length)."""
    code = city.campaign()
    task = city.task(code, city.dept_a, "周例会")
    with city.rt.context() as ctx:
        made = hooks.add_integration(ctx, city.leader, IntegrationIn(
            campaign=code, name="会" * 100, kind="meeting"))
    body = json.dumps({"task": task, "text": "纪要"}).encode()
    with city.rt.context() as ctx:
        assert hooks.receive(ctx, made.id, _signed(made.secret, "msg_long", body), body).task
    with city.rt.context() as ctx:
        entry = usecases.show_task(ctx, city.leader, task).timeline[-1]
    assert entry.kind == "external" and len(entry.actor) <= 100
    assert entry.actor.startswith("integration:会")


def test_an_explicit_code_cannot_take_the_made_up_codes_of_later_campaigns(city):
    """Codes made up for campaigns created without one are CMP-<year>-<id>; a department
    officer could register CMP-2026-0002 (or a thousand of them) first, and the next
    campaign created without a code failed on the unique code: a 500, repeatable."""
    with city.rt.context() as ctx, pytest.raises(InvalidInput) as err:
        usecases.create_campaign(ctx, city.officer_a, {
            "code": "CMP-2026-0002", "title": "抢注", "deadline": "2026-12-01"})
    assert err.value.problems[0].field == "code"
    with city.rt.context() as ctx:
        usecases.create_campaign(ctx, city.officer_a, {
            "code": "WMCS-2026", "title": "正常", "deadline": "2026-12-01"})
    with city.rt.context() as ctx:
        made = usecases.create_campaign(ctx, city.officer_b, {
            "title": "无编号", "deadline": "2026-12-01"})
    assert made.code == "CMP-2026-0002"


def test_a_campaign_cannot_be_coded_like_a_page(city):
    """/campaigns/tasks is the department's task list: a campaign coded "tasks" had a
    page nobody could open."""
    with city.rt.context() as ctx, pytest.raises(InvalidInput) as err:
        usecases.create_campaign(ctx, city.leader, {
            "code": "tasks", "title": "x", "deadline": "2026-12-01"})
    assert err.value.problems[0].field == "code"
