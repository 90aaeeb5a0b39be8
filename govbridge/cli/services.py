"""`govbridge service ...`: service items (政务服务事项), BPMN processes, holiday calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from govbridge.cli.common import JsonOpt, emit, fail, out, use_case
from govbridge.services import usecases
from govbridge.services.bpmn import check_document
from govbridge.services.bpmn_checks import MAX_BYTES
from govbridge.services.schemas import HolidayIn

service_app = typer.Typer(help="Service items (政务服务事项) and their BPMN processes.",
                          no_args_is_help=True)
holiday_app = typer.Typer(help="The bureau's holiday calendar (holidays and make-up workdays).",
                          no_args_is_help=True)
service_app.add_typer(holiday_app, name="holiday")

ITEM_COLUMNS = ["code", "name", "lead_org_name", "status", "current_version", "promised_days",
                "legal_days", "fee"]
VERSION_COLUMNS = ["code", "version", "current", "process_id", "process_name", "created_by",
                   "created_at"]


@service_app.command("list")
def service_list(
    status: str | None = typer.Option(None, "--status", help="draft | published | retired"),
    org: str | None = typer.Option(None, "--org", help="Lead or participating department code"),
    as_json: bool = JsonOpt,
) -> None:
    """List service items."""
    with use_case() as (ctx, actor):
        rows = usecases.list_service_items(ctx, actor, status, org)
    emit(rows, as_json, ITEM_COLUMNS, title="Service items")


@service_app.command("show")
def service_show(code: str = typer.Argument(..., help="Service item code"),
                 as_json: bool = JsonOpt) -> None:
    """Show a service item, its materials and its process versions."""
    with use_case() as (ctx, actor):
        item = usecases.get_service_item(ctx, actor, code)
        versions = usecases.list_versions(ctx, actor, code)
    if as_json:
        emit({**item.model_dump(mode="json"),
              "versions": [v.model_dump(mode="json") for v in versions]}, True)
        return
    emit(item, False, ITEM_COLUMNS)
    if item.materials:
        emit(item.materials, False, ["key", "name", "kind", "resource_code", "required"],
             title="Materials")
    if versions:
        emit(versions, False, VERSION_COLUMNS, title="Process versions")


@service_app.command("import-bpmn")
def service_import(
    code: str = typer.Argument(..., help="Service item code"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="A .bpmn file (BPMN 2.0 XML)"),
    as_json: bool = JsonOpt,
) -> None:
    """Import a BPMN 2.0 process as the item's next version."""
    try:
        xml = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}") from None
    with use_case() as (ctx, actor):
        made = usecases.import_bpmn(ctx, actor, code, xml, filename=file.name)
    emit(made, as_json, VERSION_COLUMNS)


@holiday_app.command("add")
def holiday_add(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    name: str = typer.Argument(..., help="e.g. 国庆节"),
    workday: bool = typer.Option(False, "--workday",
                                 help="A make-up working day (调休) instead of a holiday"),
    as_json: bool = JsonOpt,
) -> None:
    """Mark a day as a holiday (or, with --workday, as a make-up working day)."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise fail(f"day: {day!r} is not a date (YYYY-MM-DD)") from None
    with use_case() as (ctx, actor):
        made = usecases.set_holiday(
            ctx, actor, HolidayIn(day=parsed, kind="workday" if workday else "holiday", name=name)
        )
    emit(made, as_json, ["day", "kind", "name"])


@holiday_app.command("remove")
def holiday_remove(day: str = typer.Argument(..., help="YYYY-MM-DD")) -> None:
    """Remove a day from the calendar."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise fail(f"day: {day!r} is not a date (YYYY-MM-DD)") from None
    with use_case() as (ctx, actor):
        usecases.remove_holiday(ctx, actor, parsed)
    out.print(f"removed {parsed.isoformat()}")


@holiday_app.command("list")
def holiday_list(year: int | None = typer.Option(None, "--year"), as_json: bool = JsonOpt) -> None:
    """List the calendar's holidays and make-up working days."""
    with use_case() as (ctx, actor):
        rows = usecases.list_holidays(ctx, actor, year)
    emit(rows, as_json, ["day", "kind", "name"], title="Calendar")


@service_app.command("check-bpmn")
def service_check_bpmn(
    files: list[Path] = typer.Argument(..., help="BPMN 2.0 files to check"),
    as_json: bool = JsonOpt,
) -> None:
    """Check BPMN files without storing anything: accepted or not, each problem with its
    element, id and line, the lanes to map to departments and the number of tasks.

    Exit code 1 when a file is not accepted."""
    results = []
    for file in files:
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)  # a larger one is refused unread
        except OSError as exc:
            results.append({"file": str(file), "accepted": False, "problems": [
                {"element": None, "id": None, "line": None,
                 "reason": f"cannot read the file: {exc.strerror or exc}"}],
                "lanes": [], "tasks": 0})
            continue
        results.append(check_document(data, str(file)))
    if as_json:
        emit(results, True)
    else:
        for result in results:
            verdict = "accepted" if result["accepted"] else "refused"
            out.print(f"{result['file']}: {verdict}, {result['tasks']} tasks, lanes: "
                      f"{', '.join(result['lanes']) or '-'}", markup=False)
            for p in result["problems"]:
                where = f"{p['element'] or 'document'}" + (f" id={p['id']}" if p["id"] else "")
                line = f" line {p['line']}" if p["line"] else ""
                out.print(f"  {where}{line}: {p['reason']}", markup=False)
    if not all(r["accepted"] for r in results):
        raise typer.Exit(1)


@service_app.command("map-lanes")
def service_map_lanes(
    code: str = typer.Argument(..., help="Service item code"),
    pairs: list[str] = typer.Argument(None, help="LANE=CREDIT_CODE, e.g. "
                                      '"市场监管=11320500MB1J374274" (LANE= removes a mapping)'),
    as_json: bool = JsonOpt,
) -> None:
    """Map lanes or pools of the item's process to departments; without pairs, show them.

    An unmapped lane blocks publishing; a lane whose name holds the department's credit
    code needs no mapping."""
    mapping: dict[str, str | None] = {}
    for pair in pairs or []:
        lane, sep, org = pair.rpartition("=")
        if not sep or not lane.strip():
            raise fail(f"lanes: {pair!r} is not LANE=CREDIT_CODE")
        mapping[lane.strip()] = org.strip() or None
    with use_case() as (ctx, actor):
        lanes = usecases.map_lanes(ctx, actor, code, mapping)
    rows = [{"lane": lane, "department": org} for lane, org in lanes.items()]
    emit(rows, as_json, ["lane", "department"], title="Lanes")
