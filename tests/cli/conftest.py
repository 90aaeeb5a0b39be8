"""CLI fixtures: `gb(*args, input=None)` runs `govbridge` on the test's database, initialised."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from govbridge.cli.main import app

runner = CliRunner()


@pytest.fixture
def gb(rt, settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), env=env, input=input)

    assert run("init").exit_code == 0
    return run
