"""A crash mid-batch (kill -9 of the ingesting process) leaves a batch marked loading with
what its committed chunks counted; re-sending resumes it and stores every row exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from ingest_helpers import licence_row

ROWS = 150_000


def _counts(rt) -> tuple[int, int, int]:
    with rt.context() as ctx:
        return tuple(ctx.db.scalar(select(func.count()).select_from(m))
                     for m in (IngestBatch, DatasetRecord, QuarantinedRow))


def _write_csv(path: Path) -> None:
    first = licence_row(0)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(first) + "\r\n")
        for n in range(ROWS):
            row = licence_row(n)
            if n % 1000 == 999:
                row["established"] = "not a date"  # some rejected rows go to quarantine
            fh.write(",".join(str(v) for v in row.values()) + "\r\n")


def _loaded(rt) -> int:
    """Rows the loading batch has committed so far (0 before its first chunk)."""
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.coalesce(func.max(IngestBatch.received), 0)))


def _read_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


@pytest.mark.slow
def test_kill_9_during_ingest_leaves_nothing_then_resend_stores_all(
        rt, settings, licences, tmp_path):
    if not Path("/proc/self/io").exists():
        pytest.skip("needs /proc/<pid>/io to see how far the ingest got")
    data = tmp_path / "licences.csv"
    _write_csv(data)
    size = data.stat().st_size
    env = {**os.environ, "GOVBRIDGE_HOME": str(settings.home),
           "GOVBRIDGE_DATABASE_URL": settings.resolved_database_url}
    cmd = [sys.executable, "-m", "govbridge", "ingest", str(data), "--dataset",
           licences.resource_code, "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Kill once the file has been hashed and well into parsing and storing (chunks of
    # the loading batch committed).
    deadline = time.monotonic() + 120
    while proc.poll() is None and (_read_bytes(proc.pid) < size * 1.4
                                   or _loaded(rt) < ROWS // 10):
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.02)
    assert proc.poll() is None, "ingest finished before it could be killed; use more rows"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # A file's batch commits chunk by chunk (so SQLite's write lock is free between
    # chunks): a killed upload leaves its batch marked loading, with exactly the rows its
    # committed chunks counted, and sending the file again resumes after them.
    with rt.context() as ctx:
        batch = ctx.db.scalar(select(IngestBatch))
        assert batch is not None and batch.report.get("loading") is True
        assert _counts(rt) == (1, batch.accepted, batch.rejected)
        assert batch.received < ROWS

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rejected = ROWS // 1000
    assert (report["received"], report["accepted"], report["rejected"]) == (
        ROWS, ROWS - rejected, rejected)
    assert _counts(rt) == (1, ROWS - rejected, rejected)

    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert json.loads(again.stdout)["duplicate_batch"] is True
    assert _counts(rt) == (1, ROWS - rejected, rejected)
