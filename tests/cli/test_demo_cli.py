"""`govbridge demo` hands over its accounts whole when stdout is not a terminal (a log
file): one line per account with its role, password and TOTP secret, also in a 0600 file
under the data directory, and in no log. A fresh demo passes `govbridge ledger audit`."""

from __future__ import annotations

import json
import logging
import stat

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.demo.accounts import ACCOUNTS_FILE, DEMO_PASSWORD, demo_accounts
from govbridge.demo.load import DEFAULT_SEED
from govbridge.identity import passwords

runner = CliRunner()
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:EdDSA is deprecated")]


@pytest.fixture
def fast_passwords(monkeypatch):
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_demo_prints_every_account_whole_and_keeps_them_in_a_private_file(
        rt, settings, fast_passwords, caplog):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "80"}  # what a pipe or a log file gets: rich cut the table here
    caplog.set_level(logging.DEBUG)
    ran = runner.invoke(app, ["demo", "--no-serve", "--persons", "120", "--companies", "30"],
                        env=env)
    assert ran.exit_code == 0, ran.output
    accounts = demo_accounts(DEFAULT_SEED)
    secrets = {a.username: a.totp_secret for a in accounts if a.totp_secret}
    assert set(secrets) == {"admin", "auditor"}
    lines = {line.split()[0]: line.split() for line in ran.stdout.splitlines()
             if line.split() and line.split()[0] in {a.username for a in accounts}}
    assert set(lines) == {a.username for a in accounts}
    for acc in accounts:
        fields = lines[acc.username]
        assert fields[1] == ",".join(acc.roles) and fields[2] == DEMO_PASSWORD
        assert fields[3:] == ([f"totp={acc.totp_secret}"] if acc.totp_secret else [])
    # The capabilities' own accounts are handed over too, with the demo password.
    for username in ("officer.cma", "officer.water", "officer.hospital1", "leader.office"):
        line = next(line.split() for line in ran.stdout.splitlines()
                    if line.split() and line.split()[0] == username)
        assert line[2] == DEMO_PASSWORD
    path = settings.home / ACCOUNTS_FILE
    assert str(path) in " ".join(ran.stdout.split()) or str(path) in ran.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = path.read_text("utf-8")
    assert all(f"totp={s}" in kept for s in secrets.values())
    assert all(s not in ran.stderr for s in secrets.values())
    assert not [r for r in caplog.records
                if any(s in r.getMessage() for s in secrets.values())]
    # A second run (the city reused) rewrites the file, still private.
    path.chmod(0o644)
    again = runner.invoke(app, ["demo", "--no-serve"], env=env)
    assert again.exit_code == 0, again.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Finding 6: the fresh demo's ledger passes its own audit.
    audit = runner.invoke(app, ["ledger", "audit", "--json"], env=env)
    assert audit.exit_code == 0, audit.output
    report = json.loads(audit.stdout)
    assert report["ok"] and report["findings"] == [] and report["entries"] > 30
