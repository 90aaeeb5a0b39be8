"""`govbridge ingest FILE --dataset CODE` and `govbridge quarantine ...`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, BinaryIO

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from govbridge.cli.common import JsonOpt, emit, err, fail, out, use_case
from govbridge.ingest import cells, files, usecases
from govbridge.ingest.schemas import BatchReport

quarantine_app = typer.Typer(help="Rejected rows waiting to be fixed (隔离区).",
                             no_args_is_help=True)

PROBLEM_COLUMNS = ["row", "field", "value", "rule", "reason"]


class _Counted:
    """A binary stream that moves a progress bar as it is read."""

    def __init__(self, raw: BinaryIO, on_read: Any) -> None:
        self.raw, self.on_read = raw, on_read

    def read(self, n: int = -1) -> bytes:
        block = self.raw.read(n)
        self.on_read(len(block))
        return block

    def read1(self, n: int = -1) -> bytes:
        return self.read(n)

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)
        self.on_read(n or 0)
        return n

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def __iter__(self) -> Any:
        for line in self.raw:
            self.on_read(len(line))
            yield line


def show_report(report: BatchReport, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
        return
    head = "already ingested before: nothing added" if report.duplicate_batch else "ingested"
    out.print(f"{report.resource_code} v{report.dataset_version} batch {report.batch_id}: "
              f"{head}; received {report.received}, accepted {report.accepted}, "
              f"duplicates {report.duplicates}, rejected {report.rejected}", highlight=False,
              soft_wrap=True)
    if report.problems:
        emit(report.problems, False, PROBLEM_COLUMNS, title="rejected rows (kept in quarantine)")
    if report.problems_truncated:
        out.print(f"... and {report.problems_truncated} more problems: "
                  f"govbridge quarantine list {report.resource_code}")
    if report.warnings:
        emit(report.warnings, False, PROBLEM_COLUMNS,
             title="accepted, but would run as a formula in a spreadsheet (exported behind ')")
    if report.warnings_truncated:
        out.print(f"... and {report.warnings_truncated} more warnings")


def ingest_cmd(
    file: Path = typer.Argument(..., help="CSV (UTF-8 or GB18030), .xlsx or .jsonl file"),
    dataset: str = typer.Option(..., "--dataset", "-d", help="Resource code of the dataset"),
    fmt: str | None = typer.Option(None, "--format", help="csv | xlsx | jsonl (default: by name)"),
    encoding: str | None = typer.Option(None, help="CSV encoding: utf-8 | gb18030 (default: "
                                        "detected)"),
    as_json: bool = JsonOpt,
) -> None:
    """Validate and store a file's rows in a published dataset as one batch."""
    if not file.is_file():
        raise fail(f"FILE: no such file (value {str(file)!r})", 2)
    size = file.stat().st_size
    show = not as_json and sys.stderr.isatty()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                        TimeElapsedColumn(), console=err, disable=not show, transient=True)
    with progress, file.open("rb") as raw:
        # The file is read twice: hashed, then parsed; the bar covers both.
        task = progress.add_task(f"ingest {file.name}", total=2 * size)
        stream = _Counted(raw, lambda n: progress.advance(task, n))
        with use_case() as (ctx, actor):
            report = files.ingest_file(ctx, actor, dataset, stream,  # type: ignore[arg-type]
                                       file.name, fmt=fmt, encoding=encoding)
    show_report(report, as_json)
    if report.accepted == 0 and report.rejected > 0 and not report.duplicate_batch:
        raise typer.Exit(1)


@quarantine_app.command("list")
def quarantine_list(
    resource_code: str,
    status: str = typer.Option("open", help="open | resolved | discarded"),
    batch: int | None = typer.Option(None, help="Only rows of this batch"),
    limit: int = typer.Option(100, min=1, max=1000),
    as_json: bool = JsonOpt,
) -> None:
    """Rejected rows of a dataset with their problems."""
    if status not in ("open", "resolved", "discarded"):
        raise fail(f"--status: open, resolved or discarded (value {status!r})", 2)
    with use_case() as (ctx, actor):
        rows = usecases.list_quarantine(ctx, actor, resource_code, status=status,  # type: ignore[arg-type]
                                        batch_id=batch, limit=limit)
    if as_json:
        emit(rows, True)
        return
    flat = [{"id": r.id, "batch": r.batch_id, "row": r.row,
             "problems": "; ".join(f"{p.get('field')}: {p.get('reason')}" for p in r.problems)}
            for r in rows]
    emit(flat, False, ["id", "batch", "row", "problems"], title=f"{len(rows)} rows ({status})")


@quarantine_app.command("export")
def quarantine_export(
    resource_code: str,
    to: Path = typer.Option(..., "--out", "-o", help="The CSV file to write (UTF-8 with BOM)"),
    status: str = typer.Option("open", help="open | resolved | discarded"),
    batch: int | None = typer.Option(None, help="Only rows of this batch"),
) -> None:
    """Write rejected rows as CSV for a spreadsheet: one column per field, then the
    problems; text that a spreadsheet would run as a formula is written behind a '."""
    if status not in ("open", "resolved", "discarded"):
        raise fail(f"--status: open, resolved or discarded (value {status!r})", 2)
    rows: list[Any] = []
    with use_case() as (ctx, actor):
        while page := usecases.list_quarantine(ctx, actor, resource_code, status=status,  # type: ignore[arg-type]
                                               batch_id=batch, limit=1000, offset=len(rows)):
            rows += page
    fields = list(dict.fromkeys(k for r in rows for k in r.raw if k != "_cells"))
    header = ["id", "batch", "row", *fields, "problems"]
    try:
        with to.open("w", encoding="utf-8-sig", newline="") as fh:
            written = cells.write_csv(fh, header, (
                [r.id, r.batch_id, r.row, *(r.raw.get(f) for f in fields),
                 "; ".join(f"{p.get('field')}: {p.get('reason')}" for p in r.problems)]
                for r in rows))
    except OSError as exc:
        raise fail(f"cannot write {to}: {exc}") from None
    out.print(f"{written} rows written to {to}")


@quarantine_app.command("resubmit")
def quarantine_resubmit(
    resource_code: str,
    row_id: int,
    data: str = typer.Option(..., "--data", help='The corrected row as JSON, e.g. \'{"a": 1}\''),
    as_json: bool = JsonOpt,
) -> None:
    """Send a corrected row through validation; on success the row is resolved."""
    try:
        row = json.loads(data)
    except json.JSONDecodeError as exc:
        raise fail(f"--data: not JSON: {exc.msg} at column {exc.colno}", 2) from None
    if not isinstance(row, dict):
        raise fail("--data: a JSON object is expected", 2)
    with use_case() as (ctx, actor):
        report = usecases.resubmit(ctx, actor, resource_code, row_id, row)
    show_report(report, as_json)


@quarantine_app.command("discard")
def quarantine_discard(resource_code: str, row_id: int,
                       reason: str = typer.Option(..., help="Why the row is given up")) -> None:
    """Give up on a quarantined row; it stays on record as discarded."""
    with use_case() as (ctx, actor):
        usecases.discard(ctx, actor, resource_code, row_id, reason)
    out.print(f"row {row_id} discarded")
