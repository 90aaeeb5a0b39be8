"""The demo's 防汛 scenario: loaded once, the storm deterministic, the replay firing the rules."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.demo import emergency as scenario
from govbridge.demo.departments import department
from govbridge.emergency.models import AlertRule, Dispatch, Station
from govbridge.identity import organizations
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import OrganizationCreate

PLAN_KEYS = ["ema"] + [line[0] for line in scenario.PLAN_LINES if line[0] != "water"]
runner = CliRunner()


@pytest.fixture
def city(rt):
    """The demo departments the scenario names (the rest of the city is not needed)."""
    with rt.context() as ctx:
        for key in PLAN_KEYS:
            d = department(key)
            organizations.create_organization(ctx, Actor.operator("test"), OrganizationCreate(
                code=d.code, name=d.name, level="city"))
    return rt


def test_the_storm_is_deterministic_and_covers_20_stations_over_48_hours():
    first = list(scenario.storm(7))
    again = list(scenario.storm(7))
    assert first == again and first != list(scenario.storm(8))
    stations = {row["station_code"] for _, row in first}
    assert len(stations) == len(scenario.STATIONS) >= 20
    times = sorted(row["observed_at"] for _, row in first)
    assert len(first) == len(stations) * 48 * 12
    assert times[0].startswith("2025-07-10T00:00") and times[-1].startswith("2025-07-11T23:55")
    arrival = [row["observed_at"] for _, row in first]
    assert arrival != sorted(arrival)  # some readings arrive late


def test_loading_twice_adds_nothing(city):
    first = scenario.load_demo_emergency(city, 1)
    second = scenario.load_demo_emergency(city, 1)
    assert first == second and first["stations"] == 22
    with city.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(Station)) == 22
        assert ctx.db.scalar(select(func.count()).select_from(AlertRule)) == 4


@pytest.mark.slow
def test_replay_fires_the_rules_opens_incidents_and_dispatches_the_plan(city, settings):
    scenario.load_demo_emergency(city, 1)
    report = scenario.replay(city, 20261123)
    assert report.stored == report.readings == 22 * 48 * 12
    assert report.incidents and len(report.alerts) >= 4
    assert report.dispatched_departments >= 5
    with city.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(Dispatch)) >= 5
    again = scenario.replay(city, 20261123)
    assert again.stored == 0 and again.alerts == []
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL":
           settings.database_url, "COLUMNS": "200"}
    listed = runner.invoke(app, ["incident", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    incidents = json.loads(listed.stdout)
    dispatched = next(i for i in incidents if i["dispatches"])
    shown = runner.invoke(app, ["incident", "show", dispatched["code"], "--json"], env=env)
    board = json.loads(shown.stdout)
    assert len(board["departments"]) == 7 and board["alert_list"]
    dispatch = board["dispatch_list"][0]["code"]
    committed = runner.invoke(app, ["incident", "commit", dispatch, "-r", "people=10",
                                    "--arrive-by", "2025-07-10T20:00:00+08:00", "--json"], env=env)
    assert committed.exit_code == 0, committed.output
    reported = runner.invoke(app, ["incident", "report", dispatch, "--status", "on_scene",
                                   "-d", "people=10", "--json"], env=env)
    assert json.loads(reported.stdout)["status"] == "deployed"
    bad = runner.invoke(app, ["incident", "report", dispatch, "--status", "asleep"], env=env)
    assert bad.exit_code == 1 and "status" in bad.output and "Traceback" not in bad.output


def test_cli_rules_alerts_and_cap(city, settings, tmp_path):
    facts = scenario.load_demo_emergency(city, 1)
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL":
           settings.database_url, "COLUMNS": "200"}
    rule = tmp_path / "rule.json"
    rule.write_text(json.dumps({**scenario.demo_rules(facts["rain"], facts["levels"],
                                                      scenario.CMA[1], scenario.WATER[1],
                                                      department("ema").code)[0],
                                "hold_down_minutes": 30}), encoding="utf-8")
    made = runner.invoke(app, ["emergency", "rule", "create", str(rule), "--draft", "--json"],
                         env=env)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["version"] == 2
    listed = json.loads(runner.invoke(app, ["emergency", "rule", "list", "--json"],
                                      env=env).stdout)
    assert {(r["code"], r["status"]) for r in listed} >= {("rain-3h-50", "live"),
                                                        ("rain-3h-50", "draft")}
    tested = runner.invoke(app, ["emergency", "rule", "test", "rain-3h-50", "--json"], env=env)
    assert tested.exit_code == 0 and json.loads(tested.stdout)["readings"] == 0
    unbounded = tmp_path / "bad.json"
    unbounded.write_text(json.dumps({**json.loads(rule.read_text()), "when": [{
        "dataset": facts["rain"], "field": "rainfall_mm", "agg": "sum", "op": ">",
        "value": 50}]}), encoding="utf-8")
    refused = runner.invoke(app, ["emergency", "rule", "create", str(unbounded)], env=env)
    assert refused.exit_code == 1 and "never terminate" in refused.output
    out = tmp_path / "alerts.xml"
    written = runner.invoke(app, ["emergency", "alerts", "--cap", str(out), "--json"], env=env)
    assert written.exit_code == 0 and json.loads(written.stdout) == []
    assert out.read_bytes().startswith(b"<?xml")
