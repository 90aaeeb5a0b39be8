"""Sharing agreement routes: request, list, read, decide, revoke, overdue requests."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request

from govbridge.agreements import usecases
from govbridge.agreements.schemas import (
    AgreementOut,
    AgreementRequestIn,
    DecisionIn,
    OverdueOut,
    RevokeIn,
)
from govbridge.api.deps import acting

router = APIRouter(prefix="/agreements", tags=["agreements"])


@router.post("", response_model=AgreementOut, status_code=201,
             summary="Request fields of a published dataset for a purpose")
def request_agreement(body: AgreementRequestIn, request: Request) -> AgreementOut:
    with acting(request) as (ctx, actor):
        return usecases.request_agreement(ctx, actor, body)


@router.get("", response_model=list[AgreementOut],
            summary="Agreements where your organization consumes or provides, or all")
def list_agreements(request: Request, role: Literal["consumer", "provider", "all"] = "all",
                    state: str | None = None) -> list[AgreementOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_agreements(ctx, actor, role, state)


@router.get("/overdue", response_model=list[OverdueOut],
            summary="Requests past their answer deadline (data bureau)")
def overdue(request: Request) -> list[OverdueOut]:
    with acting(request) as (ctx, actor):
        return usecases.overdue(ctx, actor)


@router.get("/{code}", response_model=AgreementOut)
def get_agreement(code: str, request: Request) -> AgreementOut:
    with acting(request) as (ctx, actor):
        return usecases.get_agreement(ctx, actor, code)


@router.post("/{code}/decision", response_model=AgreementOut,
             summary="The provider approves (all or some fields) or refuses with a reason")
def decide(code: str, body: DecisionIn, request: Request) -> AgreementOut:
    with acting(request) as (ctx, actor):
        return usecases.answer(ctx, actor, code, body)


@router.post("/{code}/revoke", response_model=AgreementOut,
             summary="End an agreement, or withdraw a pending request")
def revoke(code: str, body: RevokeIn, request: Request) -> AgreementOut:
    with acting(request) as (ctx, actor):
        return usecases.revoke(ctx, actor, code, body.reason)
