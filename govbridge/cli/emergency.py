"""`govbridge emergency ...` (rules, alerts, plans, the consumer, the storm replay) and
`govbridge incident ...` (list, show, dispatch, report, and open / commit / release)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from govbridge.cli.common import JsonOpt, emit, err, fail, out, settings, use_case
from govbridge.core.inputs import checked
from govbridge.emergency import alerts, incidents, rulebook
from govbridge.emergency.schemas import (
    AlertChangeIn,
    CommitIn,
    IncidentIn,
    PlanIn,
    ReportIn,
)
from govbridge.runtime import Runtime
from govbridge.storage.migrate import current_revision, head_revision

emergency_app = typer.Typer(help="Emergency response (预警): rules over live streams, CAP "
                            "alerts, response plans, the storm replay.", no_args_is_help=True)
rule_app = typer.Typer(help="Alert rules: create (versioned), list, test on recorded "
                       "readings.", no_args_is_help=True)
incident_app = typer.Typer(help="Incidents (事件) and dispatches to departments (调度).",
                           no_args_is_help=True)
emergency_app.add_typer(rule_app, name="rule")

RULE_COLUMNS = ["code", "version", "status", "kind", "name", "severity", "hold_down_minutes"]
ALERT_COLUMNS = ["identifier", "msg_type", "status", "district", "severity", "headline",
                 "event_at", "incident"]
INCIDENT_COLUMNS = ["code", "title", "district", "status", "opened_by", "alerts",
                    "dispatches", "late", "started_at"]
DISPATCH_COLUMNS = ["code", "org_name", "task", "status", "requested", "committed", "late"]


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"{path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise fail(f"{path}: not JSON: {exc}") from None


@rule_app.command("create")
def rule_create_cmd(
    path: Path = typer.Argument(..., help="The rule as JSON (see emergency/rules.py)"),
    draft: bool = typer.Option(False, "--draft", help="Store it without running it"),
    as_json: bool = JsonOpt,
) -> None:
    """Create a rule, or the next version of one (the live one before it is superseded)."""
    data = _json_file(path)
    with use_case() as (ctx, actor):
        made = rulebook.create_rule(ctx, actor, data, draft=draft)
    emit(made, as_json, RULE_COLUMNS)


@rule_app.command("list")
def rule_list_cmd(
    all_versions: bool = typer.Option(False, "--all", help="Superseded versions too"),
    as_json: bool = JsonOpt,
) -> None:
    """The rules (live and draft versions)."""
    with use_case() as (ctx, actor):
        rules = rulebook.list_rules(ctx, actor, all_versions=all_versions)
    emit(rules, as_json, RULE_COLUMNS, title="Alert rules")


@rule_app.command("activate")
def rule_activate_cmd(code: str, version: int, as_json: bool = JsonOpt) -> None:
    """Make a draft version live."""
    with use_case() as (ctx, actor):
        emit(rulebook.activate_rule(ctx, actor, code, version), as_json, RULE_COLUMNS)


@rule_app.command("test")
def rule_test_cmd(
    rule: str = typer.Argument(..., help="A rule code, or a JSON file of a rule not stored"),
    as_json: bool = JsonOpt,
) -> None:
    """Run a rule over the recorded readings of its datasets: what would fire (writes nothing)."""
    path = Path(rule)
    source: Any = _json_file(path) if rule.endswith(".json") or path.is_file() else rule
    with use_case() as (ctx, actor):
        result = rulebook.test_rule(ctx, actor, source)
    if as_json:
        emit(result, True)
        return
    out.print(f"{result.code}: {result.readings} recorded readings, {result.skipped} skipped, "
              f"{result.late_dropped} too late; would fire {len(result.fired)} time(s)")
    if result.fired:
        emit(result.fired, False, ["at", "key", "district", "stations", "values"])


@emergency_app.command("alerts")
def alerts_cmd(
    cap_out: Path | None = typer.Option(None, "--cap", help="Write every alert as CAP 1.2 "
                                        "XML to this file (one cap:alert per alert)"),
    limit: int = typer.Option(500, min=1, max=10_000, help="At most this many"),
    as_json: bool = JsonOpt,
) -> None:
    """The alerts raised, oldest first."""
    with use_case() as (ctx, actor):
        listed = alerts.list_alerts(ctx, actor, limit=limit)
        document = alerts.alerts_cap(ctx, actor, limit=limit) if cap_out else None
    if cap_out is not None and document is not None:
        cap_out.write_bytes(document)
        err.print(f"{len(listed)} alert(s) written to {cap_out}")
    if as_json:
        emit(listed, True)
    elif cap_out is None:
        emit(listed, False, ALERT_COLUMNS, title="Alerts")


@emergency_app.command("alert")
def alert_change_cmd(
    identifier: str,
    action: str = typer.Argument(..., help="update or cancel"),
    severity: str | None = typer.Option(None, help="Extreme, Severe, Moderate, Minor"),
    headline: str | None = typer.Option(None),
    instruction: str | None = typer.Option(None),
    as_json: bool = JsonOpt,
) -> None:
    """Update or cancel an alert (a new CAP message referencing it)."""
    if action not in ("update", "cancel"):
        raise fail(f"action: choose update or cancel, not {action!r}")
    with use_case() as (ctx, actor):
        changed = alerts.change_alert(ctx, actor, identifier, checked(AlertChangeIn, {
            "msg_type": "Update" if action == "update" else "Cancel", "severity": severity,
            "headline": headline, "instruction": instruction}))
    emit(changed, as_json, ALERT_COLUMNS)


@emergency_app.command("plan")
def plan_cmd(path: Path = typer.Argument(..., help="The plan (预案) as JSON"),
             as_json: bool = JsonOpt) -> None:
    """Store a response plan (or replace the one with the same code)."""
    data = _json_file(path)
    with use_case() as (ctx, actor):
        emit(incidents.create_plan(ctx, actor, checked(PlanIn, data)), as_json)


def _runtime() -> Runtime:
    rt = Runtime(settings())
    if current_revision(rt.engine) != head_revision(rt.engine):
        rt.dispose()
        raise fail("the database is not initialised or not up to date; run `govbridge init`")
    return rt


@emergency_app.command("evaluate")
def evaluate_cmd(
    follow: bool = typer.Option(False, "--follow", help="Keep evaluating new readings"),
    every: float = typer.Option(2.0, min=0.1, help="Seconds between looks with --follow"),
    as_json: bool = JsonOpt,
) -> None:
    """Run the live rules over the readings committed since the last run."""
    from govbridge.emergency.consumer import evaluate_pending

    rt = _runtime()
    try:
        while True:
            run = evaluate_pending(rt)
            if as_json:
                emit(run.__dict__, True)
            else:
                out.print(f"{run.batches} batch(es), {run.readings} reading(s), "
                          f"{run.refused} refused, {len(run.alerts)} alert(s)")
            if not follow:
                return
            time.sleep(every)
    except KeyboardInterrupt:
        return
    finally:
        rt.dispose()


@emergency_app.command("replay")
def replay_cmd(
    seed: int | None = typer.Option(None, help="The storm's seed (default: the demo's)"),
    start: datetime | None = typer.Option(None, help="Shift the storm to start here "
                                          "(ISO 8601 with offset; default 2025-07-10 08:00+08)"),
    as_json: bool = JsonOpt,
) -> None:
    """Feed the demo's recorded 48-hour storm through the stream path and the rules."""
    from rich.progress import Progress

    from govbridge.demo.emergency import STATIONS, STORM_HOURS, STORM_START, replay
    from govbridge.demo.load import DEFAULT_SEED

    if start is not None and start.tzinfo is None:
        raise fail("--start: give the UTC offset, e.g. 2025-07-10T08:00:00+08:00")
    rt = _runtime()
    total = len(STATIONS) * STORM_HOURS * 12
    try:
        with Progress(transient=True, disable=as_json) as bar:
            task = bar.add_task("replaying the storm", total=total)
            report = replay(rt, seed if seed is not None else DEFAULT_SEED,
                            start=start or STORM_START,
                            on_batch=lambda n: bar.advance(task, n))
    except LookupError as exc:
        raise fail(str(exc)) from None
    finally:
        rt.dispose()
    if as_json:
        emit(report.__dict__, True)
        return
    out.print(f"{report.readings} readings: {report.stored} stored, {report.duplicates} "
              f"already there, {report.rejected} rejected; {len(report.alerts)} alert(s), "
              f"incidents {', '.join(report.incidents) or '-'}, "
              f"{report.dispatched_departments} department(s) dispatched")


# -- incidents ------------------------------------------------------------------------------


@incident_app.command("list")
def incident_list_cmd(
    every: bool = typer.Option(False, "--all", help="Closed incidents too"),
    as_json: bool = JsonOpt,
) -> None:
    """Open incidents, newest first."""
    with use_case() as (ctx, actor):
        listed = incidents.list_incidents(ctx, actor, status=None if every else "open")
    emit(listed, as_json, INCIDENT_COLUMNS, title="Incidents")


@incident_app.command("show")
def incident_show_cmd(code: str, as_json: bool = JsonOpt) -> None:
    """The incident board: alerts, requested vs committed per department, timeline."""
    with use_case() as (ctx, actor):
        b = incidents.board(ctx, actor, code)
    if as_json:
        emit(b, True)
        return
    out.print(f"[bold]{b.code}[/] {b.title} ({b.status}, {b.alerts} alerts, {b.late} late)")
    emit(b.alert_list, False, ALERT_COLUMNS, title="Alerts")
    rows = [{"department": d.org_name, "kind": r.kind, "requested": r.requested,
             "committed": r.committed, "late": d.late} for d in b.departments
            for r in d.resources]
    emit(rows, False, ["department", "kind", "requested", "committed", "late"],
         title="Resources")
    emit(b.timeline, False, ["at", "what", "org_code", "detail"], title="Timeline")


@incident_app.command("open")
def incident_open_cmd(
    title: str = typer.Option(...), district: str = typer.Option(...),
    command: str = typer.Option(..., help="Credit code of the commanding department"),
    as_json: bool = JsonOpt,
) -> None:
    """Open an incident by hand (duty officer)."""
    with use_case() as (ctx, actor):
        emit(incidents.open_incident(ctx, actor, checked(IncidentIn, {
            "title": title, "district": district, "command_code": command})), as_json,
            INCIDENT_COLUMNS)


@incident_app.command("dispatch")
def incident_dispatch_cmd(
    code: str,
    plan: str | None = typer.Option(None, help="The response plan's code (default: the one "
                                    "the incident's rule proposes)"),
    as_json: bool = JsonOpt,
) -> None:
    """Dispatch a response plan to its departments in one step."""
    with use_case() as (ctx, actor):
        sent = incidents.dispatch_plan(ctx, actor, code, plan)
    emit(sent, as_json, DISPATCH_COLUMNS, title=f"Dispatched for {code}")


def _quantities(items: list[str], what: str) -> dict[str, int]:
    res: dict[str, int] = {}
    for item in items:
        kind, sep, qty = item.partition("=")
        qty = qty.strip()
        if not sep or not (qty.isascii() and qty.isdigit()):  # "²".isdigit(): int() raises
            raise fail(f"{what}: expected kind=quantity (e.g. pumps=4), not {item!r}")
        res[kind.strip()] = int(qty)
    return res


@incident_app.command("commit")
def incident_commit_cmd(
    dispatch: str, resource: list[str] = typer.Option(..., "--resource", "-r",
                                                      help="kind=quantity, repeatable"),
    arrive_by: datetime = typer.Option(..., help="When they arrive (ISO 8601 with offset)"),
    note: str = typer.Option(""), as_json: bool = JsonOpt,
) -> None:
    """A department commits resources to a dispatch."""
    with use_case() as (ctx, actor):
        done = incidents.commit_dispatch(ctx, actor, dispatch, checked(CommitIn, {
            "resources": _quantities(resource, "--resource"), "arrive_by": arrive_by,
            "note": note}))
    emit(done, as_json, DISPATCH_COLUMNS)


@incident_app.command("report")
def incident_report_cmd(
    dispatch: str,
    status: str = typer.Option(..., help="en_route, on_scene, deployed or completed"),
    deployed: list[str] = typer.Option([], "--deployed", "-d", help="kind=quantity"),
    note: str = typer.Option(""), as_json: bool = JsonOpt,
) -> None:
    """A department reports the deployment status of a dispatch."""
    with use_case() as (ctx, actor):
        done = incidents.report_dispatch(ctx, actor, dispatch, checked(ReportIn, {
            "status": status, "deployed": _quantities(deployed, "--deployed"), "note": note}))
    emit(done, as_json, DISPATCH_COLUMNS)


@incident_app.command("release")
def incident_release_cmd(dispatch: str, as_json: bool = JsonOpt) -> None:
    """Release a department's resources (command centre)."""
    with use_case() as (ctx, actor):
        emit(incidents.release_dispatch(ctx, actor, dispatch), as_json, DISPATCH_COLUMNS)
