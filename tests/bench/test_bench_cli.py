"""`govbridge bench`: a smoke test of the commands and their output (no timing asserts)."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from govbridge.cli.main import app

runner = CliRunner()
SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")


def _gb(tmp_path, *args: str):
    env = {"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    return runner.invoke(app, ["bench", *args, *server, "--json",
                               "--results", str(tmp_path / "results")], env=env)


def test_bench_ingest_counts_every_row_for_ours_and_the_baseline(tmp_path):
    result = _gb(tmp_path, "ingest", "--rows", "2000", "--memory-rows", "500")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"rows", "backend", "ours", "baseline", "ratio", "memory", "memory_method",
            "machine"} <= data.keys()
    assert data["rows"] == 2000
    for leg in ("ours", "baseline", "records_baseline"):
        assert data[leg]["rows"] == 2000
        assert {"seconds", "rows_per_second", "peak_rss_mib"} <= data[leg].keys()
        assert data[leg]["peak_rss_mib"] > 0
    assert data["ours"]["accepted"] == 2000 and data["ours"]["rejected"] == 0
    assert [m["rows"] for m in data["memory"]] == [500, 2000]
    assert data["ratio_to_records"] > 0
    assert {"cpus", "cpu", "python"} <= data["machine"].keys()
    saved = sorted(p.suffix for p in (tmp_path / "results").iterdir())
    assert saved == [".json", ".svg"]
    assert not (tmp_path / "home").exists()  # a throw-away database, not the installation's


def test_bench_search_reports_percentiles_for_ours_and_the_like_baseline(tmp_path):
    result = _gb(tmp_path, "search", "--datasets", "50", "--rounds", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["datasets"] == 50
    assert data["queries"] == len(data["hits"])
    for leg in ("search", "baseline_like"):
        assert {"p50_ms", "p95_ms"} <= data[leg].keys()
    assert "p50_ratio_to_like" in data
