"""What every command shares: the runtime, the operator actor, output and errors."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from govbridge.config import Settings, load_settings
from govbridge.core.errors import DomainError, InvalidInput
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx, Runtime
from govbridge.storage.migrate import current_revision, head_revision

out = Console()
err = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON.")


def settings() -> Settings:
    return load_settings()


def operator() -> Actor:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor.operator(name)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@contextmanager
def use_case() -> Iterator[tuple[Ctx, Actor]]:
    """Run one use case as the local operator; domain errors become exit code 1."""
    rt = Runtime(settings())
    try:
        _require_migrated(rt)
        with rt.context() as ctx:
            yield ctx, operator()
    except DomainError as exc:
        if isinstance(exc, InvalidInput):
            for p in exc.problems:
                shown = f" (value {p.value!r})" if p.value is not None else ""
                where = f"row {p.row}, " if p.row is not None else ""
                err.print(f"[bold red]error:[/] {where}{p.field}: {p.reason}{shown}",
                          highlight=False)
            raise typer.Exit(1) from None
        raise fail(exc.detail) from None
    finally:
        rt.dispose()


def _require_migrated(rt: Runtime) -> None:
    if current_revision(rt.engine) != head_revision(rt.engine):
        raise fail(
            f"the database at {rt.settings.home} is not initialised or not up to date; "
            "run `govbridge init` (or `govbridge db upgrade`)"
        )


def emit(data: Any, as_json: bool, columns: Sequence[str] | None = None,
         title: str | None = None) -> None:
    """Print a model, or a list of models, as JSON or a table."""
    if as_json:
        out.print_json(json.dumps(_plain(data), ensure_ascii=False, default=str))
        return
    rows = data if isinstance(data, list) else [data]
    plain = [_plain(r) for r in rows]
    cols = list(columns or (plain[0].keys() if plain else []))
    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c)
    for r in plain:
        table.add_row(*[_cell(r.get(c)) for c in cols])
    out.print(table)


def _plain(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list):
        return [_plain(d) for d in data]
    return data


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
