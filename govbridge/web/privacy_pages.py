"""The privacy jobs' pages: the list, one job (what it reveals to whom, each party's
decision, the result for the receiver, the disclosure receipt), a party's approval form on
it, the run button, and a person's own "computations that used my records".

Each handler calls the privacy use cases and renders a template; forms post through
`frame.submit`, except the run, which takes two transactions with the parties computing
between them (`usecases.run_job`). The page asks `usecases.allowed` which forms to offer.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.core.errors import Conflict, InvalidInput
from govbridge.privacy import rules, usecases
from govbridge.privacy.schemas import REASON_MAX, DecisionIn
from govbridge.web import privacy_labels, session
from govbridge.web.forms import FormError
from govbridge.web.frame import checked_viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render
from govbridge.web.translations import N_, text_for

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]
NOTICE = {"decided": N_("Your decision is recorded in the ledger."),
          "ran": N_("The job ran; its disclosure receipt is in the ledger.")}


@router.get("/privacy/jobs")
@web_page
def jobs_page(request: Request, state: str = "") -> Response:
    lang = session.language(request)
    wanted = state if state in rules.STATES else None
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        jobs = usecases.list_jobs(ctx, viewer.actor, wanted)
    return render(request, "privacy/list.html", lang, viewer=viewer, jobs=jobs, state=wanted,
                  states=rules.STATES, plabels=privacy_labels)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _job_page(request: Request, lang: str, code: str, *, errors: list[FormError] | None = None,
              notice: str | None = None, reason: str = "", status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        job = usecases.get_job(ctx, viewer.actor, code)
        may = usecases.allowed(ctx, viewer.actor, code)
    return render(request, "privacy/detail.html", lang, status=status, viewer=viewer, job=job,
                  may=may, plabels=privacy_labels, errors=errors or [], notice=notice,
                  reason=reason, reason_max=REASON_MAX, shown=_shown)


@router.get("/privacy/jobs/{code}")
@web_page
def job_page(code: str, request: Request, notice: str = "") -> Response:
    lang = session.language(request)
    shown = text_for(lang).gettext(NOTICE[notice]) if notice in NOTICE else None
    return _job_page(request, lang, code, notice=shown)


@router.post("/privacy/jobs/{code}/decision")
@web_page
def job_decide(code: str, request: Request, decision: FormStr = "", reason: FormStr = "",
               csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    # Built unchecked: the use case validates it and its InvalidInput shows beside the form.
    answer = DecisionIn.model_construct(decision=decision, reason=reason.strip() or None,
                                        party=None)
    return submit(
        request, lambda ctx, viewer: usecases.decide(ctx, viewer.actor, code, answer),
        csrf_token=csrf_token, catch=(InvalidInput, Conflict),
        done=lambda job: redirect(f"/privacy/jobs/{job.code}?notice=decided"),
        again=lambda errors, status: _job_page(request, lang, code, errors=errors,
                                               reason=reason, status=status))


@router.post("/privacy/jobs/{code}/run")
@web_page
def job_run(code: str, request: Request, csrf_token: FormStr = "") -> Response:
    rt = runtime(request)
    with rt.context() as ctx:
        viewer = checked_viewer(ctx, request, csrf_token)
    ran = usecases.run_job(rt, viewer.actor, code)
    return redirect(f"/privacy/jobs/{ran.job.code}?notice=ran")


@router.get("/me/computations")
@web_page
def my_computations_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        uses = usecases.my_computations(ctx, viewer.actor)
    return render(request, "privacy/mine.html", lang, viewer=viewer, uses=uses,
                  plabels=privacy_labels)
