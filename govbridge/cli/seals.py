"""`govbridge seal ...`: the platform CA and the organizations' seals (电子印章)."""

from __future__ import annotations

from pathlib import Path

import typer

from govbridge.cli.common import JsonOpt, emit, out, use_case
from govbridge.seals import usecases
from govbridge.seals.signers import KEY_ALGORITHMS

seal_app = typer.Typer(help="Electronic seals (电子印章) and the platform CA.",
                       no_args_is_help=True)

SEAL_COLUMNS = ["kid", "purpose", "organization_code", "algorithm", "status", "not_after",
                "revoked_at"]
_ALGS = ", ".join(KEY_ALGORITHMS)


@seal_app.command("issue")
def seal_issue(
    org: str = typer.Argument(..., help="Organization code"),
    algorithm: str = typer.Option("Ed25519", "--algorithm", help=_ALGS),
    days: int = typer.Option(usecases.DEFAULT_VALIDITY_DAYS, min=1, max=3650,
                             help="Certificate validity in days"),
    as_json: bool = JsonOpt,
) -> None:
    """Issue an organization's seal key and its certificate from the platform CA."""
    with use_case() as (ctx, actor):
        made = usecases.issue_seal(ctx, actor, org, algorithm, validity_days=days)
    emit(made, as_json, SEAL_COLUMNS)


@seal_app.command("rotate")
def seal_rotate(
    org: str = typer.Argument(..., help="Organization code"),
    algorithm: str | None = typer.Option(None, "--algorithm", help=f"{_ALGS} (default: same)"),
    days: int = typer.Option(usecases.DEFAULT_VALIDITY_DAYS, min=1, max=3650,
                             help="Certificate validity in days"),
    as_json: bool = JsonOpt,
) -> None:
    """Make a new active seal key; the old one is retired (verifies until it expires)."""
    with use_case() as (ctx, actor):
        made = usecases.rotate_seal(ctx, actor, org, algorithm, validity_days=days)
    emit(made, as_json, SEAL_COLUMNS)


@seal_app.command("revoke")
def seal_revoke(
    kid: str = typer.Argument(..., help="Key id of the seal"),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit trail)"),
    as_json: bool = JsonOpt,
) -> None:
    """Revoke a seal key: its seals no longer verify online."""
    with use_case() as (ctx, actor):
        done = usecases.revoke_seal(ctx, actor, kid, reason)
    emit(done, as_json, SEAL_COLUMNS)


@seal_app.command("list")
def seal_list(org: str | None = typer.Option(None, "--org"), as_json: bool = JsonOpt) -> None:
    """List seal keys (public parts only)."""
    with use_case() as (ctx, actor):
        rows = usecases.list_seals(ctx, actor, org)
    emit(rows, as_json, SEAL_COLUMNS, title="Seals")


@seal_app.command("ca")
def seal_ca(
    output: Path | None = typer.Option(None, "--out", help="Write the PEM to this file"),
    as_json: bool = JsonOpt,
) -> None:
    """Print the platform CA certificate (PEM), the trust anchor for offline verification."""
    with use_case() as (ctx, _actor):
        ca = usecases.ensure_ca(ctx)
    if output is not None:
        output.write_text(ca.certificate_pem)
    if as_json:
        emit(ca, True)
    elif output is None:
        out.print(ca.certificate_pem, end="", highlight=False, soft_wrap=True)
    else:
        out.print(f"wrote {output} (SHA-256 {ca.fingerprint_sha256})", highlight=False)
