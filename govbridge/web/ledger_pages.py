"""The ledger explorer: the latest checkpoints, an inclusion or consistency proof fetched
by number, a pasted proof document verified (and compared with this ledger's roots), and
a checkpoint made on demand by an auditor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.ledger import checkpoints, queries
from govbridge.ledger.merkle import ProofError
from govbridge.ledger.proof_files import InclusionProof, ProofDocumentError, parse_proof_document
from govbridge.runtime import Ctx
from govbridge.web import session
from govbridge.web.exchange_view import EXCHANGE
from govbridge.web.forms import FormError, errors_of, message
from govbridge.web.frame import Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import N_, text_for

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
PROOF_MAX = 200_000


# --- the ledger explorer ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProofCheck:
    ok: bool
    kind: str  # inclusion | consistency | "" (unreadable)
    reason: str | None
    matches_ledger: bool | None  # the roots are this ledger's (None: not known here)


def _check_proof(ctx: Ctx, viewer: Viewer, text: str) -> ProofCheck:
    """Parse and verify a pasted proof document, then compare it with this ledger's roots."""
    try:
        doc = json.loads(text, parse_constant=_no_constant)
        proof = parse_proof_document(doc)
    except ProofDocumentError as exc:
        return ProofCheck(False, "", str(exc), None)
    except ValueError as exc:
        return ProofCheck(False, "", f"not JSON: {exc}", None)
    kind = "inclusion" if isinstance(proof, InclusionProof) else "consistency"
    try:
        proof.verify()
    except ProofError as exc:
        return ProofCheck(False, kind, exc.reason, None)
    try:
        if isinstance(proof, InclusionProof):
            mine = queries.inclusion_proof(ctx, viewer.actor, proof.leaf_index, proof.tree_size)
            same = mine["root"] == doc["root"] and mine["leafHash"] == doc["leafHash"]
        else:
            mine = queries.consistency_proof(ctx, viewer.actor, proof.size1, proof.size2)
            same = mine["root1"] == doc["root1"] and mine["root2"] == doc["root2"]
    except (NotFound, InvalidInput, Conflict):
        return ProofCheck(True, kind, None, None)
    return ProofCheck(True, kind, None, same)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


def _ledger_page(
    request: Request,
    lang: str,
    *,
    proof_text: str = "",
    check: ProofCheck | None = None,
    fetched: dict[str, Any] | None = None,
    errors: list[FormError] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        heads = checkpoints.list_checkpoints(ctx, viewer.actor)
        if check is None and proof_text:
            check = _check_proof(ctx, viewer, proof_text)
    return render(
        request, "exchange/ledger.html", lang, status=status, viewer=viewer, heads=heads,
        latest=heads[0] if heads else None, proof_text=proof_text, check=check,
        fetched=json.dumps(fetched, indent=2) if fetched else None, errors=errors or [],
        notice=notice, may_checkpoint=Permission.LEDGER_AUDIT in viewer.actor.permissions,
    )


@router.get("/ledger")
@web_page
def ledger_page(
    request: Request, leaf: str = "", size: str = "", size1: str = "", size2: str = "",
    notice: str = "",
) -> Response:
    """The explorer; `?leaf=` (and `size`) fetches an inclusion proof, `?size1=` a
    consistency proof."""
    lang = session.language(request)
    fetched = None
    errors: list[FormError] = []
    status = 200
    try:
        with runtime(request).context() as ctx:
            viewer = viewer_of(ctx, request)
            if leaf.strip():
                fetched = queries.inclusion_proof(ctx, viewer.actor, _int(leaf, "leaf"),
                                                  _int(size, "size") if size.strip() else None)
            elif size1.strip():
                fetched = queries.consistency_proof(
                    ctx, viewer.actor, _int(size1, "size1"),
                    _int(size2, "size2") if size2.strip() else None)
    except (InvalidInput, NotFound) as exc:
        if isinstance(exc, NotFound):
            errors = [message(lang, N_("Not in the ledger: %(detail)s"), detail=exc.detail)]
            status = 404
        else:
            errors, status = errors_of(lang, exc, EXCHANGE)
    shown = (text_for(lang).gettext("The current tree head is signed.")
             if notice == "checkpoint" else None)
    return _ledger_page(request, lang, fetched=fetched, errors=errors, notice=shown,
                        status=status)


def _int(value: str, field: str) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 19:
        raise InvalidInput.one(field, "a whole number", text[:20], "int_parsing")
    return int(text)


@router.post("/ledger/verify")
@web_page
def ledger_verify(request: Request, proof: FormStr = "", csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    text = proof.strip()

    def check(ctx: Ctx, viewer: Viewer) -> ProofCheck:
        require(viewer.actor, Permission.LEDGER_READ)
        if not text or len(text) > PROOF_MAX:
            return ProofCheck(False, "", text_for(lang).gettext("Paste a proof document."), None)
        return _check_proof(ctx, viewer, text)

    return submit(
        request, check, csrf_token=csrf_token,
        done=lambda checked: _ledger_page(request, lang, proof_text=text[:PROOF_MAX],
                                          check=checked, status=200 if checked.ok else 422),
    )


@router.post("/ledger/checkpoint")
@web_page
def ledger_checkpoint(request: Request, csrf_token: FormStr = "") -> Response:
    return submit(
        request, lambda ctx, viewer: checkpoints.checkpoint_now(ctx, viewer.actor),
        csrf_token=csrf_token, done=lambda _: redirect("/ledger?notice=checkpoint"),
    )
