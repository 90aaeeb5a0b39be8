"""`govbridge bench analytics`: a smoke test with a few thousand cases (no timing asserts):
the copies made in SQL are counted, ours and the baseline read the same rows, the
result is saved with its chart, the installation's home is untouched."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from govbridge.cli.main import app

runner = CliRunner()
SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")


def test_bench_analytics_counts_every_case_for_ours_and_the_baseline(tmp_path, monkeypatch):
    monkeypatch.setattr("govbridge.bench.analytics.BLOCK", 1000)
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    result = runner.invoke(app, [
        "bench", "analytics", "--cases", "2500", *server, "--json",
        "--results", str(tmp_path / "results")],
        env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == ("postgresql" if SERVER_URL else "sqlite")
    assert data["cases"] == data["baseline"]["cases"] == 2500  # one block, 1.5 copies
    assert data["materials"] == data["baseline"]["materials"] > 2500
    ours = data["ours"]
    assert ours["departments"] == 19 and ours["rated"] >= 3
    assert ours["graph_nodes"] >= 10 and ours["graph_edges"] > 0
    assert ours["seconds"] > 0 and data["ratio"] > 0
    assert sorted(p.suffix for p in (tmp_path / "results").iterdir()) == [".json", ".svg"]
    assert not (tmp_path / "home").exists()
    table = runner.invoke(app, ["bench", "analytics", "--cases", "300", *server, "--no-save"],
                          env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert table.exit_code == 0 and "baseline" in table.output
