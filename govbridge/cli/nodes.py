"""`govbridge node enroll|run|load|source|list|disable|enable`: department nodes (前置机)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from govbridge.cli.common import JsonOpt, emit, fail, out, use_case

node_app = typer.Typer(help="Department nodes (前置机): enrol, run, load rows.",
                       no_args_is_help=True)
DirOpt = typer.Option(..., "--dir", help="The node's directory")


@node_app.command("enroll")
def enroll_cmd(
    org_code: str = typer.Argument(..., help="The department's credit code"),
    directory: Path = DirOpt,
    url: str = typer.Option(..., help="Where the node listens: https://HOST:PORT"),
    hub_url: str = typer.Option("http://127.0.0.1:8000", help="The hub's API base URL"),
    as_json: bool = JsonOpt,
) -> None:
    """Register a department's node on this hub and write its directory (keys mode 0600)."""
    from govbridge.nodes.config import CONFIG, write_node_dir
    from govbridge.nodes.usecases import enroll_node

    if (directory / CONFIG).exists() or (directory.exists() and any(directory.iterdir())):
        raise fail(f"{directory} is not empty; enrol into a new directory", 2)
    with use_case() as (ctx, actor):
        files = enroll_node(ctx, actor, org_code, url, hub_url)
        write_node_dir(directory, files)  # inside the transaction: no files, no registration
    cfg = files.config
    info = {"organization_code": cfg.organization_code, "node_url": cfg.node_url,
            "directory": str(directory), "seal": cfg.seal_kid,
            "datasets": [d.resource_code for d in cfg.datasets]}
    if as_json:
        out.print_json(json.dumps(info, ensure_ascii=False))
    else:
        out.print(f"node of {cfg.organization_name} enrolled at {cfg.node_url}; directory "
                  f"{directory} (seal {cfg.seal_kid}, {len(cfg.datasets)} datasets)",
                  highlight=False)


@node_app.command("run")
def run_cmd(
    directory: Path = DirOpt,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int | None = typer.Option(None, help="TCP port (default: the enrolled URL's)"),
    witness_interval: float = typer.Option(30.0, help="Seconds between witness rounds "
                                           "(0: do not witness)"),
) -> None:
    """Serve the node over mutual TLS and witness the hub's ledger."""
    from urllib.parse import urlsplit

    import uvicorn

    from govbridge.nodes.config import load_config
    from govbridge.nodes.server import server_config

    try:
        cfg = load_config(directory)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    chosen = port or urlsplit(cfg.node_url).port or 8443
    out.print(f"node of {cfg.organization_name} listening on https://{host}:{chosen} "
              "(mutual TLS)", highlight=False)
    uvicorn.Server(server_config(directory, host, chosen, witness_interval=witness_interval,
                                 log_level="info")).run()


@node_app.command("load")
def load_cmd(
    resource_code: str = typer.Argument(..., help="Dataset resource code"),
    file: Path = typer.Argument(..., help="Rows: .csv, .json (list) or .jsonl"),
    directory: Path = DirOpt,
) -> None:
    """Store a dataset's rows in the node's own store (rows with a known key are replaced)."""
    from govbridge.nodes import store
    from govbridge.nodes.config import ROWS_DB, load_config

    try:
        cfg = load_config(directory)
        ds = cfg.dataset(resource_code)
        if ds is None:
            raise fail(f"this node does not serve {resource_code}; served: "
                       f"{', '.join(d.resource_code for d in cfg.datasets) or 'none'}")
        stored = store.load_rows(directory / ROWS_DB, ds, store.read_file(file))
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    out.print(f"{stored} rows of {resource_code} stored in {directory / ROWS_DB}",
              highlight=False)


source_app = typer.Typer(help="Datasets the node reads live from the department's own "
                         "database instead of its store.", no_args_is_help=True)
node_app.add_typer(source_app, name="source")


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        name, sep, col = pair.partition("=")
        if not sep or not name.strip():
            raise fail(f"--map takes FIELD=COLUMN, not {pair!r}", 2)
        mapping[name.strip()] = col.strip()
    return mapping


@source_app.command("add")
def source_add_cmd(
    resource_code: str = typer.Argument(..., help="Dataset resource code"),
    directory: Path = DirOpt,
    url: str = typer.Option(..., envvar="GOVBRIDGE_NODE_SOURCE_URL", show_envvar=True,
                            help="SQLAlchemy URL of the department's database (from the "
                            "environment keeps a password off the command line)"),
    table: str = typer.Option(..., help="Table or view: NAME or SCHEMA.NAME"),
    maps: list[str] = typer.Option([], "--map", help="FIELD=COLUMN where the column's name "
                                   "differs from the field's (repeatable)"),
    check: bool = typer.Option(True, help="Read the table's mapped columns once first"),
) -> None:
    """Serve a dataset live from the department's database (replaces an earlier source)."""
    from govbridge.ingest.live import SourceFailed, SourceUnavailable
    from govbridge.nodes import live
    from govbridge.nodes.config import load_config

    try:
        ds = load_config(directory).dataset(resource_code)
        if ds is None:
            raise fail(f"this node does not serve {resource_code}")
        src = live.add_source(directory, ds, url, table, _mapping(maps), check=check)
    except (OSError, live.SourceConfigError) as exc:
        raise fail(str(exc)) from None
    except (SourceUnavailable, SourceFailed) as exc:  # their text masks the credentials
        raise fail(exc.detail) from None
    out.print(f"{resource_code} is read live from {src.location}, table {src.table}",
              highlight=False)


@source_app.command("list")
def source_list_cmd(directory: Path = DirOpt, as_json: bool = JsonOpt) -> None:
    """The node's live sources (credentials masked)."""
    from govbridge.nodes import live

    emit([s.shown() for s in live.load_sources(directory).values()], as_json,
         ["resource_code", "location", "table", "mapping"])


@source_app.command("remove")
def source_remove_cmd(resource_code: str = typer.Argument(...),
                      directory: Path = DirOpt) -> None:
    """Serve the dataset from the node's store again."""
    from govbridge.nodes import live

    if not live.remove_source(directory, resource_code):
        raise fail(f"{resource_code} has no live source on this node")
    out.print(f"{resource_code} is served from the node's store again", highlight=False)


@node_app.command("list")
def list_cmd(as_json: bool = JsonOpt) -> None:
    """The nodes registered on this hub."""
    from govbridge.nodes.usecases import list_nodes

    with use_case() as (ctx, actor):
        nodes = [asdict(n) for n in list_nodes(ctx, actor)]
    emit(nodes, as_json, ["organization_code", "organization_name", "url", "status",
                          "seal_kid"])


def _set(org_code: str, status: str) -> None:
    from govbridge.nodes.usecases import set_status

    with use_case() as (ctx, actor):
        node = set_status(ctx, actor, org_code, status)
    out.print(f"node of {node.organization_name}: {node.status}", highlight=False)


@node_app.command("disable")
def disable_cmd(org_code: str) -> None:
    """Stop calling a department's node."""
    _set(org_code, "disabled")


@node_app.command("enable")
def enable_cmd(org_code: str) -> None:
    """Call a department's node again."""
    _set(org_code, "active")
