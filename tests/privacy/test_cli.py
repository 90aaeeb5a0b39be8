"""`govbridge privacy job create|approve|run|show --json`: the command-line contract."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.core.permissions import Role

runner = CliRunner()


def test_create_approve_run_show(rt, settings, city, make_user):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    for key in ("mca", "nrp", "edu"):
        make_user(f"cli.{key}", [Role.DATA_OFFICER], org=city[key].code)

    def gb(*args: str) -> dict:
        res = runner.invoke(app, list(args), env=env)
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    made = gb("privacy", "job", "create", "--computation", "psi.count",
              "--receiver", city["mca"].code, "--purpose", "低保对象家庭财产核查（测试）",
              "--party", f"{city['mca'].code}:{city['mca'].resource_code}:key_field=id_number",
              "--party", f"{city['nrp'].code}:{city['nrp'].resource_code}:key_field=id_number",
              "--as", "cli.mca", "--json")
    code = made["code"]
    assert made["state"] == "proposed"
    early = runner.invoke(app, ["privacy", "job", "run", code, "--as", "cli.mca"], env=env)
    assert early.exit_code == 1 and "approved" in early.output
    gb("privacy", "job", "approve", code, "--as", "cli.mca", "--json")
    assert gb("privacy", "job", "approve", code, "--as", "cli.nrp", "--json")["state"] == \
        "approved"
    ran = gb("privacy", "job", "run", code, "--as", "cli.mca", "--json")
    assert ran["state"] == "completed"
    shown = gb("privacy", "job", "show", code, "--as", "cli.mca", "--json")
    assert {"state", "parties", "revealed_to", "result", "receipt"} <= set(shown)
    assert shown["result"] == {"count": 30}
    assert shown["revealed_to"]["org_code"] == city["mca"].code
    assert isinstance(shown["receipt"], int)
    assert [p["decision"] for p in shown["parties"]] == ["approve", "approve"]
    assert gb("privacy", "job", "show", code, "--as", "cli.nrp", "--json")["result"] is None
    assert gb("privacy", "job", "show", code, "--json")["result"] is None  # the bare operator
    hidden = runner.invoke(app, ["privacy", "job", "show", code, "--as", "cli.edu", "--json"],
                           env=env)
    assert hidden.exit_code == 1 and "does not exist" in hidden.output
