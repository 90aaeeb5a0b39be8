"""`govbridge bench services`: a smoke test with a handful of cases (no timing asserts).

The cases run in-process on a throw-away database (SQLite here, or a temporary database
on GOVBRIDGE_TEST_DATABASE_URL's server); the baseline is the engine alone."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from govbridge.cases import issuance
from govbridge.certificates import pdf
from govbridge.cli.main import app

runner = CliRunner()
SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")


def test_bench_services_runs_every_case_to_a_certificate_and_the_engine_alone(tmp_path):
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    result = runner.invoke(app, [
        "bench", "services", "--cases", "3", *server, "--json",
        "--results", str(tmp_path / "results")],
        env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"backend", "cases", "ours", "baseline", "ratio", "errors", "failures", "warmup",
            "machine"} <= data.keys()
    assert data["backend"] == ("postgresql" if SERVER_URL else "sqlite")
    assert data["errors"] == 0 and data["failures"] == []
    assert data["warmup"] == {"cases": 1, "state": "completed", "certificate": True}
    ours, base = data["ours"], data["baseline"]
    assert ours["cases"] == ours["completed"] == 3
    assert ours["materials_fetched"] == 3  # one licence per case, through the exchange
    assert ours["decisions"] == 12  # 设立登记审核, then tax, seal filing, social insurance
    assert ours["certificates_issued"] == 3
    steps = ours["ms_per_case_by_step"]
    assert list(steps) == ["application", "acceptance", "approval", "certificate_build",
                           "signing", "ledger"]
    # every part was timed (the certificate's three by the bench's wrappers), none negative
    assert all(v > 0 for v in steps.values()), steps
    assert ours["certificate_ms"] == round(
        steps["certificate_build"] + steps["signing"] + steps["ledger"], 2)
    assert base["cases"] == base["completed"] == 3 and base["tasks_completed"] == 12
    for leg in (ours, base):
        assert leg["cases_per_second"] > 0 and leg["ms_per_case"] > 0
    assert data["ratio"] > 0
    assert {"cpus", "cpu", "python"} <= data["machine"].keys()
    assert sorted(p.suffix for p in (tmp_path / "results").iterdir()) == [".json", ".svg"]
    assert not (tmp_path / "home").exists()  # a throw-away database, not the installation's
    # the wrappers that timed the certificate's parts are gone after the run
    assert pdf.sign.__module__ == "govbridge.certificates.pdf" and pdf.sign.__name__ == "sign"
    assert not hasattr(pdf.sign, "__wrapped__")
    assert not hasattr(issuance.issue_for_case_process, "__wrapped__")


def test_bench_services_prints_a_table_without_json(tmp_path):
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    result = runner.invoke(app, ["bench", "services", "--cases", "1", *server, "--no-save"],
                           env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    # The title and the machine line only: the console's width is fixed when it is first
    # imported, so table cells may wrap or be cut whatever COLUMNS says here (the figures
    # themselves are checked through --json above).
    assert "services bench" in result.stdout
    assert "machine:" in result.stdout
