"""`govbridge bench ...`: measured figures (ours against a baseline in the same run).

Each bench uses a throw-away database (SQLite in a temporary directory, or a
temporary database on the PostgreSQL server given with --database-url) and leaves
the installation in GOVBRIDGE_HOME untouched. Results are printed as a table (or
JSON) and, unless --no-save, written with an SVG chart to benchmarks/results/.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

from govbridge.bench.chart import bar_chart
from govbridge.cli.common import JsonOpt, err, fail, out

bench_app = typer.Typer(help="Benchmarks: ours against a baseline, on this machine.",
                        no_args_is_help=True)

DatabaseOpt = typer.Option(None, "--database-url",
                           help="PostgreSQL server URL (postgresql://user@host:5432/db): a "
                                "temporary database is created on it and dropped afterwards. "
                                "Default: SQLite in a temporary directory")
SaveOpt = typer.Option(True, "--save/--no-save",
                       help="Write the result as JSON and an SVG chart to --results")
ResultsOpt = typer.Option(Path("benchmarks/results"), "--results",
                          help="Directory for saved results")


class _Bar:
    """The benches' progress interface (start a phase, advance it) on a Rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def start(self, label: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        self.task = self.progress.add_task(label, total=total)

    def advance(self, n: int) -> None:
        if self.task is not None and n:
            self.progress.advance(self.task, n)


def _progress(as_json: bool) -> Progress:
    return Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=as_json,
                    disable=as_json and not sys.stderr.isatty())


def _safe(url: str | None) -> str:
    if not url:
        return "sqlite (temporary)"
    return make_url(url).render_as_string(hide_password=True)


def _save(kind: str, result: dict[str, Any], chart: str, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}-{result.get('backend', 'x')}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    data, svg = directory / f"{stem}.json", directory / f"{stem}.svg"
    data.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    svg.write_text(chart, encoding="utf-8")
    return [data, svg]


def _machine_line(machine: dict[str, Any]) -> str:
    cores = machine.get("cpus") or machine.get("cores")
    return (f"machine: {machine.get('cpu')} × {cores} CPUs, Python {machine.get('python')}, "
            f"{machine.get('system')}")


def _finish(kind: str, result: dict[str, Any], table: Table, chart: str, as_json: bool,
            save: bool, results: Path) -> None:
    saved = _save(kind, result, chart, results) if save else []
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False))
    else:
        out.print(table)
        out.print(_machine_line(result.get("machine", {})), highlight=False)
    for path in saved:
        err.print(f"saved {path}", highlight=False)


@bench_app.command("ingest")
def ingest_cmd(
    rows: int = typer.Option(1_000_000, "--rows", min=1, help="Rows in the generated CSV"),
    memory_rows: int = typer.Option(100_000, "--memory-rows", min=0,
                                    help="Rows of a second, smaller file whose peak memory is "
                                         "shown beside the large one's (0: skip)"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """Validated rows per second of a CSV upload against a plain bulk insert, and memory."""
    from govbridge.bench import ingest

    try:
        with _progress(as_json) as progress:
            result = ingest.run(rows, database_url, memory_rows=memory_rows,
                                progress=_Bar(progress))
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace
        raise fail(f"ingest bench on {_safe(database_url)} failed: {exc}") from None
    ours, base = result["ours"], result["baseline"]
    table = Table(title=f"ingest bench: {rows:,} CSV rows ({result['csv_mib']} MiB) into "
                        f"{result['backend']} {result['server_version'] or ''}".rstrip())
    for col in ("", "rows", "seconds", "rows/s", "peak RSS MiB", "RSS before MiB"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row("govbridge ingest_file", f"{ours['rows']:,}", f"{ours['seconds']:.2f}",
                  f"{ours['rows_per_second']:,.0f}", f"{ours['peak_rss_mib']:.1f}",
                  f"{ours['start_rss_mib']:.1f}")
    table.add_row("baseline executemany", f"{base['rows']:,}", f"{base['seconds']:.2f}",
                  f"{base['rows_per_second']:,.0f}", f"{base['peak_rss_mib']:.1f}",
                  f"{base['start_rss_mib']:.1f}")
    rec = result["records_baseline"]
    table.add_row("baseline as records", f"{rec['rows']:,}", f"{rec['seconds']:.2f}",
                  f"{rec['rows_per_second']:,.0f}", f"{rec['peak_rss_mib']:.1f}",
                  f"{rec['start_rss_mib']:.1f}")
    for point in result["memory"]:
        table.add_row(f"memory, {point['rows']:,} rows", f"{point['rows']:,}", "", "",
                      f"{point['peak_rss_mib']:.1f}", f"{point['start_rss_mib']:.1f}")
    aim = "meets" if result["meets_aim"] else "below"
    load = result["load_average_1m"]
    table.caption = (f"ratio ours/baseline {result['ratio']:.3f} ({aim} the aim of "
                     f"{result['aim']}); ours/records {result['ratio_to_records']:.3f}; "
                     f"memory: {result['memory_method']}; load average "
                     f"before {load['before']}, after {load['after']}")
    chart = bar_chart(
        f"CSV ingest, {rows:,} rows, {result['backend']}: rows per second",
        [("govbridge ingest_file", ours["rows_per_second"]),
         ("plain executemany", base["rows_per_second"]),
         ("records, no validation", rec["rows_per_second"])],
        "rows/s", note=f"ratio {result['ratio']:.3f}; peak RSS ours {ours['peak_rss_mib']} MiB; "
                       + _machine_line(result["machine"]))
    _finish("ingest", result, table, chart, as_json, save, results)


@bench_app.command("search")
def search_cmd(
    datasets: int = typer.Option(10_000, "--datasets", min=1, help="Published datasets"),
    rounds: int = typer.Option(20, "--rounds", min=1, help="Times each query is run"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """Catalog search latency (p50/p95) against a LIKE scan, over N published datasets."""
    from govbridge.bench import search
    from govbridge.bench.scratch import scratch_database

    try:
        with _progress(as_json) as progress, scratch_database(database_url) as scratch:
            bar = _Bar(progress)
            bar.start("datasets", datasets)
            left = [datasets]

            def step(n: int) -> None:
                n = min(n, left[0])
                left[0] -= n
                bar.advance(n)

            result = search.run(scratch.url, scratch.tmp / "home", datasets, rounds, step)
            bar.advance(left[0])
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace
        raise fail(f"search bench on {_safe(database_url)} failed: {exc}") from None
    mine, base = result["search"], result["baseline_like"]
    table = Table(title=f"search bench: {datasets:,} published datasets, "
                        f"{result['queries']} queries ({result['backend']})")
    for col in ("", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row("govbridge catalog search", f"{mine['p50_ms']:.2f}", f"{mine['p95_ms']:.2f}")
    table.add_row("baseline LIKE '%word%'", f"{base['p50_ms']:.2f}", f"{base['p95_ms']:.2f}")
    table.caption = f"p50 ratio to LIKE: {result['p50_ratio_to_like']}"
    chart = bar_chart(
        f"Catalog search, {datasets:,} datasets, {result['backend']}: p50 latency",
        [("govbridge search p50", mine["p50_ms"]), ("LIKE scan p50", base["p50_ms"]),
         ("govbridge search p95", mine["p95_ms"]), ("LIKE scan p95", base["p95_ms"])],
        "ms", note=_machine_line(result["machine"]))
    _finish("search", result, table, chart, as_json, save, results)


@bench_app.command("stream")
def stream_cmd(
    messages: int = typer.Option(20_000, "--messages", min=1, help="Messages to publish"),
    nats_url: str = typer.Option("nats://127.0.0.1:4222", "--nats-url",
                                 help="NATS server with JetStream"),
    window: int = typer.Option(512, "--window", min=1, help="Publishes in flight"),
    timeout: float = typer.Option(600.0, "--timeout", min=1.0,
                                  help="Seconds to wait for every record to be stored"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """Stream ingest messages per second through NATS JetStream against a bare consumer."""
    from govbridge.bench.stream import run_stream_bench

    try:
        with _progress(as_json) as progress:
            bar = _Bar(progress)
            bar.start("stream bench", None)
            bench = run_stream_bench(messages, nats_url, database_url=database_url,
                                     window=window, timeout=timeout,
                                     say=lambda m: progress.update(bar.task, description=m[:60]))
            progress.update(bar.task, total=1, completed=1)
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace
        raise fail(f"stream bench ({nats_url}, {_safe(database_url)}) failed: "
                   f"{type(exc).__name__}: {exc}") from None
    result = {"bench": "stream", "backend": bench.database, **bench.as_dict()}
    e2e, base = bench.end_to_end, bench.baseline
    table = Table(title=f"stream bench: {messages:,} messages, NATS "
                        f"{bench.machine.get('nats_server')}, {bench.database}")
    for col in ("", "messages", "seconds", "msg/s", "publish s"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row("end to end (validate, store, ack)", f"{e2e.messages:,}", f"{e2e.seconds:.2f}",
                  f"{e2e.per_second:,.0f}", f"{e2e.publish_seconds:.2f}")
    table.add_row("baseline (publish + ack only)", f"{base.messages:,}", f"{base.seconds:.2f}",
                  f"{base.per_second:,.0f}", f"{base.publish_seconds:.2f}")
    table.caption = f"ratio {bench.ratio:.2f} of the bare broker"
    chart = bar_chart(
        f"Stream ingest, {messages:,} messages, {bench.database}: messages per second",
        [("govbridge end to end", e2e.per_second), ("bare JetStream", base.per_second)],
        "msg/s", note=f"ratio {bench.ratio:.2f}; " + _machine_line(bench.machine))
    _finish("stream", result, table, chart, as_json, save, results)


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter("a comma-separated list of concurrency levels") from None
    if not levels or any(n < 1 or n > 256 for n in levels):
        raise typer.BadParameter("concurrency levels are whole numbers from 1 to 256")
    return levels


@bench_app.command("exchange")
def exchange_cmd(
    seconds: float = typer.Option(10.0, "--seconds", min=0.2, max=600.0,
                                  help="Seconds of load per leg (ours, baseline) and level"),
    levels: str = typer.Option("1,8,32", "--levels",
                               help="Concurrent callers, comma-separated"),
    rows: int = typer.Option(2000, "--rows", min=1, max=1_000_000,
                             help="Stored rows of the queried dataset"),
    appends: int = typer.Option(20_000, "--appends", min=1, max=10_000_000,
                                help="Ledger entries appended 1,000 a transaction (and the "
                                     "most appended one a transaction)"),
    proofs: int = typer.Option(2000, "--proofs", min=1, max=1_000_000,
                               help="Inclusion proofs built and verified"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """Sealed, ledgered exchange queries per second and p50/p99 against a bare baseline."""
    from govbridge.bench import exchange

    wanted = _levels(levels)
    try:
        with _progress(as_json) as progress:
            result = exchange.run(database_url, rows=rows, levels=wanted, seconds=seconds,
                                  appends=appends, proofs=proofs,
                                  single_seconds=min(5.0, max(0.5, seconds / 2)),
                                  progress=_Bar(progress))
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace
        raise fail(f"exchange bench on {_safe(database_url)} failed: {exc}") from None
    aims = result["aims"]
    tables = []
    for level in result["results"]:
        ours, base = level["ours"], level["baseline"]
        table = Table(title=f"exchange bench, concurrency {level['concurrency']}: "
                            f"{result['backend']} {result['server_version'] or ''}, "
                            f"{rows:,} rows, {seconds:g} s a leg")
        for col in ("", "queries", "q/s", "p50 ms", "p99 ms", "errors", "server CPU ms/q"):
            table.add_column(col, justify="left" if not col else "right")
        for label, leg in (("govbridge (sealed, ledgered)", ours), ("baseline (no checks)", base)):
            table.add_row(label, f"{leg['requests']:,}", f"{leg['requests_per_second']:,.1f}",
                          f"{leg['p50_ms']:.2f}", f"{leg['p99_ms']:.2f}",
                          f"[red]{leg['errors']}[/red]" if leg["errors"] else "0",
                          f"{leg['server_cpu_ms_per_request']:.2f}")
        qps = "met" if level["meets_qps_aim"] else "not met"
        ratio = "met" if level["meets_ratio_aim"] else "not met"
        table.caption = (f"ratio ours/baseline {level['ratio']:.3f}; aims: "
                         f"≥ {aims['queries_per_second']:g} q/s {qps}, "
                         f"≥ {aims['ratio']:.0%} of the baseline {ratio}; "
                         f"load average {level['load_average_1m']}")
        tables.append(table)
    led = result["ledger"]
    ledger_table = Table(title=f"ledger ({result['backend']}, tree of "
                               f"{led['tree_size']:,} entries)")
    for col in ("", "count", "seconds", "per second"):
        ledger_table.add_column(col, justify="left" if not col else "right")
    for label, key, unit in (("append, 1 a transaction", "append_single", "entries"),
                             (f"append_many, {exchange.BATCH:,} a transaction",
                              "append_batched", "entries"),
                             ("inclusion proof (old leaves)", "proof", "proofs"),
                             ("verify inclusion", "verify", "proofs")):
        ledger_table.add_row(label, f"{led[key][unit]:,}", f"{led[key]['seconds']:.3f}",
                             f"{led[key]['per_second']:,.0f}")
    load = result["load_average_1m"]
    ledger_table.caption = f"load average before {load['before']}, after {load['after']}"
    tables.append(ledger_table)
    bars: list[tuple[str, float]] = []
    for level in result["results"]:
        bars += [(f"ours, c={level['concurrency']}", level["ours"]["requests_per_second"]),
                 (f"baseline, c={level['concurrency']}",
                  level["baseline"]["requests_per_second"])]
    chart = bar_chart(
        f"Exchange queries per second, {result['backend']} (aim ≥ {aims['queries_per_second']:g}"
        f" q/s and ≥ {aims['ratio']:.0%} of the baseline)", bars, "q/s",
        note=f"best ratio {result['best']['ratio']:.3f} at c={result['best']['concurrency']}; "
             + _machine_line(result["machine"]))
    saved = _save("exchange", result, chart, results) if save else []
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False))
    else:
        for table in tables:
            out.print(table)
        out.print(_machine_line(result["machine"]), highlight=False)
        if result["errors"]:
            out.print(f"[red]{result['errors']} queries failed[/red] (see 'failures' in --json)")
    for path in saved:
        err.print(f"saved {path}", highlight=False)
    if result["errors"]:
        raise typer.Exit(1)


@bench_app.command("services")
def services_cmd(
    cases: int = typer.Option(200, "--cases", min=1, max=100_000,
                              help="企业开办 cases run from application to certificate"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """企业开办 cases per second, application to certificate, against the BPMN engine alone."""
    from govbridge.bench import services

    try:
        with _progress(as_json) as progress:
            result = services.run(cases, database_url, progress=_Bar(progress))
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace
        raise fail(f"services bench on {_safe(database_url)} failed: {exc}") from None
    ours, base = result["ours"], result["baseline"]
    table = Table(title=f"services bench: {cases:,} 企业开办 cases ({result['process']}), "
                        f"{result['backend']} {result['server_version'] or ''}".rstrip())
    for col in ("", "cases", "completed", "seconds", "cases/s", "ms/case"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row("govbridge use cases (application → certificate)", f"{ours['cases']:,}",
                  f"{ours['completed']:,}", f"{ours['seconds']:.2f}",
                  f"{ours['cases_per_second']:,.2f}", f"{ours['ms_per_case']:.1f}")
    table.add_row("baseline: BPMN engine alone", f"{base['cases']:,}",
                  f"{base['completed']:,}", f"{base['seconds']:.2f}",
                  f"{base['cases_per_second']:,.2f}", f"{base['ms_per_case']:.1f}")
    table.caption = (f"ratio ours/engine {result['ratio']:.4f}; materials fetched through the "
                     f"exchange {ours['materials_fetched']:,}, decisions "
                     f"{ours['decisions']:,}, certificates issued "
                     f"{ours['certificates_issued']:,}; ms a case by step: "
                     + ", ".join(f"{k} {v:.1f}" for k, v in ours["ms_per_case_by_step"].items()))
    chart = bar_chart(
        f"企业开办 cases per second, {cases:,} cases, {result['backend']}",
        [("govbridge, application → certificate", ours["cases_per_second"]),
         ("BPMN engine alone", base["cases_per_second"])],
        "cases/s", note=f"ratio {result['ratio']:.4f}; " + _machine_line(result["machine"]))
    _finish("services", result, table, chart, as_json, save, results)
    if result["errors"]:
        err.print(f"[red]{result['errors']} cases did not reach a certificate[/red] "
                  "(see 'failures' in --json)")
        raise typer.Exit(1)
