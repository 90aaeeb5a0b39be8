"""`govbridge stream publish | worker`: the in-process default and a real NATS JetStream."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from urllib.parse import urlsplit

from sqlalchemy import func, select
from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.ingest.models import DatasetRecord, QuarantinedRow
from ingest_helpers import licence_row
from support import need

runner = CliRunner()
NATS_URL = os.environ.get("GOVBRIDGE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _gb(settings):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "GOVBRIDGE_BUS_URL": "inprocess://", "COLUMNS": "200"}
    return lambda *args: runner.invoke(app, list(args), env=env)


def _count(rt, model) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(model)) or 0


def _lines(tmp_path, *lines: bytes):
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n\n")  # a blank line is no message
    return path


def test_publish_in_process_stores_once_and_quarantines(rt, settings, publish, entry,
                                                         tmp_path) -> None:
    code = publish(entry()).resource_code
    gb = _gb(settings)
    path = _lines(tmp_path, json.dumps(licence_row(1), ensure_ascii=False).encode(),
                  json.dumps(licence_row(2, legal_rep_id="12345")).encode(), b"{oops")
    result = gb("stream", "publish", code, str(path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["published"] == 3 and report["bus"] == "inprocess"
    assert report["subject"] == "govbridge.ingest." + code.replace("/", ".")
    assert report["outcomes"] == {"stored": 1, "rejected": 2}
    assert _count(rt, DatasetRecord) == 1 and _count(rt, QuarantinedRow) == 2

    again = gb("stream", "publish", code, str(path))  # the same messages: nothing added
    assert again.exit_code == 0, again.output
    assert "published 3 messages" in again.stdout and "'duplicate': 3" in again.stdout
    assert _count(rt, DatasetRecord) == 1 and _count(rt, QuarantinedRow) == 2


def test_worker_needs_a_broker_and_publish_needs_a_file(rt, settings, tmp_path) -> None:
    gb = _gb(settings)
    result = gb("stream", "worker")
    assert result.exit_code == 1 and "needs a broker" in result.output
    missing = gb("stream", "publish", "301001001/000001", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), timeout=1):
            return True
    except OSError:
        return False


def test_publish_to_nats_jetstream(rt, settings, publish, entry, tmp_path) -> None:
    need(_reachable(NATS_URL), f"NATS JetStream at {NATS_URL} (GOVBRIDGE_TEST_NATS_URL)")
    import nats

    code = publish(entry()).resource_code
    tag = uuid.uuid4().hex[:10]
    prefix, stream = f"gbtest{tag}.ingest", f"GBTEST_{tag.upper()}"
    path = _lines(tmp_path, *(json.dumps(licence_row(n)).encode() for n in range(3)))
    gb = _gb(settings)
    try:
        result = gb("stream", "publish", code, str(path), "--bus", NATS_URL, "--prefix", prefix,
                    "--stream", stream, "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert (report["published"], report["bus"]) == (3, "nats")
        resent = gb("stream", "publish", code, str(path), "--bus", NATS_URL, "--prefix", prefix,
                    "--stream", stream)
        assert resent.exit_code == 0, resent.output

        async def stored() -> int:
            nc = await nats.connect(NATS_URL)
            try:
                info = await nc.jetstream().stream_info(stream)
                return info.state.messages
            finally:
                await nc.close()

        # the re-sent lines carry the same Nats-Msg-Id: JetStream keeps each once
        assert asyncio.run(stored()) == 3
        assert _count(rt, DatasetRecord) == 0  # publishing stores nothing: the worker does
    finally:
        async def drop() -> None:
            nc = await nats.connect(NATS_URL)
            try:
                await nc.jetstream().delete_stream(stream)
            except Exception:  # noqa: BLE001 - never created
                pass
            finally:
                await nc.close()

        asyncio.run(drop())

    down = gb("stream", "publish", code, str(path), "--bus", "nats://127.0.0.1:1")
    assert down.exit_code == 1 and "publishing to nats://127.0.0.1:1 failed" in down.output
