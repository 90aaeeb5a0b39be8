"""`govbridge bench emergency`: a smoke test of one storm (no timing asserts)."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from govbridge.cli.main import app

runner = CliRunner()
SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")


@pytest.mark.slow
def test_bench_emergency_feeds_every_reading_and_measures_latencies(tmp_path):
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    result = runner.invoke(app, ["bench", "emergency", *server, "--json", "--results",
                                 str(tmp_path / "results")],
                           env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == ("postgresql" if SERVER_URL else "sqlite")
    readings = 22 * 48 * 12
    for leg in ("rules_leg", "baseline", "evaluator_only"):
        assert data[leg]["readings"] == readings and data[leg]["readings_per_second"] > 0
    assert data["alerts"] >= 4 and data["departments"] == 7
    assert data["reading_to_sealed_alert"]["n"] == data["alerts"]
    assert data["reading_to_dispatch"]["n"] == data["dispatches"] > 0
    assert data["ratio"] > 0
    assert sorted(p.suffix for p in (tmp_path / "results").iterdir()) == [".json", ".svg"]
    assert not (tmp_path / "home").exists()
