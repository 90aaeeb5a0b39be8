"""Campaign and task routes (督办): campaigns (create, list, show, Gantt SVG, integrations),
tasks (create, list, show, report, act, dependencies, attachments), and the inbound
webhook a registered tool posts to (public: its Standard Webhooks signature is the
credential, checked by `tasks.hooks.receive`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from govbridge.api.bodies import Id
from govbridge.api.deps import acting, runtime
from govbridge.tasks import hooks, rules, usecases
from govbridge.tasks.schemas import (
    CampaignDetail,
    CampaignIn,
    CampaignOut,
    HookAccepted,
    HookEntryIn,
    IntegrationCreated,
    IntegrationIn,
    IntegrationOut,
    ReasonIn,
    ReportIn,
    TaskDetail,
    TaskIn,
    TaskOut,
)

router = APIRouter(tags=["tasks"])
Action = Literal["start", "submit", "accept", "return", "block", "unblock", "cancel"]
Code = Annotated[str, Path(min_length=1, max_length=32, description="campaign code")]
SVG = "image/svg+xml"


@router.post("/campaigns", response_model=CampaignOut, status_code=201,
             summary="Create a campaign led by a department and a leader")
def create_campaign(body: CampaignIn, request: Request) -> CampaignOut:
    with acting(request) as (ctx, actor):
        return usecases.create_campaign(ctx, actor, body)


@router.get("/campaigns", response_model=list[CampaignOut],
            summary="The campaigns you may see, rolled up over the tasks you may see")
def list_campaigns(request: Request) -> list[CampaignOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_campaigns(ctx, actor)


@router.get("/campaigns/{code}", response_model=CampaignDetail,
            summary="A campaign: tasks, roll-up by tree and department, critical path")
def show_campaign(code: Code, request: Request) -> CampaignDetail:
    with acting(request) as (ctx, actor):
        return usecases.show_campaign(ctx, actor, code)


@router.get("/campaigns/{code}/gantt.svg", response_class=Response,
            summary="The campaign's Gantt chart as SVG",
            responses={200: {"content": {SVG: {"schema": {"type": "string"}}},
                             "description": "SVG document"}})
def gantt(code: Code, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        text = usecases.gantt_svg(ctx, actor, code)
    return Response(text, media_type=SVG)


@router.get("/campaigns/{code}/integrations", response_model=list[IntegrationOut],
            summary="Tools allowed to post into the campaign's task timelines")
def list_integrations(code: Code, request: Request) -> list[IntegrationOut]:
    with acting(request) as (ctx, actor):
        return hooks.list_integrations(ctx, actor, code)


@router.post("/integrations", response_model=IntegrationCreated, status_code=201,
             summary="Register a tool for a campaign; its secret is shown this once")
def add_integration(body: IntegrationIn, request: Request) -> IntegrationCreated:
    with acting(request) as (ctx, actor):
        return hooks.add_integration(ctx, actor, body)


@router.post("/tasks", response_model=TaskOut, status_code=201,
             summary="Create a task for a department (the leader or the bureau)")
def create_task(body: TaskIn, request: Request) -> TaskOut:
    with acting(request) as (ctx, actor):
        return usecases.create_task(ctx, actor, body)


@router.get("/tasks", response_model=list[TaskOut],
            summary="Tasks you may see (a department: its own, across campaigns)")
def list_tasks(request: Request, campaign: str | None = Query(None, max_length=32),
               department: str | None = Query(None, max_length=18),
               state: Literal[rules.NOT_STARTED, rules.IN_PROGRESS, rules.SUBMITTED,  # type: ignore[valid-type]
                              rules.ACCEPTED, rules.RETURNED, rules.BLOCKED,
                              rules.CANCELLED] | None = None) -> list[TaskOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_tasks(ctx, actor, campaign=campaign, department=department,
                                   state=state)


@router.get("/tasks/{task_id}", response_model=TaskDetail,
            summary="A task with its timeline and what you may do with it")
def show_task(task_id: Id, request: Request) -> TaskDetail:
    with acting(request) as (ctx, actor):
        return usecases.show_task(ctx, actor, task_id)


@router.post("/tasks/{task_id}/reports", response_model=TaskDetail,
             summary="Report progress (the owning department); `submit` submits it")
def report(task_id: Id, body: ReportIn, request: Request) -> TaskDetail:
    with acting(request) as (ctx, actor):
        return usecases.report_progress(ctx, actor, task_id, body)


@router.post("/tasks/{task_id}/{action}", response_model=TaskDetail,
             summary="Start, submit, block, unblock (the department); accept, return, "
                     "cancel (the leader); a reason to return, block or cancel")
def act(task_id: Id, action: Action, body: ReasonIn, request: Request) -> TaskDetail:
    with acting(request) as (ctx, actor):
        return usecases.act(ctx, actor, task_id, action, body)


@router.post("/tasks/{task_id}/dependencies/{predecessor}", response_model=TaskOut,
             summary="Make the task wait for another (finish-to-start); a cycle is refused")
def depend(task_id: Id, predecessor: Id, request: Request,
           lag: int = Query(0, ge=0, le=250)) -> TaskOut:
    with acting(request) as (ctx, actor):
        return usecases.add_dependency(ctx, actor, task_id, predecessor, lag)


@router.get("/tasks/{task_id}/attachments/{attachment_id}", response_class=Response,
            summary="A report's attached file",
            responses={200: {"content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}},
                "description": "The file, as a download"}})
def attachment(task_id: Id, attachment_id: Id, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        f = usecases.attachment(ctx, actor, task_id, attachment_id)
        content, filename = f.content, f.filename
    return Response(content, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(filename)}",
        "X-Content-Type-Options": "nosniff"})


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.post("/task-hooks/{integration_id}", response_model=HookAccepted, status_code=201,
             summary="A registered tool posts an entry into a task's timeline (signed)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": HookEntryIn.model_json_schema()}}}},
             responses={401: {"description": "The Standard Webhooks signature, timestamp "
                              "or integration could not be verified"}})
async def hook(integration_id: Id, request: Request) -> HookAccepted:
    body = await request.body()
    headers = dict(request.headers)
    rt = runtime(request)

    def receive() -> HookAccepted:
        with rt.context() as ctx:
            return hooks.receive(ctx, integration_id, headers, body)

    return await run_in_threadpool(receive)
