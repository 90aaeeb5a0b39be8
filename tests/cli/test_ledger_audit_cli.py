"""`govbridge ledger audit` and `govbridge ledger checkpoint`: exit codes and findings."""

from __future__ import annotations

import json

from sqlalchemy import update
from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.ledger import log
from govbridge.ledger.models import LedgerEntry

runner = CliRunner()


def test_audit_passes_then_fails_on_a_tampered_row(rt, settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url}
    with rt.context() as ctx:
        log.append_many(ctx, [log.NewEntry("e", {"i": i}) for i in range(6)])
    made = runner.invoke(app, ["ledger", "checkpoint", "--json"], env=env)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["tree_size"] == 6
    ok = runner.invoke(app, ["ledger", "audit"], env=env)
    assert ok.exit_code == 0 and "ledger ok" in ok.stdout
    with rt.context() as ctx:
        ctx.db.execute(update(LedgerEntry).where(LedgerEntry.leaf_index == 2)
                       .values(entry='{"i":99}'))
    bad = runner.invoke(app, ["ledger", "audit", "--json"], env=env)
    assert bad.exit_code == 1
    findings = json.loads(bad.stdout)["findings"]
    assert {"kind": "changed", "where": "entry 2"}.items() <= findings[0].items()
