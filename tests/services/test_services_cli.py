"""`govbridge service list|show|import-bpmn|holiday ...`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpmn_helpers import linear
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
    bad.write_text(linear().replace("<bpmn:userTask", "<bpmn:complexGateway id=\"Gateway_1\"/>"
                                    "<bpmn:userTask"), "utf-8")
    refused = gb("service", "import-bpmn", code, str(bad))
    assert refused.exit_code == 1
    assert "bpmn:complexGateway id=Gateway_1 is not supported" in refused.stderr
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
