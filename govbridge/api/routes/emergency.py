"""Emergency routes: rules, CAP alerts, response plans, incidents and dispatches.

The same use cases as the CLI and the pages (`govbridge.emergency`); a department's
officer sees and acts on its own dispatches only (another's is a 404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from govbridge.api.deps import acting
from govbridge.emergency import alerts, incidents, rulebook
from govbridge.emergency.rules import RuleIn
from govbridge.emergency.schemas import (
    AlertChangeIn,
    AlertOut,
    CommitIn,
    DispatchOut,
    DispatchPlanIn,
    IncidentBoard,
    IncidentIn,
    IncidentOut,
    PlanIn,
    PlanOut,
    ReportIn,
    RuleOut,
    RuleTestOut,
)

router = APIRouter(tags=["emergency"])

Code = Annotated[str, Path(min_length=1, max_length=160, pattern=r"^[A-Za-z0-9._-]+$")]
CAP_XML = {200: {"content": {"application/cap+xml": {}}}}


@router.get("/emergency/rules", response_model=list[RuleOut], summary="Alert rules")
def list_rules(request: Request, all_versions: bool = False) -> list[RuleOut]:
    with acting(request) as (ctx, actor):
        return rulebook.list_rules(ctx, actor, all_versions=all_versions)


@router.post("/emergency/rules", response_model=RuleOut, status_code=201,
             summary="Create a rule (or its next version); refused when unbounded or when a "
             "field is missing")
def create_rule(body: RuleIn, request: Request, draft: bool = False) -> RuleOut:
    with acting(request) as (ctx, actor):
        return rulebook.create_rule(ctx, actor, body, draft=draft)


@router.post("/emergency/rules/test", response_model=RuleTestOut,
             summary="What a rule not stored yet would fire on the recorded readings")
def test_new_rule(body: RuleIn, request: Request) -> RuleTestOut:
    with acting(request) as (ctx, actor):
        return rulebook.test_rule(ctx, actor, body)


@router.get("/emergency/rules/{code}/test", response_model=RuleTestOut,
            summary="What a stored rule would fire on the recorded readings")
def test_rule(code: Code, request: Request) -> RuleTestOut:
    with acting(request) as (ctx, actor):
        return rulebook.test_rule(ctx, actor, code)


@router.get("/emergency/alerts", response_model=list[AlertOut], summary="Alerts, oldest first")
def list_alerts(request: Request, limit: int = Query(500, ge=1, le=10_000)) -> list[AlertOut]:
    with acting(request) as (ctx, actor):
        return alerts.list_alerts(ctx, actor, limit=limit)


@router.get("/emergency/alerts.xml", response_class=Response, responses=CAP_XML,
            summary="Every alert as CAP 1.2 (one cap:alert per alert)")
def alerts_cap(request: Request, limit: int = Query(500, ge=1, le=10_000)) -> Response:
    with acting(request) as (ctx, actor):
        document = alerts.alerts_cap(ctx, actor, limit=limit)
    return Response(document, media_type="application/cap+xml")


@router.get("/emergency/alerts/{identifier}/cap", response_class=Response, responses=CAP_XML,
            summary="One alert's CAP 1.2 document as sent; its seal in X-Seal")
def alert_cap(identifier: Code, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        document, seal = alerts.alert_document(ctx, actor, identifier)
    return Response(document, media_type="application/cap+xml", headers={"X-Seal": seal})


@router.post("/emergency/alerts/{identifier}/change", response_model=AlertOut, status_code=201,
             summary="Update or cancel an alert (a new CAP message referencing it)")
def change_alert(identifier: Code, body: AlertChangeIn, request: Request) -> AlertOut:
    with acting(request) as (ctx, actor):
        return alerts.change_alert(ctx, actor, identifier, body)


@router.get("/emergency/plans", response_model=list[PlanOut], summary="Response plans (预案)")
def list_plans(request: Request) -> list[PlanOut]:
    with acting(request) as (ctx, actor):
        return incidents.list_plans(ctx, actor)


@router.post("/emergency/plans", response_model=PlanOut, status_code=201,
             summary="Store a response plan (replaces one with the same code)")
def create_plan(body: PlanIn, request: Request) -> PlanOut:
    with acting(request) as (ctx, actor):
        return incidents.create_plan(ctx, actor, body)


@router.get("/incidents", response_model=list[IncidentOut], summary="Incidents, newest first")
def list_incidents(request: Request, every: bool = Query(False, alias="all")
                   ) -> list[IncidentOut]:
    with acting(request) as (ctx, actor):
        return incidents.list_incidents(ctx, actor, status=None if every else "open")


@router.post("/incidents", response_model=IncidentOut, status_code=201,
             summary="Open an incident by hand (duty officer)")
def open_incident(body: IncidentIn, request: Request) -> IncidentOut:
    with acting(request) as (ctx, actor):
        return incidents.open_incident(ctx, actor, body)


@router.get("/incidents/{code}", response_model=IncidentBoard,
            summary="The incident board: alerts, resources per department, timeline")
def incident_board(code: Code, request: Request) -> IncidentBoard:
    with acting(request) as (ctx, actor):
        return incidents.board(ctx, actor, code)


@router.post("/incidents/{code}/dispatch", response_model=list[DispatchOut], status_code=201,
             summary="Dispatch a response plan to its departments in one step")
def dispatch(code: Code, body: DispatchPlanIn, request: Request) -> list[DispatchOut]:
    with acting(request) as (ctx, actor):
        return incidents.dispatch_plan(ctx, actor, code, body.plan)


@router.get("/dispatches", response_model=list[DispatchOut],
            summary="Dispatches (a department: its own)")
def list_dispatches(request: Request, incident: str | None = Query(None, max_length=40)
                    ) -> list[DispatchOut]:
    with acting(request) as (ctx, actor):
        return incidents.list_dispatches(ctx, actor, incident=incident)


@router.get("/dispatches/{code}", response_model=DispatchOut, summary="One dispatch")
def get_dispatch(code: Code, request: Request) -> DispatchOut:
    with acting(request) as (ctx, actor):
        return incidents.get_dispatch(ctx, actor, code)


@router.post("/dispatches/{code}/commit", response_model=DispatchOut,
             summary="Commit resources (what, how many, arriving when)")
def commit(code: Code, body: CommitIn, request: Request) -> DispatchOut:
    with acting(request) as (ctx, actor):
        return incidents.commit_dispatch(ctx, actor, code, body)


@router.post("/dispatches/{code}/report", response_model=DispatchOut,
             summary="Report the deployment status")
def report(code: Code, body: ReportIn, request: Request) -> DispatchOut:
    with acting(request) as (ctx, actor):
        return incidents.report_dispatch(ctx, actor, code, body)


@router.post("/dispatches/{code}/release", response_model=DispatchOut,
             summary="Release the department's resources (command centre)")
def release(code: Code, request: Request) -> DispatchOut:
    with acting(request) as (ctx, actor):
        return incidents.release_dispatch(ctx, actor, code)
