"""`govbridge serve --workers N` answers from several processes built from the environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_worker_processes_serve_the_api(rt, settings):
    port = _free_port()
    env = {**os.environ, "GOVBRIDGE_HOME": str(settings.home),
           "GOVBRIDGE_DATABASE_URL": settings.resolved_database_url,
           "GOVBRIDGE_CHECKPOINT_SECONDS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "govbridge", "serve", "--port", str(port),
                             "--workers", "2"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "no healthy worker within 60 s"
            time.sleep(0.2)
        assert health.json()["database"]["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/sessions").status_code == 405
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=20)[0].decode()
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0].decode()
    assert out.count("Started server process") >= 2, out[-2000:]
