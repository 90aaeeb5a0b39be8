"""`govbridge bench ...`: measured figures (ours against a baseline in the same run).

Each bench uses a throw-away database (SQLite in a temporary directory, or a
temporary database on the PostgreSQL server given with --database-url) and leaves
the installation in GOVBRIDGE_HOME untouched. Results are printed as a table (or
JSON) and, unless --no-save, written with an SVG chart to benchmarks/results/.

The commands only declare their options: every bench runs through `_run`, which
shows the progress, runs the bench of `govbridge.bench.runner.BENCHES`, saves the
result and its chart, and prints the tables (made here, per bench) or the JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govbridge.bench.machine import machine_line
from govbridge.bench.runner import (
    BENCHES,
    AnalyticsOptions,
    EmergencyOptions,
    ExchangeOptions,
    IngestOptions,
    PrivacyOptions,
    SearchOptions,
    ServicesOptions,
    StreamOptions,
    TasksOptions,
    stream_legs,
)
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

Result = dict[str, Any]


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

    def say(self, text: str) -> None:
        self.progress.update(self.task, description=text)

    def done(self) -> None:
        self.progress.update(self.task, total=1, completed=1)


def _progress(as_json: bool) -> Progress:
    return Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=as_json,
                    disable=as_json and not sys.stderr.isatty())


def _save(kind: str, result: Result, chart: str, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}-{result.get('backend', 'x')}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    data, svg = directory / f"{stem}.json", directory / f"{stem}.svg"
    data.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    svg.write_text(chart, encoding="utf-8")
    return [data, svg]


@dataclass(frozen=True)
class _View:
    """How a bench's result reads in a terminal: its tables, and what makes it fail."""

    tables: Callable[[Any, Result], list[Table]]
    # printed under the machine line (not with --json); the command then exits 1
    note: Callable[[Result], str | None] = lambda _r: None
    # printed to stderr after the saved paths; the command then exits 1
    warning: Callable[[Result], str | None] = lambda _r: None


def _run(name: str, options: Any, as_json: bool, save: bool, results: Path) -> None:
    """The one path of every bench: progress, run, save, print, exit status."""
    bench, view = BENCHES[name], _VIEWS[name]
    try:
        with _progress(as_json) as progress:
            result = bench.run(options, _Bar(progress))
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace
        raise fail(bench.failure(options, exc)) from None
    tables = view.tables(options, result)
    chart = bench.chart(options, result)
    note, warning = view.note(result), view.warning(result)
    saved = _save(name, result, chart, results) if save else []
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False))
    else:
        for table in tables:
            out.print(table)
        out.print(machine_line(result.get("machine", {})), highlight=False)
        if note:
            out.print(note)
    for path in saved:
        err.print(f"saved {path}", highlight=False)
    if warning:
        err.print(warning)
    if note or warning:
        raise typer.Exit(1)


def _table(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if not col else "right")
    return table


# --- the tables of each bench ------------------------------------------------------------------


def _ingest_tables(o: IngestOptions, result: Result) -> list[Table]:
    ours, base = result["ours"], result["baseline"]
    table = _table(f"ingest bench: {o.rows:,} CSV rows ({result['csv_mib']} MiB) into "
                   f"{result['backend']} {result['server_version'] or ''}".rstrip(),
                   ("", "rows", "seconds", "rows/s", "peak RSS MiB", "RSS before MiB"))
    rec = result["records_baseline"]
    for label, leg in (("govbridge ingest_file", ours), ("baseline executemany", base),
                       ("baseline as records", rec)):
        table.add_row(label, f"{leg['rows']:,}", f"{leg['seconds']:.2f}",
                      f"{leg['rows_per_second']:,.0f}", f"{leg['peak_rss_mib']:.1f}",
                      f"{leg['start_rss_mib']:.1f}")
    for point in result["memory"]:
        table.add_row(f"memory, {point['rows']:,} rows", f"{point['rows']:,}", "", "",
                      f"{point['peak_rss_mib']:.1f}", f"{point['start_rss_mib']:.1f}")
    aim = "meets" if result["meets_aim"] else "below"
    load = result["load_average_1m"]
    table.caption = (f"ratio ours/baseline {result['ratio']:.3f} ({aim} the aim of "
                     f"{result['aim']}); ours/records {result['ratio_to_records']:.3f}; "
                     f"memory: {result['memory_method']}; load average "
                     f"before {load['before']}, after {load['after']}")
    return [table]


def _search_tables(o: SearchOptions, result: Result) -> list[Table]:
    mine, base = result["search"], result["baseline_like"]
    table = _table(f"search bench: {o.datasets:,} published datasets, "
                   f"{result['queries']} queries ({result['backend']})", ("", "p50 ms", "p95 ms"))
    table.add_row("govbridge catalog search", f"{mine['p50_ms']:.2f}", f"{mine['p95_ms']:.2f}")
    table.add_row("baseline LIKE '%word%'", f"{base['p50_ms']:.2f}", f"{base['p95_ms']:.2f}")
    table.caption = f"p50 ratio to LIKE: {result['p50_ratio_to_like']}"
    return [table]


def _stream_tables(o: StreamOptions, result: Result) -> list[Table]:
    e2e, base, ratio = stream_legs(result)
    table = _table(f"stream bench: {o.messages:,} messages, NATS "
                   f"{result['machine'].get('nats_server')}, {result['database']}",
                   ("", "messages", "seconds", "msg/s", "publish s"))
    table.add_row("end to end (validate, store, ack)", f"{e2e.messages:,}", f"{e2e.seconds:.2f}",
                  f"{e2e.per_second:,.0f}", f"{e2e.publish_seconds:.2f}")
    table.add_row("baseline (publish + ack only)", f"{base.messages:,}", f"{base.seconds:.2f}",
                  f"{base.per_second:,.0f}", f"{base.publish_seconds:.2f}")
    table.caption = f"ratio {ratio:.2f} of the bare broker"
    return [table]


def _exchange_tables(o: ExchangeOptions, result: Result) -> list[Table]:
    from govbridge.bench.exchange import BATCH

    aims = result["aims"]
    tables = []
    for level in result["results"]:
        ours, base = level["ours"], level["baseline"]
        table = _table(f"exchange bench, concurrency {level['concurrency']}: "
                       f"{result['backend']} {result['server_version'] or ''}, "
                       f"{o.rows:,} rows, {o.seconds:g} s a leg",
                       ("", "queries", "q/s", "p50 ms", "p99 ms", "errors", "server CPU ms/q"))
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
    ledger_table = _table(f"ledger ({result['backend']}, tree of {led['tree_size']:,} entries)",
                          ("", "count", "seconds", "per second"))
    for label, key, unit in (("append, 1 a transaction", "append_single", "entries"),
                             (f"append_many, {BATCH:,} a transaction",
                              "append_batched", "entries"),
                             ("inclusion proof (old leaves)", "proof", "proofs"),
                             ("verify inclusion", "verify", "proofs")):
        ledger_table.add_row(label, f"{led[key][unit]:,}", f"{led[key]['seconds']:.3f}",
                             f"{led[key]['per_second']:,.0f}")
    load = result["load_average_1m"]
    ledger_table.caption = f"load average before {load['before']}, after {load['after']}"
    tables.append(ledger_table)
    return tables


def _services_tables(o: ServicesOptions, result: Result) -> list[Table]:
    ours, base = result["ours"], result["baseline"]
    table = _table(f"services bench: {o.cases:,} 企业开办 cases ({result['process']}), "
                   f"{result['backend']} {result['server_version'] or ''}".rstrip(),
                   ("", "cases", "completed", "seconds", "cases/s", "ms/case"))
    for label, leg in (("govbridge use cases (application → certificate)", ours),
                       ("baseline: BPMN engine alone", base)):
        table.add_row(label, f"{leg['cases']:,}", f"{leg['completed']:,}",
                      f"{leg['seconds']:.2f}", f"{leg['cases_per_second']:,.2f}",
                      f"{leg['ms_per_case']:.1f}")
    table.caption = (f"ratio ours/engine {result['ratio']:.4f}; materials fetched through the "
                     f"exchange {ours['materials_fetched']:,}, decisions "
                     f"{ours['decisions']:,}, certificates issued "
                     f"{ours['certificates_issued']:,}; ms a case by step: "
                     + ", ".join(f"{k} {v:.1f}" for k, v in ours["ms_per_case_by_step"].items()))
    return [table]


def _emergency_tables(o: EmergencyOptions, result: Result) -> list[Table]:
    table = _table(f"emergency bench: the demo storm x{o.storms}, {result['rules']} rules "
                   f"(window, rate, threshold, window join), {result['backend']}",
                   ("", "readings", "seconds", "readings/s"))
    for label, leg in (("stream store + rules (alerts, incidents, dispatch)",
                        result["rules_leg"]),
                       ("baseline: stream store, no rules", result["baseline"]),
                       ("evaluator alone, in memory", result["evaluator_only"])):
        table.add_row(label, f"{leg['readings']:,}", f"{leg['seconds']:.2f}",
                      f"{leg['readings_per_second']:,.1f}")
    alert, dispatch = result["reading_to_sealed_alert"], result["reading_to_dispatch"]
    table.caption = (f"ratio {result['ratio']:.3f}; {result['alerts']} alerts, "
                     f"{result['dispatches']} dispatches to {result['departments']} departments; "
                     f"reading → sealed CAP alert p50 {alert['p50_ms']} ms, p95 "
                     f"{alert['p95_ms']} ms; reading → dispatch at the department p50 "
                     f"{dispatch['p50_ms']} ms, p95 {dispatch['p95_ms']} ms")
    return [table]


def _privacy_tables(o: PrivacyOptions, result: Result) -> list[Table]:
    table = _table("privacy bench: each party in its own process, messages through the relay",
                   ("", "rows", "seconds", "plain seconds", "plain/private", "exact"))
    psi = result["psi"]
    for name in ("psi.count", "psi.intersection"):
        leg = psi[name]
        table.add_row(f"{name} ({leg['relayed_mib']} MiB relayed)",
                      f"{o.psi_rows:,} x {o.psi_rows:,}", f"{leg['seconds']:.2f}",
                      f"{leg['plain_seconds']:.3f}", f"{leg['ratio']:.6f}", str(leg["exact"]))
    total = result["secure_sum"]
    table.add_row("aggregate.sum, 3 parties", f"{total['rows']:,}", f"{total['seconds']:.2f}",
                  f"{total['plain_seconds']:.3f}", f"{total['ratio']:.4f}", str(total["exact"]))
    fl = result["federated_round"]
    table.add_row(f"federated round vs pooled epoch (AUC ratio {fl['auc_ratio']})",
                  f"{fl['rows']:,}", f"{fl['seconds']:.2f}", f"{fl['plain_seconds']:.3f}",
                  f"{fl['ratio']:.4f}", "")
    return [table]


def _tasks_tables(o: TasksOptions, result: Result) -> list[Table]:
    table = _table(f"tasks bench: reminder round over {o.open_tasks:,} open tasks, "
                   f"{result['backend']}", ("", "seconds", "tasks/s", "sent", "ratio"))
    for label, leg, ratio in (("first round (sends)", result["first_round"],
                               result["ratio_first"]),
                              ("steady round (nothing new)", result["steady_round"],
                               result["ratio_steady"])):
        sent = leg["before"] + leg["due"] + leg["overdue"]
        table.add_row(label, f"{leg['seconds']:.3f}", f"{leg['tasks_per_second']:,.0f}",
                      f"{sent:,} ({leg['notifications']} notes)", f"{ratio:.3f}")
    reads = result["plain_reads"]
    table.add_row("baseline: plain row reads", f"{reads['seconds']:.3f}",
                  f"{reads['rows_per_second']:,.0f}", "", "")
    cpm = result["critical_path"]
    path = _table(f"critical path of {cpm['tasks']:,} tasks, {cpm['dependencies']:,} "
                  "dependencies", ("", "ms", "ratio"))
    path.add_row("govbridge critical_path (CPM)", f"{cpm['ours_ms']}", f"{cpm['ratio']:.3f}")
    path.add_row("baseline: topological pass", f"{cpm['baseline_ms']}", "")
    sent = result["deliveries"]
    hooks = _table(f"webhook deliveries to a local receiver, {sent['notifications']:,} "
                   "notifications", ("", "seconds", "per second", "ratio"))
    hooks.add_row(f"dispatcher rounds (lease, send, mark): {sent['sent']:,} sent",
                  f"{sent['seconds']:.3f}", f"{sent['per_second']:,.1f}", f"{sent['ratio']:.3f}")
    hooks.add_row("baseline: the same signed messages sent bare", f"{sent['bare_seconds']:.3f}",
                  f"{sent['bare_per_second']:,.1f}", "")
    return [table, path, hooks]


def _analytics_tables(o: AnalyticsOptions, result: Result) -> list[Table]:
    ours, base = result["ours"], result["baseline"]
    table = _table(f"analytics bench: {result['cases']:,} cases, {result['materials']:,} "
                   f"materials, {result['backend']}", ("", "seconds", "peak MiB", "cases/s"))
    table.add_row(f"scorecards ({ours['departments']} departments, a year)",
                  f"{ours['scorecards_seconds']:.2f}", f"{ours['scorecards_peak_mib']:.1f}", "")
    table.add_row(f"certificate graph ({ours['graph_nodes']} nodes, {ours['graph_edges']} "
                  "edges)", f"{ours['graph_seconds']:.2f}", f"{ours['graph_peak_mib']:.1f}", "")
    table.add_row("ours together", f"{ours['seconds']:.2f}", "", f"{ours['cases_per_second']:,}")
    table.add_row("baseline: plain GROUP BY over the same rows", f"{base['seconds']:.2f}",
                  f"{base['peak_mib']:.1f}", f"{base['cases_per_second']:,}")
    table.caption = f"ratio ours/baseline (time) {result['ratio']}"
    return [table]


_VIEWS: dict[str, _View] = {
    "ingest": _View(_ingest_tables),
    "search": _View(_search_tables),
    "stream": _View(_stream_tables),
    "exchange": _View(_exchange_tables, note=lambda r: (
        f"[red]{r['errors']} queries failed[/red] (see 'failures' in --json)"
        if r["errors"] else None)),
    "emergency": _View(_emergency_tables),
    "privacy": _View(_privacy_tables, warning=lambda r: (
        "[red]a private result differs from the plain one[/red]"
        if not (r["psi"]["psi.count"]["exact"] and r["psi"]["psi.intersection"]["exact"]
                and r["secure_sum"]["exact"]) else None)),
    "tasks": _View(_tasks_tables),
    "analytics": _View(_analytics_tables),
    "services": _View(_services_tables, warning=lambda r: (
        f"[red]{r['errors']} cases did not reach a certificate[/red] (see 'failures' in --json)"
        if r["errors"] else None)),
}


# --- the commands: their options, then the one path ------------------------------------------


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
    _run("ingest", IngestOptions(rows, memory_rows, database_url), as_json, save, results)


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
    _run("search", SearchOptions(datasets, rounds, database_url), as_json, save, results)


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
    _run("stream", StreamOptions(messages, nats_url, window, timeout, database_url), as_json,
         save, results)


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
    options = ExchangeOptions(seconds, tuple(_levels(levels)), rows, appends, proofs,
                              database_url)
    _run("exchange", options, as_json, save, results)


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
    _run("services", ServicesOptions(cases, database_url), as_json, save, results)


@bench_app.command("emergency")
def emergency_cmd(
    storms: int = typer.Option(1, "--storms", min=1, max=50,
                               help="Times the demo's 48-hour storm (12,672 readings) is fed"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """Readings/s through the emergency rules against the same stream without rules, and the
    time from a triggering reading to a sealed CAP alert and to each department's dispatch."""
    _run("emergency", EmergencyOptions(storms, database_url), as_json, save, results)


@bench_app.command("privacy")
def privacy_cmd(
    psi_rows: int = typer.Option(100_000, "--psi-rows", min=10, max=2_000_000,
                                 help="Subject keys on each side of the PSI (half shared)"),
    sum_rows: int = typer.Option(1_000_000, "--sum-rows", min=3, max=20_000_000,
                                 help="Rows summed, split across three parties"),
    fl_rows: int = typer.Option(30_000, "--fl-rows", min=30, max=3_000_000,
                                help="Health records, split across three hospitals"),
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """PSI, secure sum and a federated round, each against the clear computation."""
    _run("privacy", PrivacyOptions(psi_rows, sum_rows, fl_rows), as_json, save, results)


@bench_app.command("tasks")
def tasks_cmd(
    open_tasks: int = typer.Option(100_000, "--open-tasks", min=1, max=2_000_000,
                                   help="Open tasks the reminder round goes over"),
    cpm_tasks: int = typer.Option(5_000, "--cpm-tasks", min=1, max=500_000,
                                  help="Tasks of the campaign whose critical path is found"),
    notices: int = typer.Option(1_000, "--notices", min=1, max=100_000,
                                help="Notifications delivered to the local webhook receiver"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """Reminder round over open tasks against plain reads; critical path against a
    topological pass; webhook deliveries against the same messages sent bare."""
    _run("tasks", TasksOptions(open_tasks, cpm_tasks, database_url, notices), as_json, save,
         results)


@bench_app.command("analytics")
def analytics_cmd(
    cases: int = typer.Option(1_000_000, "--cases", min=1, max=10_000_000,
                              help="Finished cases in the scratch database"),
    database_url: str | None = DatabaseOpt,
    as_json: bool = JsonOpt,
    save: bool = SaveOpt,
    results: Path = ResultsOpt,
) -> None:
    """Scorecards of every department and the certificate graph over many cases, time and
    peak memory, against a plain GROUP BY over the same rows."""
    _run("analytics", AnalyticsOptions(cases, database_url), as_json, save, results)
