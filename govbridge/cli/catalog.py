"""`govbridge catalog ...`: register, review, search and export catalog entries."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import ValidationError

from govbridge.catalog import dcat, search, usecases
from govbridge.catalog.schemas import DatasetIn
from govbridge.cli.common import JsonOpt, emit, fail, out, use_case

catalog_app = typer.Typer(help="The data catalog (政务信息资源目录).", no_args_is_help=True)

DATASET_COLUMNS = ["resource_code", "name", "provider_name", "share_type", "grade", "status",
                   "published_version"]


@catalog_app.command("search")
def search_cmd(
    query: str = typer.Argument("", help="Words to find, in Chinese or English"),
    provider: str | None = typer.Option(None, help="Provider organization code"),
    share_type: str | None = typer.Option(None, help="unconditional | conditional | none"),
    grade: str | None = typer.Option(None, help="core | important | general-4 .. general-1"),
    limit: int = typer.Option(20, min=1, max=200),
    as_json: bool = JsonOpt,
) -> None:
    """Search published datasets; best match first."""
    with use_case() as (ctx, actor):
        result = search.search(ctx, actor, query, limit=limit, filters={
            "provider": provider or "", "share_type": share_type or "", "grade": grade or ""})
    if as_json:
        emit(result.hits, True)
        return
    emit(result.hits, False, ["resource_code", "name", "provider_name", "share_type", "grade",
                              "score"], title=f"{result.total} datasets match {query!r}")


@catalog_app.command("export-dcat")
def export_dcat_cmd(
    out_file: Path = typer.Argument(..., help="File to write"),
    fmt: str = typer.Option("turtle", "--format", help="turtle | json-ld"),
    base_url: str = typer.Option("http://127.0.0.1:8000", help="Base of the dataset URIs"),
    open_only: bool = typer.Option(False, help="Only datasets open to the public"),
) -> None:
    """Write the published catalog as DCAT-AP."""
    if fmt not in ("turtle", "json-ld"):
        raise fail(f"--format: must be turtle or json-ld (value {fmt!r})", 2)
    with use_case() as (ctx, actor):
        text = dcat.export_catalog(ctx, actor, fmt, base_url, open_only=open_only)  # type: ignore[arg-type]
    out_file.write_text(text, encoding="utf-8")
    out.print(f"wrote {out_file} ({len(text.encode())} bytes, {fmt})")


@catalog_app.command("create")
def create_cmd(spec: Path = typer.Argument(..., help="JSON file with the entry and its fields"),
               as_json: bool = JsonOpt) -> None:
    """Register a dataset in draft from a JSON description."""
    try:
        data = DatasetIn.model_validate(json.loads(spec.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"{spec}: cannot read JSON: {exc}") from None
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise fail(f"{spec}: " + "; ".join(lines)) from None
    with use_case() as (ctx, actor):
        created = usecases.create_dataset(ctx, actor, data)
    emit(created, as_json, DATASET_COLUMNS)


@catalog_app.command("list")
def list_cmd(provider: str | None = typer.Option(None), status: str | None = typer.Option(None),
             as_json: bool = JsonOpt) -> None:
    """List catalog entries."""
    with use_case() as (ctx, actor):
        rows = usecases.list_datasets(ctx, actor, provider_code=provider, status=status)
    emit(rows, as_json, DATASET_COLUMNS, title="Catalog")


@catalog_app.command("show")
def show_cmd(resource_code: str, version: int | None = typer.Option(None),
             as_json: bool = JsonOpt) -> None:
    """Show one entry with its fields."""
    with use_case() as (ctx, actor):
        ds = usecases.get_dataset(ctx, actor, resource_code, version)
    if as_json:
        emit(ds, True)
        return
    emit(ds, False, DATASET_COLUMNS)
    emit(ds.fields, False, ["name", "title", "element", "element_version", "data_type",
                            "required", "grade"], title=f"Fields of version {ds.version}")


@catalog_app.command("submit")
def submit_cmd(resource_code: str) -> None:
    """Submit a draft for the data bureau's review."""
    with use_case() as (ctx, actor):
        usecases.submit(ctx, actor, resource_code)
    out.print(f"{resource_code} submitted for review")


@catalog_app.command("review")
def review_cmd(resource_code: str,
               approve: bool = typer.Option(..., "--approve/--return",
                                            help="Publish, or return to the provider"),
               comment: str | None = typer.Option(None, help="Required when returning")) -> None:
    """Publish or return a submitted entry."""
    with use_case() as (ctx, actor):
        ds = usecases.review(ctx, actor, resource_code, approve=approve, comment=comment)
    out.print(f"{resource_code} is now {ds.status}")


@catalog_app.command("retire")
def retire_cmd(resource_code: str, reason: str = typer.Option(...)) -> None:
    """Retire an entry: it leaves search and takes no more data."""
    with use_case() as (ctx, actor):
        usecases.retire(ctx, actor, resource_code, reason)
    out.print(f"{resource_code} retired")
