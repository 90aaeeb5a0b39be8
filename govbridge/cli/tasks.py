"""`govbridge campaign ...` and `govbridge task ...`: campaigns and their tasks (督办), a
progress report, acceptance, the Gantt chart as SVG, one reminder round by hand.

As every command, they act as the local operator (audited under the OS user name);
`task list --json` gives each task's id, campaign, department, state, due, progress and
late (with the rest of the task's fields)."""

from __future__ import annotations

from pathlib import Path

import typer

from govbridge.cli.common import JsonOpt, emit, fail, out, use_case
from govbridge.tasks import hooks, usecases
from govbridge.tasks.remind import remind_round
from govbridge.tasks.schemas import IntegrationIn, ReasonIn, ReportIn

campaign_app = typer.Typer(help="Campaigns (专项工作 / 督办): cross-department work.",
                           no_args_is_help=True)
task_app = typer.Typer(help="A campaign's tasks: create, report, accept, Gantt, reminders.",
                       no_args_is_help=True)

CAMPAIGN_COLUMNS = ["code", "title", "lead_organization_name", "leader", "deadline",
                    "progress", "tasks", "late", "at_risk"]
TASK_COLUMNS = ["id", "campaign", "title", "department_name", "state", "start", "due",
                "progress", "late", "status"]


@campaign_app.command("create")
def campaign_create(
    title: str = typer.Option(..., help="What the campaign is, e.g. 创建全国文明城市"),
    deadline: str = typer.Option(..., help="The last day, YYYY-MM-DD"),
    code: str | None = typer.Option(None, help="A short code (default: made up)"),
    lead: str | None = typer.Option(None, "--lead", help="The lead department's credit code"),
    leader: str | None = typer.Option(None, help="User name of the leader"),
    description: str = typer.Option("", help="What is to be achieved"),
    meeting: str | None = typer.Option(None, help="https link to the Jitsi room"),
    chat: str | None = typer.Option(None, help="https link to the Matrix room"),
    docs: str | None = typer.Option(None, help="https link to the shared folder"),
    as_json: bool = JsonOpt,
) -> None:
    """Create a campaign led by a department and a leader."""
    with use_case() as (ctx, actor):
        row = usecases.create_campaign(ctx, actor, {  # type: ignore[arg-type]
            "title": title, "deadline": deadline, "code": code, "lead_organization_code": lead,
            "leader": leader, "description": description, "meeting_url": meeting,
            "chat_url": chat, "docs_url": docs})
    emit(row, as_json, CAMPAIGN_COLUMNS)


@campaign_app.command("list")
def campaign_list(as_json: bool = JsonOpt) -> None:
    """Every campaign with its progress and late tasks."""
    with use_case() as (ctx, actor):
        rows = usecases.list_campaigns(ctx, actor)
    emit(rows, as_json, CAMPAIGN_COLUMNS, title="Campaigns")


@campaign_app.command("show")
def campaign_show(code: str, as_json: bool = JsonOpt) -> None:
    """A campaign: its tasks, roll-up by department, critical path."""
    with use_case() as (ctx, actor):
        detail = usecases.show_campaign(ctx, actor, code)
    if as_json:
        emit(detail, True)
        return
    emit(detail, False, CAMPAIGN_COLUMNS)
    emit(detail.departments, False, ["department_name", "progress", "tasks", "late",
                                     "at_risk"], title="By department")
    emit(detail.task_list, False, TASK_COLUMNS, title="Tasks")
    out.print(f"critical path: {' → '.join(str(i) for i in detail.critical_path) or '-'}; "
              f"projected finish {detail.projected_finish or '-'}")


@campaign_app.command("hook-add")
def campaign_hook_add(
    code: str,
    name: str = typer.Option(..., help="Which tool, e.g. 创文会议室 (Jitsi)"),
    kind: str = typer.Option(..., help="meeting, chat or docs"),
    as_json: bool = JsonOpt,
) -> None:
    """Let a tool post into the campaign's task timelines; prints its secret once."""
    with use_case() as (ctx, actor):
        created = hooks.add_integration(ctx, actor, IntegrationIn(
            campaign=code, name=name, kind=kind))  # type: ignore[arg-type]
    if as_json:
        emit(created, True)
        return
    out.print(f"integration {created.id}: POST {created.hook_path}")
    out.print("signing secret (shown once; configure it in the tool):")
    typer.echo(created.secret)


@task_app.command("create")
def task_create(
    campaign: str,
    title: str = typer.Option(..., help="What the department is to do"),
    org: str = typer.Option(..., "--org", help="The owning department's credit code"),
    days: int = typer.Option(..., help="Working days it takes"),
    officer: str | None = typer.Option(None, help="User name of the officer in charge"),
    parent: int | None = typer.Option(None, help="The parent task's id"),
    start: str | None = typer.Option(None, help="Start day (default: as early as allowed)"),
    weight: int = typer.Option(1, help="Weight in the roll-up (1-100)"),
    after: list[str] = typer.Option([], "--after",
                                    help="A predecessor: ID or ID:LAG (repeatable)"),
    as_json: bool = JsonOpt,
) -> None:
    """Create a task for a department, after its predecessors."""
    deps = []
    for item in after:
        task, _, lag = item.partition(":")
        # isascii: "²".isdigit() is true, but int("²") raises
        if not (task + lag).isascii() or not task.isdigit() or (lag and not lag.isdigit()):
            raise fail(f"--after {item!r}: give a task id, optionally :lag in working days")
        deps.append({"task": int(task), "lag": int(lag or 0)})
    with use_case() as (ctx, actor):
        row = usecases.create_task(ctx, actor, {  # type: ignore[arg-type]
            "campaign": campaign, "title": title, "organization_code": org,
            "working_days": days, "officer": officer, "parent": parent, "start": start,
            "weight": weight, "depends_on": deps})
    emit(row, as_json, TASK_COLUMNS)


@task_app.command("list")
def task_list(
    campaign: str | None = typer.Option(None, help="Only this campaign"),
    org: str | None = typer.Option(None, "--org", help="Only this department"),
    state: str | None = typer.Option(None, help="Only tasks in this state"),
    as_json: bool = JsonOpt,
) -> None:
    """Tasks, by due day."""
    with use_case() as (ctx, actor):
        rows = usecases.list_tasks(ctx, actor, campaign=campaign, department=org, state=state)
    emit(rows, as_json, TASK_COLUMNS, title="Tasks")


@task_app.command("report")
def task_report(
    task_id: int,
    percent: int = typer.Option(..., help="Progress, 0-100"),
    text: str = typer.Option("", help="What was done"),
    submit: bool = typer.Option(False, "--submit", help="Submit for acceptance"),
    file: list[Path] = typer.Option([], "--file",
                                    help="Attach a PDF, OFD, PNG or JPEG (repeatable)"),
    as_json: bool = JsonOpt,
) -> None:
    """Report progress on a task (and submit it)."""
    uploads = []
    for path in file:
        if not path.is_file() or path.stat().st_size > usecases.ATTACHMENT_MAX:
            raise fail(f"--file {path}: not a readable file of at most 5 MiB")
        uploads.append(usecases.Upload(path.name, path.read_bytes()))
    with use_case() as (ctx, actor):
        row = usecases.report_progress(ctx, actor, task_id, ReportIn.model_construct(
            percent=percent, text=text, submit=submit), uploads)
    emit(row, as_json, TASK_COLUMNS)


@task_app.command("accept")
def task_accept(task_id: int, as_json: bool = JsonOpt) -> None:
    """Accept a submitted task (the campaign's leader)."""
    with use_case() as (ctx, actor):
        row = usecases.act(ctx, actor, task_id, "accept")
    emit(row, as_json, TASK_COLUMNS)


@task_app.command("return")
def task_return(task_id: int, reason: str = typer.Option(..., help="What is missing"),
                as_json: bool = JsonOpt) -> None:
    """Return a submitted task with the reason."""
    with use_case() as (ctx, actor):
        row = usecases.act(ctx, actor, task_id, "return", ReasonIn.model_construct(reason=reason))
    emit(row, as_json, TASK_COLUMNS)


@task_app.command("depend")
def task_depend(task_id: int, after: int = typer.Option(..., help="The predecessor's id"),
                lag: int = typer.Option(0, help="Working days after it is due"),
                as_json: bool = JsonOpt) -> None:
    """Make a task wait for another (finish-to-start); a cycle is refused."""
    with use_case() as (ctx, actor):
        row = usecases.add_dependency(ctx, actor, task_id, after, lag)
    emit(row, as_json, TASK_COLUMNS)


@task_app.command("gantt")
def task_gantt(campaign: str, svg: Path = typer.Option(..., "--svg", help="Write the SVG here")
               ) -> None:
    """Write the campaign's Gantt chart as SVG."""
    with use_case() as (ctx, actor):
        text = usecases.gantt_svg(ctx, actor, campaign)
    try:
        svg.write_text(text, encoding="utf-8")
    except OSError as exc:  # a missing folder, a directory, no permission
        raise fail(f"--svg {svg}: cannot write it ({exc.strerror or exc})") from None
    out.print(f"wrote {svg} ({len(text.encode())} bytes)")


@task_app.command("remind")
def task_remind(as_json: bool = JsonOpt) -> None:
    """One reminder and escalation round (the server runs it on its own schedule)."""
    with use_case() as (ctx, _actor):
        report = remind_round(ctx)
    if as_json:
        emit(report, True)
    else:
        out.print(f"{report.examined} open tasks due soon: {report.before} reminded, "
                  f"{report.due} escalated to departments, {report.overdue} to leaders")
