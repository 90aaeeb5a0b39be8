"""`govbridge bench stream`: a smoke test against the NATS JetStream server (no timing asserts)."""

from __future__ import annotations

import json
import os
import socket
from urllib.parse import urlsplit

from typer.testing import CliRunner

from govbridge.cli.main import app
from support import need

runner = CliRunner()
SERVER_URL = os.environ.get("GOVBRIDGE_TEST_DATABASE_URL")
NATS_URL = os.environ.get("GOVBRIDGE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), timeout=1):
            return True
    except OSError:
        return False


def test_bench_stream_stores_every_message_and_measures_the_bare_broker(tmp_path):
    need(_reachable(NATS_URL), f"NATS JetStream at {NATS_URL} (GOVBRIDGE_TEST_NATS_URL)")
    server = ["--database-url", SERVER_URL] if SERVER_URL else []
    result = runner.invoke(app, ["bench", "stream", "--messages", "300", "--nats-url", NATS_URL,
                                 "--timeout", "60", *server, "--json",
                                 "--results", str(tmp_path / "results")],
                           env={"GOVBRIDGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["messages"] == 300
    assert data["end_to_end"]["messages"] == data["baseline"]["messages"] == 300
    assert data["worker_counts"] == {"stored": 300}  # every message stored once, no retry
    assert 1 <= data["micro_batches"] < 100  # micro-batches, not a commit per message
    assert data["end_to_end"]["per_second"] > 0 and data["baseline"]["per_second"] > 0
    assert data["backend"] == ("postgresql" if SERVER_URL else "sqlite")
    saved = sorted(p.suffix for p in (tmp_path / "results").iterdir())
    assert saved == [".json", ".svg"]
    assert not (tmp_path / "home").exists()  # a throw-away database, not the installation's
