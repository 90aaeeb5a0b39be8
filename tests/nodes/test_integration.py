"""Hub and two department nodes as separate processes on loopback ports.

(The one-shot commands — enrol, load, list, verify — run in this process through the CLI
runner; hub and nodes are real `govbridge serve` / `govbridge node run` processes.)

Node A serves rows loaded into its store, node B reads live from its department's own
database (a SQLite file; a row changed there is served changed).
request → approve → query → verify; the nodes witness the ledger; node A is killed:
its data answers 503 with Retry-After and nothing is recorded; node A comes back and
its data answers again. Runs on SQLite or PostgreSQL (whichever the tests use).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.ledger import checkpoints, log
from govbridge.ledger.models import WitnessSignature
from govbridge.nodes import tls
from govbridge.nodes.client import RETRY_AFTER
from ingest_helpers import company_code
from node_helpers import (
    LIVE_MAP_ARGS,
    LIVE_TABLE,
    PURPOSE,
    department_sqlite,
    free_port,
    rows_file,
    wait_for,
)

pytestmark = pytest.mark.slow


def _env(settings) -> dict[str, str]:
    return {**os.environ, "GOVBRIDGE_HOME": str(settings.home),
            "GOVBRIDGE_DATABASE_URL": settings.resolved_database_url}


def _cli(env, *args: str) -> Result:
    """A one-shot command, in this process (the long-running ones are real processes)."""
    done = CliRunner().invoke(app, list(args), env=env)
    assert done.exit_code == 0, done.output
    return done


def _start(env, log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    fh = log_path.open("wb")
    return subprocess.Popen([sys.executable, "-m", "govbridge", *args], env=env,
                            stdout=fh, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _node_up(hub_home: Path, org_code: str, port: int) -> bool:
    context = tls.client_context(hub_home / "nodes" / "hub-client.crt",
                                 hub_home / "nodes" / "hub-client.key",
                                 (hub_home / "ca.pem").read_text())
    with httpx.Client(verify=context, trust_env=False, timeout=1) as http:
        resp = http.get(f"https://127.0.0.1:{port}/node/v1/health",
                        extensions={"sni_hostname": tls.node_server_name(org_code)})
    return resp.status_code == 200


def test_hub_and_two_nodes_as_processes(rt, settings, city, agree, tmp_path):
    env = _env(settings)
    hub_port, a_port, b_port = free_port(), free_port(), free_port()
    hub = f"http://127.0.0.1:{hub_port}"
    a_dir, b_dir = tmp_path / "node-a", tmp_path / "node-b"

    # Request: unconditional → granted at once; conditional → approved by its provider.
    agree(city.a_dataset)
    agreed = agree(city.b_dataset, approver=city.b_officer)
    assert agreed.state == "approved"

    # Enrol both nodes on the hub, load each department's rows into its own node.
    for code, directory, port in ((city.a_code, a_dir, a_port), (city.b_code, b_dir, b_port)):
        _cli(env, "node", "enroll", code, "--dir", str(directory),
             "--url", f"https://127.0.0.1:{port}", "--hub-url", hub)
    _cli(env, "node", "load", city.a_dataset, str(rows_file(tmp_path, "a", 6)), "--dir",
         str(a_dir))
    # Node B reads its dataset live from the department's own database (a SQLite file).
    b_db = tmp_path / "rsj.db"
    _cli({**env, "GOVBRIDGE_NODE_SOURCE_URL": department_sqlite(b_db, 4)}, "node", "source",
         "add", city.b_dataset, "--dir", str(b_dir), "--table", LIVE_TABLE,
         *[a for m in LIVE_MAP_ARGS for a in ("--map", m)])
    (settings.home / "ca.pem").write_text((a_dir / "ca.pem").read_text())
    listed = json.loads(_cli(env, "node", "list", "--json").stdout)
    assert {(n["organization_code"], n["url"], n["status"]) for n in listed} == {
        (city.a_code, f"https://127.0.0.1:{a_port}", "active"),
        (city.b_code, f"https://127.0.0.1:{b_port}", "active")}

    procs: dict[str, subprocess.Popen[bytes]] = {}

    def start_node(name: str, directory: Path, port: int) -> None:
        procs[name] = _start(env, tmp_path / f"{name}.log", "node", "run", "--dir",
                             str(directory), "--port", str(port), "--witness-interval", "0.5")

    try:
        procs["hub"] = _start(env, tmp_path / "hub.log", "serve", "--port", str(hub_port))
        start_node("a", a_dir, a_port)
        start_node("b", b_dir, b_port)
        wait_for(lambda: httpx.get(f"{hub}/api/v1/health", timeout=1).status_code == 200,
                 timeout=60, what="the hub")  # a loaded 2-core CI box
        wait_for(lambda: _node_up(settings.home, city.a_code, a_port), what="node A")
        wait_for(lambda: _node_up(settings.home, city.b_code, b_port), what="node B")

        api = httpx.Client(base_url=hub, timeout=15, trust_env=False,
                           headers={"Authorization": f"Bearer {city.api_key}"})

        def query(resource_code: str, *subjects: int) -> httpx.Response:
            return api.post(f"/api/v1/exchange/{resource_code}/query", json={
                "subject_ids": [company_code(n) for n in subjects], "purpose": PURPOSE})

        # Query both departments' data through the hub; each node seals its own answer.
        got_a = query(city.a_dataset, 1, 2)
        assert got_a.status_code == 200, got_a.text
        assert [r["credit_code"] for r in got_a.json()["data"]["rows"]] == [
            company_code(1), company_code(2)]
        got_b = query(city.b_dataset, 3)
        assert got_b.status_code == 200, got_b.text
        assert [r["legal_rep"] for r in got_b.json()["data"]["rows"]] == ["张3"]
        with closing(sqlite3.connect(b_db)) as conn, conn:  # B's department changes a row
            conn.execute(f"UPDATE {LIVE_TABLE} SET fddbr = '钱七' WHERE tyshxydm = ?",
                         (company_code(3),))
        changed = query(city.b_dataset, 3)
        assert [r["legal_rep"] for r in changed.json()["data"]["rows"]] == ["钱七"]

        # Verify the saved responses offline against the platform CA.
        saved_a, saved_b = tmp_path / "a.json", tmp_path / "b.json"
        saved_a.write_text(got_a.text, "utf-8")
        saved_b.write_text(got_b.text, "utf-8")
        checked = _cli(env, "exchange", "verify", str(saved_a), str(saved_b), "--ca",
                       str(settings.home / "ca.pem"))
        assert checked.stdout.count(": ok (") == 2, checked.stdout

        # Both nodes witness the checkpoint.
        def witnesses_of_latest() -> int:
            with rt.context() as ctx:
                head = checkpoints.create_checkpoint(ctx)
            with rt.context() as ctx:
                return int(ctx.db.scalar(select(func.count()).where(
                    WitnessSignature.checkpoint_id == head.id)))

        wait_for(lambda: witnesses_of_latest() == 2, what="two co-signatures")

        # Node A goes down: its data answers 503 with a retry hint; nothing is recorded.
        _stop(procs["a"], signal.SIGKILL)
        with rt.context() as ctx:
            size = log.tree_state(ctx)[0]
        down = query(city.a_dataset, 1)
        assert down.status_code == 503, down.text
        assert down.headers["Retry-After"] == str(RETRY_AFTER)
        assert down.json()["organization_code"] == city.a_code
        with rt.context() as ctx:
            assert log.tree_state(ctx)[0] == size
        assert query(city.b_dataset, 2).status_code == 200  # the other node is unaffected

        # Node A returns: its data answers again, and it witnesses the grown log.
        start_node("a", a_dir, a_port)
        wait_for(lambda: _node_up(settings.home, city.a_code, a_port), what="node A again")
        back = query(city.a_dataset, 4)
        assert back.status_code == 200, back.text
        assert back.json()["data"]["rows"][0]["credit_code"] == company_code(4)
        wait_for(lambda: witnesses_of_latest() == 2, what="co-signatures after the restart")
        with rt.context() as ctx:
            assert log.tree_state(ctx)[0] == size + 2
        memory = json.loads((a_dir / "witness" / f"{city.a_code}.json").read_text())
        assert memory["tree_size"] == size + 2
        api.close()
    finally:
        for proc in procs.values():
            _stop(proc)
    for name in ("hub", "a", "b"):
        text = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert "Traceback" not in text, f"{name}: {text[-3000:]}"
