"""`govbridge bench tasks`: a smoke test on a small count (no timing asserts): the round
sends what is due once, the steady round nothing, the critical path is found."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from govbridge.bench.tasks import campaign_graph
from govbridge.cli.main import app
from govbridge.tasks import plan

runner = CliRunner()
SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")


def test_bench_tasks_smoke(tmp_path):
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    result = runner.invoke(app, [
        "bench", "tasks", "--open-tasks", "2000", "--cpm-tasks", "300", "--notices", "40",
        *server, "--json",
        "--results", str(tmp_path / "results")],
        env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == ("postgresql" if SERVER_URL else "sqlite")
    first, steady = data["first_round"], data["steady_round"]
    sent = first["before"] + first["due"] + first["overdue"]
    assert first["examined"] > 0 and sent >= first["examined"] and first["notifications"] > 0
    assert steady["before"] + steady["due"] + steady["overdue"] == 0
    assert data["plain_reads"]["rows"] == 2000
    assert data["ratio_first"] > 0 and data["ratio_steady"] > 0
    cpm = data["critical_path"]
    assert cpm["tasks"] == 300 and cpm["critical_tasks"] > 0 and cpm["ratio"] > 0
    hooks = data["deliveries"]  # every notification reached the receiver, once
    assert hooks["notifications"] == hooks["sent"] == hooks["received"] == 40
    assert hooks["per_second"] > 0 and hooks["bare_per_second"] > 0 and hooks["ratio"] > 0
    assert sorted(p.suffix for p in (tmp_path / "results").iterdir()) == [".json", ".svg"]
    table = runner.invoke(app, ["bench", "tasks", "--open-tasks", "200", "--cpm-tasks", "50",
                                "--notices", "5", *server, "--no-save"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "plain row reads" in table.stdout
    assert "webhook deliveries" in table.stdout


def test_the_generated_campaign_is_a_dag_with_one_critical_chain_to_its_end():
    nodes, edges = campaign_graph(500)
    assert plan.find_cycle([(a, b) for a, b, _ in edges]) is None
    cpm = plan.critical_path(nodes, edges)
    last = max(cpm.tasks, key=lambda n: cpm.early_start[n])
    assert cpm.early_start[last] + nodes[last].duration - 1 == cpm.finish
