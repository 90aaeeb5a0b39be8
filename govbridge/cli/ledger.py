"""`govbridge ledger ...`: check Merkle proofs offline."""

from __future__ import annotations

from pathlib import Path

import typer

from govbridge.cli.common import out
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
