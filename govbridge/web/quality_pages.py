"""The bureau-wide data quality table (数据质量), and measuring a dataset now.

Calls the quality use cases, which decide who may see what: the bureau and
auditors see every dataset; a department's officer runs its own datasets' checks.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.core.errors import DomainError
from govbridge.quality import usecases as quality
from govbridge.quality.metrics import DIMENSIONS
from govbridge.runtime import Ctx
from govbridge.web import session
from govbridge.web.frame import Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]


@router.get("/quality")
@web_page
def quality_table(request: Request, error: str = "") -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        rows = quality.bureau_table(ctx, viewer.actor)
    return render(request, "quality/report.html", lang, viewer=viewer, rows=rows,
                  dimensions=[*DIMENSIONS, "overall"], error=error[:300])


@router.post("/quality/run")
@web_page
def quality_run(request: Request, resource_code: FormStr = "",
                csrf_token: FormStr = "") -> Response:
    def run(ctx: Ctx, viewer: Viewer) -> str:
        try:
            quality.run_quality(ctx, viewer.actor, resource_code)
        except DomainError as exc:  # the failed run is kept: the table says why
            return f"/quality?error={quote(exc.detail[:300])}"
        return f"/catalog/{resource_code}"

    return submit(request, run, csrf_token=csrf_token, done=redirect)
