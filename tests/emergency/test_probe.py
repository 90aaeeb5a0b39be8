"""An attacker's probe of the emergency capability: each test is one way in that was open
(a reading, a date, a number or a form field that broke a path, or a check that could not
fail), written before its fix."""

from __future__ import annotations

import re

import pytest
from emergency_helpers import login, rain_row, rain_window  # type: ignore[import-not-found]
from fastapi.testclient import TestClient
from sqlalchemy import select

from govbridge.api.app import create_app
from govbridge.core.errors import InvalidInput
from govbridge.core.inputs import checked
from govbridge.emergency import incidents, rulebook
from govbridge.emergency.consumer import evaluate_pending
from govbridge.emergency.models import EvaluatedBatch
from govbridge.emergency.schemas import IncidentIn
from govbridge.ingest.models import QuarantinedRow
from support import PASSWORD


@pytest.mark.parametrize("observed_at", ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00",
                                         "1970-01-01T00:00:00+00:00"])
def test_a_gauge_clock_far_in_the_past_is_quarantined_not_a_stuck_consumer(world, observed_at):
    """Ingest accepts any GB/T 7408 date; a reading dated in year 1 made every run of the
    consumer raise ("year 0 is out of range"), so no later reading was ever evaluated."""
    with world.rt.context() as ctx:
        rulebook.create_rule(ctx, world.admin, rain_window(world, when=[{
            "dataset": world.rain, "field": "rainfall_mm", "op": ">", "value": 5}]))
    [sent] = world.send(world.rain, [{"station_code": "G-GUSU-1", "observed_at": observed_at,
                                      "rainfall_mm": 10}])
    assert sent.accepted == 1
    run = evaluate_pending(world.rt)
    assert (run.readings, run.refused, run.alerts) == (0, 1, [])
    world.send(world.rain, [rain_row("G-GUSU-2", 0, 10.0)])
    assert len(evaluate_pending(world.rt).alerts) == 1  # the next reading still fires
    with world.rt.context() as ctx:
        [problem] = ctx.db.scalar(select(QuarantinedRow.problems))
        assert ctx.db.scalar(select(EvaluatedBatch.batch_id).where(
            EvaluatedBatch.batch_id == sent.batch_id)) == sent.batch_id
    assert (problem["field"], problem["rule"]) == ("observed_at", "clock_skew")


@pytest.mark.parametrize("arrive_by", ["2030-01-01T08:00:00", "9999-12-31T23:59:59-14:00",
                                       "0001-01-01T00:00:00+08:00"])
def test_a_commit_time_without_offset_or_out_of_range_is_a_422_not_a_500(client, flooded,
                                                                         arrive_by):
    fire = login(client, "officer.fire")
    [mine] = client.get("/api/v1/dispatches", headers=fire).json()
    resp = client.post(f"/api/v1/dispatches/{mine['code']}/commit", headers=fire,
                       json={"resources": {"pumps": 2}, "arrive_by": arrive_by})
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert "arrive_by" in resp.text
    assert client.get(f"/api/v1/dispatches/{mine['code']}", headers=fire).json()[
        "status"] == "requested"  # nothing half-done


@pytest.mark.parametrize("started_at", ["2026-07-10T08:00:00", "9999-12-31T23:59:59-14:00"])
def test_an_incident_opened_by_hand_refuses_a_start_without_offset_or_out_of_range(
        world, started_at):
    with world.rt.context() as ctx, pytest.raises(InvalidInput) as bad:
        incidents.open_incident(ctx, world.admin, checked(IncidentIn, {
            "title": "城区内涝", "district": "320508", "command_code": world.depts["ema"].code,
            "started_at": started_at}))
    assert [p.field for p in bad.value.problems] == ["started_at"]


@pytest.mark.parametrize(("bound", "field"), [({"value": "NaN"}, "when.0.value"),
                                              ({"value": "-Infinity"}, "when.0.value"),
                                              ({"value": 1, "offset": "Infinity"},
                                               "when.0.offset")])
def test_a_rule_bound_that_is_not_a_finite_number_is_refused(world, bound, field):
    """A NaN bound never fires (a dead rule that looks live), -Infinity fires on every
    reading (an alert storm), and neither can be stored as JSON on PostgreSQL."""
    condition = {"dataset": world.rain, "field": "rainfall_mm", "op": ">", **bound}
    with world.rt.context() as ctx, pytest.raises(InvalidInput) as bad:
        rulebook.create_rule(ctx, world.admin, rain_window(world, when=[condition]))
    assert [p.field for p in bad.value.problems] == [field]
    with world.rt.context() as ctx:
        assert rulebook.list_rules(ctx, world.admin) == []


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.mark.parametrize("quantity", ["²", "1" * 40])
def test_a_quantity_of_unicode_digits_on_the_dispatch_page_is_a_form_error(flooded, quantity):
    """str.isdigit() is true of "²", which int() refuses: it was a 500."""
    with TestClient(create_app(flooded.rt), raise_server_exceptions=False) as web:
        page = web.get("/login")
        web.post("/login", data={"username": "officer.fire", "password": PASSWORD,
                                 "csrf_token": CSRF.search(page.text).group(1)})
        [code] = re.findall(r'data-code="([^"]+)"', web.get("/emergency/dispatches").text)
        page = web.get(f"/emergency/dispatches/{code}")
        bad = web.post(f"/emergency/dispatches/{code}/commit", data={
            "csrf_token": CSRF.search(page.text).group(1), "res_pumps": quantity,
            "arrive_by": "2030-01-01T08:00"})
        assert bad.status_code == 422 and 'data-testid="errors"' in bad.text
        assert "res_pumps" in bad.text or "pumps" in bad.text


def test_a_quantity_of_unicode_digits_on_the_command_line_is_a_message(world, settings):
    from typer.testing import CliRunner

    from govbridge.cli.main import app

    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL":
           settings.database_url, "COLUMNS": "200"}
    done = CliRunner().invoke(app, ["incident", "commit", "INC-2026-0001-D01", "-r", "pumps=²",
                                    "--arrive-by", "2030-01-01T08:00:00+08:00"], env=env)
    assert done.exit_code == 1 and "pumps=²" in done.output, done.output
    assert "Traceback" not in done.output


def test_a_note_naming_a_person_reaches_no_notification_ledger_entry_or_board(flooded):
    """The notes a department writes on a commit or a report may name people (a team
    leader, an evacuee's ID number): they stay in the department's step, nowhere else."""
    from govbridge.emergency.schemas import CommitIn, ReportIn
    from govbridge.ledger.models import LedgerEntry
    from govbridge.notifications.models import Notification

    secret, person = "11010519491231002X", "李四"
    fire = flooded.depts["fire"].officer
    with flooded.rt.context() as ctx:
        [mine] = incidents.list_dispatches(ctx, fire)
        incidents.commit_dispatch(ctx, fire, mine.code, CommitIn(
            resources={"pumps": 2}, arrive_by=mine.respond_by, note=f"{person} {secret}"))
        incidents.report_dispatch(ctx, fire, mine.code, ReportIn(
            status="on_scene", deployed={"pumps": 2}, note=f"转移群众 {person} {secret}"))
        incidents.release_dispatch(ctx, flooded.admin, mine.code)
        board = incidents.board(ctx, flooded.admin, mine.incident).model_dump_json()
        texts = [board, incidents.get_dispatch(ctx, fire, mine.code).model_dump_json()]
        texts += list(ctx.db.scalars(select(LedgerEntry.entry)))
        texts += [f"{n.subject} {n.body}" for n in ctx.db.scalars(select(Notification))]
        kinds = set(ctx.db.scalars(select(Notification.kind)))
    assert {"emergency.commit", "emergency.report", "emergency.release"} <= kinds
    assert any('"step":"report"' in t for t in texts)  # the steps were ledgered
    for text in texts:
        assert secret not in text and person not in text and "officer.fire" not in text


@pytest.mark.parametrize(("field", "text"), [("headline", "暴雨\ufffe预警"),
                                             ("name", "雨量\ud800规则"),
                                             ("instruction", "远离\uffff低洼地带")])
def test_rule_text_that_xml_cannot_carry_is_refused_not_a_stuck_consumer(world, field, text):
    """NO_CONTROLS lets U+FFFE, U+FFFF and lone surrogates through; a CAP alert cannot hold
    them, so the first firing of such a rule raised in every consumer run, and no reading
    of any rule was evaluated again."""
    with world.rt.context() as ctx, pytest.raises(InvalidInput) as bad:
        rulebook.create_rule(ctx, world.admin, rain_window(world, **{field: text}))
    assert [p.field for p in bad.value.problems] == [field]
    world.send(world.rain, [rain_row("G-GUSU-1", m, 10.0) for m in range(0, 60, 10)])
    evaluate_pending(world.rt)  # nothing stuck


def test_an_alert_update_with_text_xml_cannot_carry_is_a_422(world):
    from govbridge.emergency import alerts
    from govbridge.emergency.schemas import AlertChangeIn

    with world.rt.context() as ctx:
        rulebook.create_rule(ctx, world.admin, rain_window(world))
    world.send(world.rain, [rain_row("G-GUSU-1", m, 10.0) for m in range(0, 60, 10)])
    [identifier] = evaluate_pending(world.rt).alerts
    with world.rt.context() as ctx, pytest.raises(InvalidInput) as bad:
        alerts.change_alert(ctx, world.admin, identifier, AlertChangeIn.model_construct(
            msg_type="Update", headline="更新\ufffe", instruction=None, severity=None))
    assert [p.field for p in bad.value.problems] == ["headline"]


@pytest.mark.parametrize("value", ["1e400", "-1e400", 1e308 * 10])
def test_a_reading_too_large_for_a_float_is_refused_by_the_rules(value):
    """Ingest checks a decimal against its element, and an element without bounds takes
    "1e400" (a finite Decimal); as a float it is Infinity, which the rule's state cannot
    store as JSON on PostgreSQL (every later consumer run would fail) and a sum of
    +Infinity and -Infinity is NaN."""
    from datetime import UTC, datetime

    from govbridge.core.errors import FieldProblem
    from govbridge.emergency.streams import reading_of

    got = reading_of("302001001000001", {"station_code": "G-1",
                                         "observed_at": "2026-07-10T08:00:00+08:00",
                                         "level_m": value},
                     {"G-1": "320508"}, datetime(2026, 7, 10, tzinfo=UTC))
    assert isinstance(got, FieldProblem) and (got.field, got.code) == ("level_m", "not_finite")


def _cap_document() -> str:
    from datetime import UTC, datetime

    from govbridge.emergency import cap

    return cap.build(cap.CapAlert(
        identifier="probe-1", sender="113205000000000015@govbridge",
        sent=datetime(2026, 7, 10, tzinfo=UTC), msg_type="Alert", category="Met",
        event="暴雨", urgency="Expected", severity="Severe", certainty="Likely",
        headline="暴雨橙色预警", description="d", instruction="i", sender_name="苏州市气象局",
        area=cap.Area(desc="姑苏区", circle=(31.3, 120.6, 5.0)))).decode()


@pytest.mark.parametrize("hostile", ["midnight", "late-doctype", "late-xxe"])
def test_a_cap_document_that_breaks_in_a_new_way_is_cap_invalid(hostile):
    """xs:dateTime takes 24:00:00 (Python does not); a DOCTYPE after the first 2 kB passed the
    prefix check, and its unexpanded entity broke the schema check with an lxml internal
    error. Each must be the one CapInvalid, never an entity's content."""
    from govbridge.emergency import cap

    doc = _cap_document()
    body = doc.split("?>", 1)[1]
    if hostile == "midnight":
        text = doc.replace("2026-07-10T08:00:00+08:00", "2026-07-10T24:00:00+08:00")
    else:
        entity = ('SYSTEM "file:///etc/passwd"' if hostile == "late-xxe"
                  else '"aaaaaaaaaa"')
        text = ('<?xml version="1.0"?>' + "<!--" + "x" * 3000 + "-->"
                f"<!DOCTYPE cap:alert [<!ENTITY a {entity}>]>"
                + body.replace("暴雨橙色预警<", "&a;<"))
    with pytest.raises(cap.CapInvalid) as bad:
        cap.parse(text.encode())
    assert "root:" not in str(bad.value.problems[0].reason)


def test_a_department_cannot_learn_which_incidents_exist_from_the_dispatch_filter(client,
                                                                                   flooded):
    """Departments do not read incidents (403 on /incidents); filtering dispatches by an
    incident answered 404 for a code that does not exist and [] for one that does."""
    with flooded.rt.context() as ctx:
        other = incidents.open_incident(ctx, flooded.admin, checked(IncidentIn, {
            "title": "危化品泄漏", "district": "320509",
            "command_code": flooded.depts["ema"].code}))
    cma = login(client, "officer.cma")  # dispatched nothing
    real = client.get("/api/v1/dispatches", params={"incident": other.code}, headers=cma)
    made_up = client.get("/api/v1/dispatches", params={"incident": "INC-2026-0999"},
                         headers=cma)
    assert (real.status_code, real.json()) == (made_up.status_code, made_up.json()) == (200, [])
    fire = login(client, "officer.fire")
    [mine] = client.get("/api/v1/dispatches", headers=fire).json()
    assert [d["code"] for d in client.get("/api/v1/dispatches", headers=fire, params={
        "incident": mine["incident"]}).json()] == [mine["code"]]
