"""`govbridge service list|show|import-bpmn|holiday ...`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpmn_helpers import AMR, flow, linear
from govbridge.cli.main import app
from govbridge.demo.departments import department
from govbridge.demo.services import load_demo_services

runner = CliRunner()
PROCESSES = Path(__file__).resolve().parents[2] / "govbridge" / "services" / "processes"


@pytest.fixture
def gb(rt, settings, departments):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def run(*args: str):
        return runner.invoke(app, list(args), env=env)

    assert run("init").exit_code == 0
    return run


def test_service_commands(gb, rt, tmp_path):
    load_demo_services(rt)
    listed = gb("service", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 3
    table = gb("service", "list")
    assert table.exit_code == 0 and "Service items" in table.stdout
    code = f"{department('amr').code}-QY-001"
    shown = json.loads(gb("service", "show", code, "--json").stdout)
    assert shown["name"] == "企业开办" and [v["version"] for v in shown["versions"]] == [1]
    assert gb("service", "show", code).exit_code == 0

    changed = (PROCESSES / "enterprise_establishment.bpmn").read_text("utf-8").replace(
        "公章刻制备案", "公章刻制备案（免费刻章）")
    target = tmp_path / "opening.bpmn"
    target.write_text(changed, "utf-8")
    imported = gb("service", "import-bpmn", code, str(target), "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["version"] == 2

    bad = tmp_path / "bad.bpmn"
    gateway = '<bpmn:complexGateway id="Gateway_1"/>'
    bad.write_text(linear().replace('<bpmn:endEvent id="Done"/>',
                                    '<bpmn:endEvent id="Done"/>' + gateway)
                   .replace(flow("F2", "Task_A", "Done"), flow("F2", "Task_A", "Gateway_1")
                            + flow("F3", "Gateway_1", "Done")), "utf-8")
    refused = gb("service", "import-bpmn", code, str(bad))  # the item is published
    assert refused.exit_code == 1
    said = " ".join(refused.stderr.split())
    assert "bpmn:complexGateway id=Gateway_1: complex gateways cannot be run" in said
    missing = gb("service", "show", "NO-SUCH")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_holiday_commands(gb):
    added = gb("service", "holiday", "add", "2026-10-01", "国庆节", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["kind"] == "holiday"
    assert gb("service", "holiday", "add", "2026-10-10", "国庆节调休", "--workday").exit_code == 0
    listed = json.loads(gb("service", "holiday", "list", "--year", "2026", "--json").stdout)
    assert [(d["day"], d["kind"]) for d in listed] == [("2026-10-01", "holiday"),
                                                       ("2026-10-10", "workday")]
    assert gb("service", "holiday", "remove", "2026-10-10").exit_code == 0
    assert gb("service", "holiday", "add", "10/01", "x").exit_code == 1


def test_map_lanes_names_departments_of_lanes_without_credit_codes(gb, make_item, departments,
                                                                   tmp_path):
    item = make_item()
    process = tmp_path / "p.bpmn"
    process.write_text(linear().replace(f"{AMR.name} {AMR.code}", "市场监管"), "utf-8")
    assert gb("service", "import-bpmn", item.code, str(process)).exit_code == 0
    shown = json.loads(gb("service", "map-lanes", item.code, "--json").stdout)
    assert shown == [{"lane": "市场监管", "department": None}]
    mapped = gb("service", "map-lanes", item.code, f"市场监管={departments['amr']}", "--json")
    assert mapped.exit_code == 0, mapped.output
    assert json.loads(mapped.stdout) == [{"lane": "市场监管", "department": departments["amr"]}]
    assert gb("service", "map-lanes", item.code, "no equals sign").exit_code == 1
