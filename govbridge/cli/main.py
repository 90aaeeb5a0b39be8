"""`govbridge` entry point: init, db, serve, demo, and the domain sub-commands."""

from __future__ import annotations

import json
import time
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from govbridge import __version__
from govbridge.bus.base import InProcessBus
from govbridge.cli.agreements import agreement_app
from govbridge.cli.analytics import analytics_app
from govbridge.cli.bench import bench_app
from govbridge.cli.cases import case_app
from govbridge.cli.catalog import catalog_app
from govbridge.cli.certificates import cert_app
from govbridge.cli.common import JsonOpt, err, fail, out, settings
from govbridge.cli.emergency import emergency_app, incident_app
from govbridge.cli.exchange import exchange_app
from govbridge.cli.governance import points_app, scorecard_cmd, scoring_app
from govbridge.cli.identity import client_app, org_app, user_app
from govbridge.cli.ingest import ingest_cmd, quarantine_app
from govbridge.cli.ledger import ledger_app
from govbridge.cli.nodes import node_app
from govbridge.cli.notifications import notify_app
from govbridge.cli.privacy import privacy_app
from govbridge.cli.quality import quality_app
from govbridge.cli.seals import seal_app
from govbridge.cli.services import service_app
from govbridge.cli.stream import stream_app
from govbridge.cli.tasks import campaign_app, task_app
from govbridge.config import Settings
from govbridge.runtime import Runtime
from govbridge.standards.usecases import seed_builtin_elements
from govbridge.storage.migrate import current_revision, head_revision, upgrade

app = typer.Typer(
    help="govbridge: safe data sharing between government departments and one-stop services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(client_app, name="client")
app.add_typer(catalog_app, name="catalog")
app.add_typer(agreement_app, name="agreement")
app.add_typer(ledger_app, name="ledger")
app.add_typer(exchange_app, name="exchange")
app.add_typer(bench_app, name="bench")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(quality_app, name="quality")
app.add_typer(stream_app, name="stream")
app.add_typer(seal_app, name="seal")
app.add_typer(node_app, name="node")
app.add_typer(service_app, name="service")
app.add_typer(case_app, name="case")
app.add_typer(cert_app, name="cert")
app.add_typer(notify_app, name="notify")
app.add_typer(emergency_app, name="emergency")
app.add_typer(incident_app, name="incident")
app.add_typer(privacy_app, name="privacy")
app.add_typer(campaign_app, name="campaign")
app.add_typer(task_app, name="task")
app.command("scorecard")(scorecard_cmd)
app.add_typer(scoring_app, name="scoring")
app.add_typer(points_app, name="points")
app.add_typer(analytics_app, name="analytics")
app.command("ingest")(ingest_cmd)


def _safe_url(s: Settings) -> str:
    return make_url(s.resolved_database_url).render_as_string(hide_password=True)


def _initialise(s: Settings) -> Runtime:
    s.ensure_home()
    _ = s.secret_key  # created on first use, mode 0600
    rt = Runtime(s)
    upgrade(rt.engine)
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
    return rt


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


@app.command()
def init(as_json: bool = JsonOpt) -> None:
    """Create the data directory, its secret key, and an up-to-date database."""
    s = settings()
    rt = _initialise(s)
    info = {"home": str(s.home), "database": _safe_url(s),
            "revision": current_revision(rt.engine)}
    rt.dispose()
    if as_json:
        out.print_json(json.dumps(info))
    else:
        out.print(f"govbridge initialised in {info['home']} (database {info['database']}, "
                  f"schema {info['revision']})")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    s = settings()
    rt = _initialise(s)
    out.print(f"database {_safe_url(s)} at schema {current_revision(rt.engine)}")
    rt.dispose()


@db_app.command("status")
def db_status(as_json: bool = JsonOpt) -> None:
    """Show the schema revision against the newest one; exit 1 when behind."""
    s = settings()
    rt = Runtime(s)
    cur, head = current_revision(rt.engine), head_revision(rt.engine)
    rt.dispose()
    if as_json:
        out.print_json(json.dumps({"current": cur, "head": head, "up_to_date": cur == head}))
    else:
        out.print(f"current {cur or '-'}, newest {head}")
    if cur != head:
        raise typer.Exit(1)


def _serve(rt: Runtime, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from govbridge.agreements.schedule import AgreementScheduler
    from govbridge.api.app import create_app
    from govbridge.cases.schedule import CaseScheduler
    from govbridge.ledger.schedule import CheckpointScheduler
    from govbridge.notifications.dispatcher import NotificationDispatcher
    from govbridge.tasks.remind import TaskScheduler

    # One scheduler each, in this process, whatever the number of workers.
    schedule = CheckpointScheduler(rt, rt.settings.checkpoint_seconds,
                                   witnesses=rt.settings.embedded_witnesses).start()
    cases = CaseScheduler(rt, rt.settings.case_tick_seconds).start()
    overdue_requests = AgreementScheduler(rt, rt.settings.case_tick_seconds).start()
    notices = NotificationDispatcher(rt, rt.settings.notify_seconds).start()
    reminders = TaskScheduler(rt, rt.settings.task_remind_seconds).start()
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info",
                               "proxy_headers": False, "server_header": False}
    try:
        if workers > 1:  # each worker builds its app from the environment
            from govbridge.api.serving import run_workers

            run_workers("govbridge.api.app:create_app_from_environment", workers, **options)
        else:
            if isinstance(rt.bus, InProcessBus):  # brokers have `govbridge stream worker`
                from govbridge.ingest.streams import attach_inprocess

                attach_inprocess(rt)
                from govbridge.emergency.consumer import attach as attach_rules

                attach_rules(rt)  # the emergency rules after each committed ingest batch
            uvicorn.run(create_app(rt), **options)
    finally:
        reminders.stop()
        notices.stop()
        overdue_requests.stop()
        cases.stop()
        schedule.stop()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (one per core)"),
) -> None:
    """Serve the API and web UI on an initialised installation."""
    s = settings()
    rt = Runtime(s)
    if current_revision(rt.engine) != head_revision(rt.engine):
        raise fail("database schema is not up to date; run `govbridge db upgrade` first")
    _serve(rt, host, port, workers)


class _RichProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: int | None = None

    def start(self, label: str, total: int) -> None:
        self.task = self.progress.add_task(label, total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)


@app.command()
def demo(
    port: int = typer.Option(8000, help="TCP port"),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    persons: int = typer.Option(10_000, min=1, help="Persons to generate"),
    companies: int = typer.Option(2_000, min=1, help="Companies to generate"),
    seed: int = typer.Option(20261123, help="Seed of the reproducible generator"),
    serve_: bool = typer.Option(True, "--serve/--no-serve", help="Serve after loading"),
) -> None:
    """Start govbridge on the embedded default with the demo city (loaded once)."""
    from govbridge.demo.accounts import account_lines, write_accounts_file
    from govbridge.demo.load import load_demo_city

    started = time.perf_counter()
    s = settings()
    rt = _initialise(s)
    with Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        city = load_demo_city(rt, seed=seed, persons=persons, companies=companies,
                              progress=_RichProgress(bar))
    state = "reused" if city.reused else "loaded"
    err.print(f"demo city {state} in {time.perf_counter() - started:.1f} s: "
              f"{city.departments} departments, {city.persons} persons, "
              f"{city.companies} companies, {city.datasets} datasets with {city.records} "
              f"records (data in {s.home})")
    # Whole lines, not a table: a table is cut at 80 columns when stdout is not a terminal.
    lines = account_lines(city.accounts, city.password)
    path = write_accounts_file(s.home, lines)
    typer.echo("Demo accounts (username, role, password, TOTP secret):")
    for line in lines:
        typer.echo(line)
    typer.echo(f"(also in {path}, readable by you only)")
    if not serve_:
        rt.dispose()
        return
    out.print(f"govbridge is running at [bold]http://{host}:{port}/[/] — Ctrl+C to stop")
    _serve(rt, host, port)


def run() -> None:
    app()
