"""`govbridge exchange query|verify`: ask the gateway as a department, check a saved response."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import typer

from govbridge.cli.common import JsonOpt, fail, out, use_case
from govbridge.exchange import gateway
from govbridge.exchange.schemas import QueryIn
from govbridge.exchange.verify import ResponseInvalid, verify_response
from govbridge.identity.organizations import referenced_organization

exchange_app = typer.Typer(help="The exchange gateway (数据交换).", no_args_is_help=True)


@exchange_app.command("query")
def query_cmd(
    resource_code: str,
    org: str = typer.Option(..., "--org", help="Consumer organization (credit code)"),
    subject: list[str] = typer.Option(..., "--subject", help="Subject ID (repeatable)"),
    legal_basis: str | None = typer.Option(None, help="Purpose: the legal basis in words"),
    service_item: str | None = typer.Option(None, help="Purpose: the service item's code"),
    case: str | None = typer.Option(None, "--case",
                                    help="The case (办件) a --service-item read serves"),
    field: list[str] = typer.Option([], "--field", help="Field to return (repeatable)"),
    save: Path | None = typer.Option(None, "--out", help="Write the whole response here"),
    as_json: bool = JsonOpt,
) -> None:
    """Query a dataset for a consumer department and a purpose (as its operator)."""
    if bool(legal_basis) == bool(service_item):
        raise fail("give exactly one of --legal-basis or --service-item", 2)
    if service_item and not case:
        raise fail("a --service-item read names the case it serves: give --case", 2)
    if legal_basis and case:
        raise fail("--case goes with --service-item; a legal basis names no case", 2)
    purpose = ({"kind": "legal_basis", "text": legal_basis} if legal_basis
               else {"kind": "service_item", "code": service_item, "case": case})
    try:
        body = QueryIn(subject_ids=subject, fields=field or None, purpose=purpose)
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    with use_case() as (ctx, operator):
        consumer = referenced_organization(ctx, org, "--org")
        resp = gateway.query(ctx, replace(operator, organization_id=consumer.id),
                             resource_code, body)
    text = resp.model_dump_json(indent=2)
    if save is not None:
        save.write_text(text, "utf-8")
    if as_json:
        out.print_json(text)
        return
    out.print(f"{len(resp.data['rows'])} rows from {resp.data['provider']['name']}, sealed; "
              f"ledger entry {resp.receipt.leafIdx} of {resp.receipt.treeSize}", highlight=False)
    for row in resp.data["rows"]:
        out.print(json.dumps(row, ensure_ascii=False), highlight=False)


@exchange_app.command("verify")
def verify_cmd(
    files: list[Path] = typer.Argument(..., help="Saved responses (JSON)"),
    ca: Path | None = typer.Option(None, help="Platform CA certificate (PEM); default: this "
                                   "installation's"),
) -> None:
    """Check saved responses offline: seal, ledger binding, inclusion proof, tree head."""
    if ca is not None:
        anchor = ca.read_text("utf-8")
    else:
        from govbridge.seals.usecases import ca_certificate_pem

        with use_case() as (ctx, _actor):
            anchor = ca_certificate_pem(ctx)
    failed = False
    for path in files:
        try:
            doc = json.loads(path.read_text("utf-8"))
            checked = verify_response(doc, trust_anchor_pem=anchor)
        except (OSError, ValueError) as exc:
            failed = True
            out.print(f"{path}: invalid: document: {exc}", highlight=False, soft_wrap=True)
        except ResponseInvalid as exc:
            failed = True
            out.print(f"{path}: invalid: {exc.part}: {exc.reason}", highlight=False,
                      soft_wrap=True)
        else:
            out.print(f"{path}: ok ({checked.rows} rows sealed by "
                      f"{checked.seal.organization_name}, ledger entry {checked.leaf_index} "
                      f"of {checked.tree_size})", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)
