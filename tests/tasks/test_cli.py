"""The CLI contract: `govbridge campaign create|list|show [--json]`,
`govbridge task create|list|report|accept|return|gantt`, `task remind`."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from typer.testing import CliRunner

from govbridge.cli.main import app

runner = CliRunner()


def _run(env, *args):
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def test_campaign_and_task_commands(city, settings, tmp_path):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    made = json.loads(_run(env, "campaign", "create", "--title", "创建全国文明城市",
                           "--deadline", "2027-06-30", "--code", "WMCS-2026", "--lead",
                           city.office, "--leader", "leader", "--json").stdout)
    assert made["code"] == "WMCS-2026" and made["leader"] == "leader"
    first = json.loads(_run(env, "task", "create", "WMCS-2026", "--title", "摸底", "--org",
                            city.dept_a, "--days", "3", "--json").stdout)
    second = json.loads(_run(env, "task", "create", "WMCS-2026", "--title", "整改", "--org",
                             city.dept_b, "--days", "2", "--after", f"{first['id']}:1",
                             "--json").stdout)
    listed = json.loads(_run(env, "task", "list", "--json").stdout)
    assert [t["id"] for t in listed] == [first["id"], second["id"]]
    for key in ("id", "campaign", "department", "state", "due", "progress", "late"):
        assert key in listed[0]
    assert listed[0]["campaign"] == "WMCS-2026" and listed[0]["department"] == city.dept_a
    _run(env, "task", "report", str(first["id"]), "--percent", "100", "--text", "完成",
         "--submit")
    returned = json.loads(_run(env, "task", "return", str(first["id"]), "--reason", "补材料",
                               "--json").stdout)
    assert returned["state"] == "returned" and returned["reason"] == "补材料"
    _run(env, "task", "report", str(first["id"]), "--percent", "100", "--submit")
    accepted = json.loads(_run(env, "task", "accept", str(first["id"]), "--json").stdout)
    assert accepted["state"] == "accepted" and accepted["progress"] == 100
    shown = json.loads(_run(env, "campaign", "show", "WMCS-2026", "--json").stdout)
    assert shown["critical_path"] == [first["id"], second["id"]]
    assert [c["code"] for c in json.loads(_run(env, "campaign", "list", "--json").stdout)] == [
        "WMCS-2026"]
    out = tmp_path / "g.svg"
    _run(env, "task", "gantt", "WMCS-2026", "--svg", str(out))
    root = ElementTree.fromstring(out.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")
    # A one-day task is due on its first working day: the round reminds of it once
    # (before it, or on the day), escalates nothing, and a second round sends nothing.
    # (This once asserted `sum >= 0`, which no round could fail.)
    _run(env, "task", "create", "WMCS-2026", "--title", "今日任务", "--org", city.dept_a,
         "--days", "1")
    remind = json.loads(_run(env, "task", "remind", "--json").stdout)
    assert remind["before"] + remind["due"] == 1 and remind["overdue"] == 0, remind
    again = json.loads(_run(env, "task", "remind", "--json").stdout)
    assert again["before"] + again["due"] + again["overdue"] == 0, again
    bad = runner.invoke(app, ["task", "return", str(second["id"]), "--reason", "x"], env=env)
    assert bad.exit_code == 1 and "cannot be returned" in bad.output
    cycle = runner.invoke(app, ["task", "depend", str(first["id"]), "--after",
                                str(second["id"])], env=env)
    assert cycle.exit_code == 1 and "cycle" in cycle.output
    hostile = runner.invoke(app, ["campaign", "create", "--title", "x", "--deadline",
                                  "2027-01-01", "--lead", city.office, "--leader", "leader",
                                  "--docs", "https://u:topsecret@cloud.example/s/1"], env=env)
    assert hostile.exit_code == 1 and "topsecret" not in hostile.output
