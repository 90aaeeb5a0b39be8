"""The benchmarks by name: each one's typed options, its run and its chart.

`govbridge bench <name>` is one path for every bench (`govbridge.cli.bench`): it builds
the options, shows the progress, runs the bench here, then prints the result document
(a table or JSON), the machine and saves the JSON with the SVG chart made here. A bench
is a function from its options and a progress to the result document (a JSON object
with at least "backend" and "machine"); adding one is a dataclass of options, that
function and its chart, and an entry in `BENCHES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import make_url

from govbridge.bench.chart import bar_chart
from govbridge.bench.common import Progress
from govbridge.bench.machine import machine_line

Result = dict[str, Any]
O = TypeVar("O")  # noqa: E741 - the options of a bench


def safe_url(url: str | None) -> str:
    """The database a bench ran on, for a message: no password."""
    if not url:
        return "sqlite (temporary)"
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Bench(Generic[O]):
    name: str
    run: Callable[[O, Progress], Result]
    chart: Callable[[O, Result], str]
    # what a failure says: by default "<name> bench on <database> failed: <error>"
    failed: Callable[[O, Exception], str] | None = None

    def failure(self, options: O, exc: Exception) -> str:
        if self.failed is not None:
            return self.failed(options, exc)
        return f"{self.name} bench on {safe_url(getattr(options, 'database_url', None))} " \
               f"failed: {exc}"


# --- ingest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestOptions:
    rows: int
    memory_rows: int
    database_url: str | None


def _ingest(o: IngestOptions, progress: Progress) -> Result:
    from govbridge.bench import ingest

    return ingest.run(o.rows, o.database_url, memory_rows=o.memory_rows, progress=progress)


def _ingest_chart(o: IngestOptions, result: Result) -> str:
    ours, base, rec = result["ours"], result["baseline"], result["records_baseline"]
    return bar_chart(
        f"CSV ingest, {o.rows:,} rows, {result['backend']}: rows per second",
        [("govbridge ingest_file", ours["rows_per_second"]),
         ("plain executemany", base["rows_per_second"]),
         ("records, no validation", rec["rows_per_second"])],
        "rows/s", note=f"ratio {result['ratio']:.3f}; peak RSS ours {ours['peak_rss_mib']} MiB; "
                       + machine_line(result["machine"]))


# --- search ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchOptions:
    datasets: int
    rounds: int
    database_url: str | None


def _search(o: SearchOptions, progress: Progress) -> Result:
    from govbridge.bench import search
    from govbridge.bench.scratch import scratch_database

    with scratch_database(o.database_url) as scratch:
        progress.start("datasets", o.datasets)
        left = [o.datasets]

        def step(n: int) -> None:
            n = min(n, left[0])
            left[0] -= n
            progress.advance(n)

        result = search.run(scratch.url, scratch.tmp / "home", o.datasets, o.rounds, step)
        progress.advance(left[0])
    return result


def _search_chart(o: SearchOptions, result: Result) -> str:
    mine, base = result["search"], result["baseline_like"]
    return bar_chart(
        f"Catalog search, {o.datasets:,} datasets, {result['backend']}: p50 latency",
        [("govbridge search p50", mine["p50_ms"]), ("LIKE scan p50", base["p50_ms"]),
         ("govbridge search p95", mine["p95_ms"]), ("LIKE scan p95", base["p95_ms"])],
        "ms", note=machine_line(result["machine"]))


# --- stream ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamOptions:
    messages: int
    nats_url: str
    window: int
    timeout: float
    database_url: str | None


def _stream(o: StreamOptions, progress: Progress) -> Result:
    from govbridge.bench.stream import run_stream_bench

    progress.start("stream bench", None)
    bench = run_stream_bench(o.messages, o.nats_url, database_url=o.database_url,
                             window=o.window, timeout=o.timeout,
                             say=lambda m: progress.say(m[:60]))
    progress.done()
    return {"bench": "stream", "backend": bench.database, **bench.as_dict()}


def stream_legs(result: Result) -> tuple[Any, Any, float]:
    """The two legs of a stream result and their ratio, unrounded."""
    from govbridge.bench.stream import Leg

    def leg(key: str) -> Leg:
        return Leg(**{k: result[key][k] for k in ("messages", "seconds", "publish_seconds")})

    e2e, base = leg("end_to_end"), leg("baseline")
    return e2e, base, e2e.per_second / base.per_second


def _stream_chart(o: StreamOptions, result: Result) -> str:
    e2e, base, ratio = stream_legs(result)
    return bar_chart(
        f"Stream ingest, {o.messages:,} messages, {result['database']}: messages per second",
        [("govbridge end to end", e2e.per_second), ("bare JetStream", base.per_second)],
        "msg/s", note=f"ratio {ratio:.2f}; " + machine_line(result["machine"]))


def _stream_failed(o: StreamOptions, exc: Exception) -> str:
    return (f"stream bench ({o.nats_url}, {safe_url(o.database_url)}) failed: "
            f"{type(exc).__name__}: {exc}")


# --- exchange --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeOptions:
    seconds: float
    levels: tuple[int, ...]
    rows: int
    appends: int
    proofs: int
    database_url: str | None


def _exchange(o: ExchangeOptions, progress: Progress) -> Result:
    from govbridge.bench import exchange

    return exchange.run(o.database_url, rows=o.rows, levels=list(o.levels), seconds=o.seconds,
                        appends=o.appends, proofs=o.proofs,
                        single_seconds=min(5.0, max(0.5, o.seconds / 2)), progress=progress)


def _exchange_chart(o: ExchangeOptions, result: Result) -> str:
    aims = result["aims"]
    bars: list[tuple[str, float]] = []
    for level in result["results"]:
        bars += [(f"ours, c={level['concurrency']}", level["ours"]["requests_per_second"]),
                 (f"baseline, c={level['concurrency']}",
                  level["baseline"]["requests_per_second"])]
    return bar_chart(
        f"Exchange queries per second, {result['backend']} (aim ≥ {aims['queries_per_second']:g}"
        f" q/s and ≥ {aims['ratio']:.0%} of the baseline)", bars, "q/s",
        note=f"best ratio {result['best']['ratio']:.3f} at c={result['best']['concurrency']}; "
             + machine_line(result["machine"]))


# --- services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServicesOptions:
    cases: int
    database_url: str | None


def _services(o: ServicesOptions, progress: Progress) -> Result:
    from govbridge.bench import services

    return services.run(o.cases, o.database_url, progress=progress)


def _services_chart(o: ServicesOptions, result: Result) -> str:
    ours, base = result["ours"], result["baseline"]
    return bar_chart(
        f"企业开办 cases per second, {o.cases:,} cases, {result['backend']}",
        [("govbridge, application → certificate", ours["cases_per_second"]),
         ("BPMN engine alone", base["cases_per_second"])],
        "cases/s", note=f"ratio {result['ratio']:.4f}; " + machine_line(result["machine"]))


# --- emergency -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmergencyOptions:
    storms: int
    database_url: str | None


def _emergency(o: EmergencyOptions, progress: Progress) -> Result:
    from govbridge.bench import emergency

    return emergency.run(o.storms, o.database_url, progress=progress)


def _emergency_chart(o: EmergencyOptions, result: Result) -> str:
    ours, base = result["rules_leg"], result["baseline"]
    alert, dispatch = result["reading_to_sealed_alert"], result["reading_to_dispatch"]
    return bar_chart(
        f"Readings per second through 4 rules, {ours['readings']:,} readings, "
        f"{result['backend']}",
        [("stream store + rules", ours["readings_per_second"]),
         ("stream store, no rules", base["readings_per_second"])],
        "readings/s", note=f"ratio {result['ratio']:.3f}; reading → sealed alert p50 "
                           f"{alert['p50_ms']} ms p95 {alert['p95_ms']} ms; → dispatch p50 "
                           f"{dispatch['p50_ms']} ms p95 {dispatch['p95_ms']} ms; "
                           + machine_line(result["machine"]))


# --- privacy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivacyOptions:
    psi_rows: int
    sum_rows: int
    fl_rows: int


def _privacy(o: PrivacyOptions, progress: Progress) -> Result:
    from govbridge.bench import privacy

    progress.start("privacy bench", None)
    return privacy.run(o.psi_rows, o.sum_rows, o.fl_rows, progress)


def _privacy_chart(o: PrivacyOptions, result: Result) -> str:
    psi, total, fl = result["psi"], result["secure_sum"], result["federated_round"]
    return bar_chart(
        "Privacy computing against the clear computation: seconds",
        [("PSI count", psi["psi.count"]["seconds"]),
         ("PSI intersection", psi["psi.intersection"]["seconds"]),
         ("plain intersection", psi["psi.count"]["plain_seconds"]),
         ("secure sum", total["seconds"]), ("plain sum", total["plain_seconds"]),
         ("federated round", fl["seconds"]), ("pooled epoch", fl["plain_seconds"])],
        "s", note=f"PSI {o.psi_rows:,} x {o.psi_rows:,}; sum {o.sum_rows:,} rows; "
                  + machine_line(result["machine"]))


# --- tasks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TasksOptions:
    open_tasks: int
    cpm_tasks: int
    database_url: str | None
    notices: int = 1_000


def _tasks(o: TasksOptions, progress: Progress) -> Result:
    from govbridge.bench import tasks

    return tasks.run(o.open_tasks, o.cpm_tasks, o.database_url, notices=o.notices,
                     progress=progress)


def _tasks_chart(o: TasksOptions, result: Result) -> str:
    first, steady, reads = result["first_round"], result["steady_round"], result["plain_reads"]
    cpm = result["critical_path"]
    return bar_chart(
        f"Reminder round over {o.open_tasks:,} open tasks, {result['backend']}: tasks per second",
        [("first round (sends)", first["tasks_per_second"]),
         ("steady round", steady["tasks_per_second"]),
         ("plain row reads", reads["rows_per_second"])],
        "tasks/s", note=f"ratios {result['ratio_first']:.3f} / {result['ratio_steady']:.3f}; "
                        f"critical path of {cpm['tasks']:,} tasks {cpm['ours_ms']} ms vs "
                        f"topological pass {cpm['baseline_ms']} ms; webhook deliveries "
                        f"{result['deliveries']['per_second']:,.0f}/s vs bare "
                        f"{result['deliveries']['bare_per_second']:,.0f}/s; "
                        + machine_line(result["machine"]))


# --- analytics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalyticsOptions:
    cases: int
    database_url: str | None


def _analytics(o: AnalyticsOptions, progress: Progress) -> Result:
    from govbridge.bench import analytics

    return analytics.run(o.cases, o.database_url, progress=progress)


def _analytics_chart(o: AnalyticsOptions, result: Result) -> str:
    ours, base = result["ours"], result["baseline"]
    return bar_chart(
        f"Scorecards and certificate graph over {result['cases']:,} cases, {result['backend']}",
        [("scorecards, every department", ours["scorecards_seconds"]),
         ("certificate co-occurrence graph", ours["graph_seconds"]),
         ("plain GROUP BY baseline", base["seconds"])],
        "s", note=f"ratio ours/baseline {result['ratio']}; peak MiB {ours['scorecards_peak_mib']}"
                  f" / {ours['graph_peak_mib']} / {base['peak_mib']}; "
                  + machine_line(result["machine"]))


BENCHES: dict[str, Bench[Any]] = {
    b.name: b
    for b in (
        Bench("ingest", _ingest, _ingest_chart),
        Bench("search", _search, _search_chart),
        Bench("stream", _stream, _stream_chart, _stream_failed),
        Bench("exchange", _exchange, _exchange_chart),
        Bench("services", _services, _services_chart),
        Bench("tasks", _tasks, _tasks_chart),
        Bench("analytics", _analytics, _analytics_chart),
        Bench("emergency", _emergency, _emergency_chart),
        Bench("privacy", _privacy, _privacy_chart),
    )
}
