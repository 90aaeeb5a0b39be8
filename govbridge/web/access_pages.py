"""Who read whose data: the citizen's own access log (each exchange that named them, with
the opening of the ledger's commitment to their ID) and the auditor's flags of unusual
access, reviewed as confirmed or dismissed.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.core.errors import Conflict, InvalidInput
from govbridge.exchange import transparency
from govbridge.exchange.schemas import NOTE_MAX
from govbridge.exchange.transparency import FLAG_OPEN, FLAG_STATUSES
from govbridge.web import form_text, session
from govbridge.web.exchange_view import EXCHANGE
from govbridge.web.forms import FormError
from govbridge.web.frame import redirect, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import text_for

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]


# --- the citizen's access log -----------------------------------------------------------------


@router.get("/me/accesses")
@web_page
def my_accesses_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        listed = transparency.my_accesses(ctx, viewer.actor)
    rows = [(a, json.dumps(a.proof, indent=2)) for a in listed]
    return render(request, "exchange/accesses.html", lang, viewer=viewer, rows=rows)


# --- the auditor's flags ----------------------------------------------------------------------


def _flags_page(
    request: Request,
    lang: str,
    status_shown: str,
    *,
    errors: list[FormError] | None = None,
    failed: int | None = None,
    note: str = "",
    notice: str | None = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        flags = transparency.list_flags(ctx, viewer.actor, status=status_shown)
    return render(
        request, "exchange/flags.html", lang, status=status, viewer=viewer, flags=flags,
        shown=status_shown, statuses=FLAG_STATUSES, errors=errors or [], failed=failed,
        note=note, note_max=NOTE_MAX, notice=notice,
    )


@router.get("/audit/flags")
@web_page
def flags_page(request: Request, status: str = FLAG_OPEN, done: str = "",
               flag: str = "") -> Response:
    lang = session.language(request)
    notice = None
    if flag.isdigit():
        notice = text_for(lang).lookup(form_text.EXCHANGE_FLAGS_DONE, done, id=flag)
    return _flags_page(request, lang, status if status in FLAG_STATUSES else FLAG_OPEN,
                       notice=notice)


@router.post("/audit/flags/{flag_id}/review")
@web_page
def flag_review(flag_id: int, request: Request, verdict: FormStr = "", note: FormStr = "",
                csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    return submit(
        request,
        lambda ctx, viewer: transparency.review_flag(ctx, viewer.actor, flag_id, verdict,  # type: ignore[arg-type]
                                                     note),
        csrf_token=csrf_token, catch=(InvalidInput, Conflict), wording=EXCHANGE,
        done=lambda _: redirect(f"/audit/flags?{urlencode({'done': verdict, 'flag': flag_id})}"),
        again=lambda errors, status: _flags_page(request, lang, FLAG_OPEN, errors=errors,
                                                 failed=flag_id, note=note, status=status),
    )
