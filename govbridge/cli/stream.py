"""`govbridge stream ...`: the stream ingest worker, and a publisher for demos and benches."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import typer

from govbridge.bus.broker import DEFAULT_INGEST_STREAM, broker_kind, safe_url
from govbridge.cli.common import JsonOpt, err, fail, out, settings
from govbridge.ingest import streams
from govbridge.ingest.stream_messages import DEFAULT_PREFIX, Topology
from govbridge.runtime import Runtime
from govbridge.storage.migrate import current_revision, head_revision

stream_app = typer.Typer(help="Event stream ingest (NATS JetStream, Kafka, in-process).",
                         no_args_is_help=True)

BusOpt = typer.Option(None, "--bus", help="Broker URL; default GOVBRIDGE_BUS_URL")
PrefixOpt = typer.Option(DEFAULT_PREFIX, help="Subject prefix of ingest messages")
StreamOpt = typer.Option(DEFAULT_INGEST_STREAM, help="JetStream stream over the prefix")


def _runtime() -> Runtime:
    rt = Runtime(settings())
    if current_revision(rt.engine) != head_revision(rt.engine):
        rt.dispose()
        raise fail(f"the database at {rt.settings.home} is not initialised or not up to date; "
                   "run `govbridge init` (or `govbridge db upgrade`)")
    return rt


def _lines(path: Path) -> Iterator[bytes]:
    """Non-blank lines as sent, one at a time (memory does not grow with the file)."""
    with path.open("rb") as fh:
        for line in fh:
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield line


@stream_app.command("worker")
def worker_cmd(
    bus: str | None = BusOpt,
    prefix: str = PrefixOpt,
    stream: str = StreamOpt,
    rescan: float = typer.Option(30.0, min=1.0, help="Seconds between looks for new datasets"),
) -> None:
    """Run one durable subscriber per published dataset until stopped (Ctrl+C)."""
    rt = _runtime()
    url = bus or rt.settings.bus_url
    if broker_kind(url) is None:
        rt.dispose()
        raise fail(f"the worker needs a broker (nats://host:4222 or kafka://host:9092), not "
                   f"{url.split('://', 1)[0]}://; on the embedded default `govbridge stream "
                   "publish` stores the messages itself")
    topology = Topology(prefix=prefix, stream=stream)
    worker = streams.Worker(rt, url, topology=topology, rescan_seconds=rescan,
                            on_attach=lambda code: err.print(
                                f"subscribed {topology.subject(code)} "
                                f"(durable {topology.durable(code)})", highlight=False))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop.set)
        task = asyncio.create_task(worker.run())
        await worker.ready.wait()
        err.print(f"stream worker on {safe_url(url)}: {len(worker.subscribers)} datasets; "
                  "Ctrl+C to stop", highlight=False)
        await task

    try:
        asyncio.run(main())
    finally:
        counts = dict(worker.ingestor.counts) if worker.ingestor else {}
        err.print(f"stream worker stopped; messages: {counts or 'none'}", highlight=False)
        rt.dispose()


@stream_app.command("publish")
def publish_cmd(
    resource_code: str = typer.Argument(..., help="Dataset resource code, e.g. 301001001/000001"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON Lines file"),
    bus: str | None = BusOpt,
    prefix: str = PrefixOpt,
    stream: str = StreamOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Publish each line of FILE as one message, as a department system would."""
    s = settings()
    url = bus or s.bus_url
    topology = Topology(prefix=prefix, stream=stream)
    if broker_kind(url) is not None:
        try:
            report = asyncio.run(streams.publish_lines(url, resource_code, _lines(file),
                                                       topology=topology))
        except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace
            raise fail(f"publishing to {safe_url(url)} failed: {type(exc).__name__}") from None
    else:
        rt = _runtime()
        try:
            ingest = streams.InProcessIngest(rt, topology)
            report = streams.publish_inprocess(ingest, resource_code, _lines(file))
        finally:
            rt.dispose()
    if as_json:
        out.print_json(json.dumps(report.__dict__, ensure_ascii=False))
        return
    stored = f"; outcomes {report.outcomes}" if report.outcomes else ""
    out.print(f"published {report.published} messages to {report.subject} "
              f"({report.bus}){stored}", highlight=False, soft_wrap=True)


if __name__ == "__main__":  # `python -m govbridge.cli.stream worker` (tests, supervisors)
    stream_app()
