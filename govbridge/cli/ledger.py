"""`govbridge ledger ...`: check Merkle proofs offline, audit the stored ledger, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govbridge.cli.common import JsonOpt, err, out, use_case
from govbridge.ledger import audit, checkpoints, commitments, log
from govbridge.ledger.merkle import ProofError
from govbridge.ledger.proof_files import check_proof_document, load_proof_file

ledger_app = typer.Typer(help="The ledger (存证账本): Merkle proofs.", no_args_is_help=True)


@ledger_app.command("verify-proof")
def verify_proof(files: list[Path] = typer.Argument(..., help="Proof documents (JSON)")) -> None:
    """Verify inclusion or consistency proofs: one line per file; exit 1 if any fails.

    A file is `{leafIdx, treeSize, root, leafHash, proof}` or
    `{size1, size2, root1, root2, proof}` with base64 hashes.
    """
    failed = False
    for path in files:
        try:
            # Hash lengths are left to the RFC 9162 algorithms, as the reference verifier does.
            check_proof_document(load_proof_file(path), hash_size=None)
        except (ProofError, ValueError, OSError) as exc:
            failed = True
            reason = exc.reason if isinstance(exc, ProofError) else str(exc)
            out.print(f"{path}: invalid: {reason}", highlight=False, soft_wrap=True)
        else:
            out.print(f"{path}: ok", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@ledger_app.command("audit")
def audit_cmd(as_json: bool = JsonOpt) -> None:
    """Recompute the ledger from storage; exit 1 when anything does not match."""
    with use_case() as (ctx, actor):
        total = log.tree_state(ctx)[0]
        with Progress(TextColumn("audit"), BarColumn(), MofNCompleteColumn(), console=err,
                      disable=as_json or not err.is_terminal, transient=True) as bar:
            task = bar.add_task("audit", total=total)
            report = audit.audit_ledger(ctx, actor, lambda n: bar.advance(task, n))
    if as_json:
        out.print_json(json.dumps({"ok": report.ok, "entries": report.entries,
                                   "checkpoints": report.checkpoints, "nodes": report.nodes,
                                   "findings": [vars(f) for f in report.findings],
                                   "truncated": report.truncated}, ensure_ascii=False))
    else:
        out.print(f"{report.entries} entries, {report.checkpoints} checkpoints, "
                  f"{report.nodes} cached nodes checked", highlight=False)
        for f in report.findings:
            out.print(f"[red]{f.kind}[/]: {f.where}: {f.detail}", highlight=False)
        out.print("[green]ledger ok[/]" if report.ok else
                  f"[red]{len(report.findings) + report.truncated} problems[/]")
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command("checkpoint")
def checkpoint_cmd(as_json: bool = JsonOpt) -> None:
    """Sign and keep the current tree head now."""
    with use_case() as (ctx, actor):
        head = checkpoints.checkpoint_now(ctx, actor)
    if as_json:
        out.print_json(json.dumps(head.as_dict()))
    else:
        out.print(f"checkpoint {head.id}: size {head.tree_size}, root "
                  f"{head.as_dict()['root']}, signed by {head.key_id}", highlight=False)


@ledger_app.command("subject-keys")
def subject_keys_cmd(as_json: bool = JsonOpt) -> None:
    """The epochs of the key ledger entries name subjects by (never the keys)."""
    with use_case() as (ctx, actor):
        keys = commitments.list_subject_keys(ctx, actor)
    if as_json:
        out.print_json(json.dumps([vars(k) for k in keys], ensure_ascii=False))
        return
    for k in keys:
        out.print(f"epoch {k.epoch}{' (current)' if k.current else ''}: made "
                  f"{k.created_at} by {k.created_by}", highlight=False)


@ledger_app.command("rotate-subject-key")
def rotate_subject_key_cmd(
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit trail)"),
    as_json: bool = JsonOpt,
) -> None:
    """Start a new epoch of subject commitments; older entries stay found."""
    with use_case() as (ctx, actor):
        made = commitments.rotate_subject_key(ctx, actor, reason)
    if as_json:
        out.print_json(json.dumps(vars(made), ensure_ascii=False))
    else:
        out.print(f"subject key epoch {made.epoch} is current", highlight=False)
