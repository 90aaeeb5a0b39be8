"""Case routes (办件): apply, accept at the front desk, upload what is missing, decide
back-office tasks, follow the timeline, and the bureau's overdue list."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from govbridge.api.deps import acting
from govbridge.api.headers import diagram_response
from govbridge.cases import review, usecases
from govbridge.cases.diagram import case_diagram
from govbridge.cases.schemas import (
    AcceptIn,
    CaseDetail,
    CaseOut,
    CaseSubmitIn,
    ClaimIn,
    DecisionIn,
    NotAcceptIn,
    SharedView,
    TaskOut,
)

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", response_model=CaseDetail, status_code=201,
             summary="Apply for a service item (applicant)")
def submit(body: CaseSubmitIn, request: Request) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return usecases.submit_application(ctx, actor, body)


@router.get("", response_model=list[CaseOut], summary="Cases the caller's staff role sees")
def list_cases(request: Request, state: str | None = None) -> list[CaseOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_cases(ctx, actor, state)


@router.get("/mine", response_model=list[CaseOut], summary="The applicant's own cases")
def mine(request: Request) -> list[CaseOut]:
    with acting(request) as (ctx, actor):
        return usecases.my_cases(ctx, actor)


@router.get("/tasks", response_model=list[TaskOut],
            summary="Ready tasks of the approver's department")
def tasks(request: Request) -> list[TaskOut]:
    with acting(request) as (ctx, actor):
        return usecases.my_tasks(ctx, actor)


@router.get("/overdue", response_model=list[CaseOut], summary="Overdue cases (bureau)")
def overdue(request: Request) -> list[CaseOut]:
    with acting(request) as (ctx, actor):
        return usecases.overdue_cases(ctx, actor)


@router.get("/{code}", response_model=CaseDetail,
            summary="A case's timeline, current step, holder and missing materials")
def timeline(code: str, request: Request) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return usecases.timeline(ctx, actor, code)


@router.post("/{code}/accept", response_model=CaseDetail,
             summary="Accept after checking the applicant's identity (front desk)")
def accept(code: str, body: AcceptIn, request: Request) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return usecases.accept(ctx, actor, code, body.identity_checked_id)


@router.post("/{code}/not-accept", response_model=CaseDetail,
             summary="Do not accept, with a reason (front desk)")
def not_accept(code: str, body: NotAcceptIn, request: Request) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return usecases.not_accept(ctx, actor, code, body.reason)


@router.post("/{code}/decisions", response_model=CaseDetail,
             summary="Approve, return or refuse a ready task (approver)")
def decide(code: str, body: DecisionIn, request: Request) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return usecases.decide(ctx, actor, code, body)


def _upload(request: Request, code: str, key: str, filename: str, data: bytes) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return usecases.upload_material(ctx, actor, code, key, filename, data)


# The path ends in /upload, so the body-size middleware (api/limits.py) lets a material of
# up to `usecases.MAX_UPLOAD` (10 MB, as on the web page) through; the use case then
# refuses anything larger. The older path without /upload stays for existing callers,
# under the app-wide body limit.
@router.post("/{code}/materials/{key}/upload", response_model=CaseDetail,
             summary="Upload a missing material (applicant)",
             description="Send the file as the multipart field `file`: a whole PDF, OFD, "
                         "JPEG or PNG file of at most 10 MB. Only its base name is kept.")
async def upload(code: str, key: str, request: Request, file: UploadFile) -> CaseDetail:
    data = await file.read(usecases.MAX_UPLOAD + 1)
    return await run_in_threadpool(_upload, request, code, key, file.filename or key, data)


@router.post("/{code}/materials/{key}", response_model=CaseDetail, deprecated=True,
             summary="Upload a missing material (applicant; use …/upload)",
             description="As `POST /cases/{code}/materials/{key}/upload`, but under the "
                         "app-wide request body limit.")
async def upload_old_path(code: str, key: str, request: Request,
                          file: UploadFile) -> CaseDetail:
    return await upload(code, key, request, file)


@router.post("/{code}/claim", response_model=CaseDetail,
             summary="Take a ready task on (approver of its department)")
def claim(code: str, body: ClaimIn, request: Request) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return review.claim_task(ctx, actor, code, body.task_id)


@router.post("/{code}/release", response_model=CaseDetail,
             summary="Give a claimed task back to the department")
def release(code: str, body: ClaimIn, request: Request) -> CaseDetail:
    with acting(request) as (ctx, actor):
        return review.release_task(ctx, actor, code, body.task_id)


@router.get("/{code}/shared", response_model=list[SharedView],
            summary="The case's shared materials as the caller's department may see them",
            description="Each material is fetched through the exchange under the caller's "
                        "own agreement (masked, sealed, ledgered, in the applicant's log).")
def shared(code: str, request: Request) -> list[SharedView]:
    with acting(request) as (ctx, actor):
        return review.shared_data(ctx, actor, code)


@router.get("/{code}/materials/{key}/file", summary="The uploaded file of a material",
            response_class=Response)
def material_file(code: str, key: str, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        row = usecases.material_file(ctx, actor, code, key)
        content, media_type, filename = row.content, row.media_type, row.filename
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff"})


@router.get("/{code}/diagram.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}},
            summary="The case's process drawn with its finished, current and waiting steps",
            description="SVG of the version the case runs, for whoever may read the case "
                        "(404 for anyone else, as for the case itself).")
def case_diagram_svg(code: str, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        svg = case_diagram(ctx, actor, code[:40])
    return diagram_response(svg)
