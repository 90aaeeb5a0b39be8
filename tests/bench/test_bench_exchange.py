"""`govbridge bench exchange`: a smoke test with tiny settings (no timing asserts).

Both servers (`govbridge serve` and the bench's bare baseline) and the load client
run as child processes on loopback; the database is a throw-away one (SQLite here,
or a temporary database on GOVBRIDGE_TEST_DATABASE_URL's server)."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from govbridge.cli.main import app

runner = CliRunner()
SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")


def test_bench_exchange_answers_every_query_for_ours_and_the_baseline(tmp_path):
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    result = runner.invoke(app, [
        "bench", "exchange", "--seconds", "0.5", "--levels", "1,2", "--rows", "20",
        "--appends", "300", "--proofs", "20", *server, "--json",
        "--results", str(tmp_path / "results")],
        env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200",
             "GOVBRIDGE_EXCHANGE_SLOTS": "3"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["exchange_slots"] == 3 and "3 exchange slot(s)" in data["ours_what"]
    assert {"backend", "levels", "results", "errors", "aims", "best", "meets_aims", "ledger",
            "machine", "load_average_1m"} <= data.keys()
    assert data["levels"] == [1, 2] and data["errors"] == 0
    assert [level["concurrency"] for level in data["results"]] == [1, 2]
    for level in data["results"]:
        assert {"ratio", "meets_qps_aim", "meets_ratio_aim"} <= level.keys()
        for leg in ("ours", "baseline"):
            got = level[leg]
            assert {"requests_per_second", "p50_ms", "p99_ms", "server_cpu_ms_per_request"} \
                <= got.keys()
            assert got["ok"] > 0 and got["errors"] == 0, got
            assert got["rows_checked"] > 0 and got["rows_returned"] == got["rows_checked"]
    ledger = data["ledger"]
    assert ledger["append_batched"]["entries"] == 300
    assert ledger["append_single"]["entries"] >= 1
    assert ledger["proof"]["proofs"] == ledger["verify"]["proofs"] == 20
    assert ledger["tree_size"] >= 300
    assert {"cpus", "cpu", "python"} <= data["machine"].keys()
    assert sorted(p.suffix for p in (tmp_path / "results").iterdir()) == [".json", ".svg"]
    assert not (tmp_path / "home").exists()  # a throw-away database, not the installation's
