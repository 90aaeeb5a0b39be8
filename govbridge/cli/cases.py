"""`govbridge case ...`: cases (办件) as the local operator, and the scheduler's tick."""

from __future__ import annotations

import hashlib
from pathlib import Path

import typer

from govbridge.cases import usecases
from govbridge.cases.schemas import DecisionIn
from govbridge.cli.common import JsonOpt, emit, fail, use_case
from govbridge.services.engine import DECISIONS

case_app = typer.Typer(help="Cases (办件): accept, decide, follow, and the time-limit tick.",
                       no_args_is_help=True)

CASE_COLUMNS = ["code", "item_code", "applicant_name", "state", "accepted_at", "promised_due",
                "overdue"]


@case_app.command("list")
def case_list(state: str | None = typer.Option(None, "--state", help="e.g. in_progress"),
              as_json: bool = JsonOpt) -> None:
    """List cases."""
    with use_case() as (ctx, actor):
        rows = usecases.list_cases(ctx, actor, state)
    emit(rows, as_json, CASE_COLUMNS, title="Cases")


def _show(detail, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        emit(detail, True)
        return
    emit(detail, False, CASE_COLUMNS)
    emit(detail.materials, False, ["key", "name", "kind", "required", "status", "detail"],
         title="Materials")
    if detail.current_steps:
        emit(detail.current_steps, False, ["task_id", "name", "department"],
             title="Current steps")
    if detail.certificates:
        emit(detail.certificates, False, ["id", "identifier", "type_name", "holder_name",
                                          "status"], title="Certificates issued")
    emit(detail.events, False, ["at", "actor", "kind", "detail"], title="Timeline")


@case_app.command("show")
def case_show(code: str = typer.Argument(..., help="Case code"),
              as_json: bool = JsonOpt) -> None:
    """Show a case: materials, current steps, timeline."""
    with use_case() as (ctx, actor):
        detail = usecases.timeline(ctx, actor, code)
    _show(detail, as_json)


@case_app.command("accept")
def case_accept(code: str = typer.Argument(..., help="Case code"),
                identity: str = typer.Option(..., "--identity",
                                             help="The ID checked on the applicant's card"),
                as_json: bool = JsonOpt) -> None:
    """Accept a case (shared materials are requested through the exchange)."""
    with use_case() as (ctx, actor):
        detail = usecases.accept(ctx, actor, code, identity)
    _show(detail, as_json)


@case_app.command("decide")
def case_decide(code: str = typer.Argument(..., help="Case code"),
                task: str = typer.Option(..., "--task", help="Ready task id (see `case show`)"),
                decision: str = typer.Option("approve", "--decision",
                                             help="approve | return | refuse"),
                opinion: str = typer.Option("", "--opinion"),
                as_json: bool = JsonOpt) -> None:
    """Decide a ready task of a case."""
    if decision not in DECISIONS:
        raise fail(f"--decision must be one of {', '.join(DECISIONS)}")
    with use_case() as (ctx, actor):
        detail = usecases.decide(ctx, actor, code, DecisionIn(
            task_id=task, decision=decision, opinion=opinion))  # type: ignore[arg-type]
    _show(detail, as_json)


@case_app.command("file")
def case_file(code: str = typer.Argument(..., help="Case code"),
              key: str = typer.Argument(..., help="Material key"),
              out: Path = typer.Option(..., "--out", help="Where to write the file")) -> None:
    """Write the file uploaded for a material (checked against its SHA-256)."""
    with use_case() as (ctx, actor):
        row = usecases.material_file(ctx, actor, code, key)
        content, digest, name = row.content, row.sha256, row.filename
    if hashlib.sha256(content).hexdigest() != digest:
        raise fail(f"the stored file of {key} does not match its SHA-256 {digest}")
    out.write_bytes(content)
    emit({"material": key, "filename": name, "bytes": len(content), "sha256": digest,
          "out": str(out)}, False)


@case_app.command("tick")
def case_tick(as_json: bool = JsonOpt) -> None:
    """Fire due BPMN timers, remind at 80 % of the promised limit, escalate overdue cases."""
    with use_case() as (ctx, _actor):
        report = usecases.tick(ctx)
    emit(report, as_json, ["timers_fired", "reminded", "escalated", "completed"])
