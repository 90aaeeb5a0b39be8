"""The CLI: init, db, org/user/client commands, JSON output, exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from govbridge.cli.main import app
from support import ORG_CODES, PASSWORD

runner = CliRunner()


def test_init_creates_home_with_private_secret(gb, settings):
    result = gb("init", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["home"] == str(settings.home)
    key = settings.home / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert gb("db", "status").exit_code == 0


def test_org_create_list_and_errors(gb):
    ok = gb("org", "create", ORG_CODES[0], "苏州市公安局", "--division-code", "320500", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["code"] == ORG_CODES[0]
    dup = gb("org", "create", ORG_CODES[0], "苏州市公安局")
    assert dup.exit_code == 1 and "already exists" in dup.stderr
    bad = ORG_CODES[1][:-1] + ("0" if ORG_CODES[1][-1] != "0" else "1")
    wrong = gb("org", "create", bad, "苏州市民政局")
    assert wrong.exit_code == 1 and "code:" in wrong.stderr and bad in wrong.stderr
    listed = json.loads(gb("org", "list", "--json").stdout)
    assert [o["code"] for o in listed] == [ORG_CODES[0]]
    assert gb("org", "create", ORG_CODES[2], "x局", "--level", "county").exit_code == 2


def test_user_and_client_lifecycle(gb):
    gb("org", "create", ORG_CODES[0], "苏州市公安局")
    made = gb("user", "create", "officer.psb", "--name", "王数据", "--role", "data_officer",
              "--org", ORG_CODES[0], "--password-stdin", "--json", input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    weak = gb("user", "create", "weak", "--name", "弱", "--role", "clerk", "--org",
              ORG_CODES[0], "--password-stdin", input="password123\n")
    assert weak.exit_code == 1 and "password" in weak.stderr
    assert "password123" not in weak.output
    users = json.loads(gb("user", "list", "--json").stdout)
    assert [u["username"] for u in users] == ["officer.psb"]

    created = gb("client", "create", "--org", ORG_CODES[0], "--name", "户籍系统", "--json")
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    assert key["api_key"].startswith("gbk_")
    listed = gb("client", "list", "--json")
    assert key["api_key"] not in listed.stdout
    revoked = gb("client", "revoke", key["key_id"], "--json")
    assert json.loads(revoked.stdout)["revoked_at"]
    assert gb("client", "revoke", "nosuchkey").exit_code == 1


def test_enroll_totp_prints_secret_once(gb):
    gb("org", "create", ORG_CODES[0], "苏州市大数据管理局")
    made = gb("user", "create", "auditor1", "--name", "审计员", "--role", "auditor", "--org",
              ORG_CODES[0], "--password-stdin", "--enroll-totp", input=PASSWORD + "\n")
    assert made.exit_code == 0 and "otpauth://totp/" in made.stderr
    listed = json.loads(gb("user", "list", "--json").stdout)
    assert listed[0]["totp_enrolled"] is True


def test_commands_refuse_an_uninitialised_home(tmp_path):
    env = {"GOVBRIDGE_HOME": str(tmp_path / "empty"),
           "GOVBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = runner.invoke(app, ["org", "list"], env=env)
    assert result.exit_code == 1 and "govbridge init" in result.stderr
