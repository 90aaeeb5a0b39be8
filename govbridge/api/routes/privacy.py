"""Privacy job routes: propose, list, read, decide (each party), run, and a person's own
computations. The result appears in a job only for the receiving department's callers."""

from __future__ import annotations

from fastapi import APIRouter, Request

from govbridge.api.deps import acting, authenticate, runtime
from govbridge.privacy import usecases
from govbridge.privacy.schemas import ComputationUseOut, DecisionIn, JobIn, JobOut

router = APIRouter(prefix="/privacy", tags=["privacy"])


@router.post("/jobs", response_model=JobOut, status_code=201,
             summary="Propose a privacy job (PSI, secure aggregation, federated learning)")
def create_job(body: JobIn, request: Request) -> JobOut:
    with acting(request) as (ctx, actor):
        return usecases.create_job(ctx, actor, body)


@router.get("/jobs", response_model=list[JobOut],
            summary="Jobs your department takes part in or receives (all for the bureau)")
def list_jobs(request: Request, state: str | None = None) -> list[JobOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_jobs(ctx, actor, state)


@router.get("/jobs/{code}", response_model=JobOut,
            summary="A job: parties, what is revealed to whom, receipt; result to the receiver")
def get_job(code: str, request: Request) -> JobOut:
    with acting(request) as (ctx, actor):
        return usecases.get_job(ctx, actor, code)


@router.post("/jobs/{code}/decision", response_model=JobOut,
             summary="A party approves the job, or refuses it with a reason")
def decide(code: str, body: DecisionIn, request: Request) -> JobOut:
    with acting(request) as (ctx, actor):
        return usecases.decide(ctx, actor, code, body)


@router.post("/jobs/{code}/run", response_model=JobOut,
             summary="Run an approved job: each party computes in its own process")
def run_job(code: str, request: Request) -> JobOut:
    rt = runtime(request)
    with rt.context() as ctx:
        actor = authenticate(ctx, request)
    return usecases.run_job(rt, actor, code).job


@router.get("/my-computations", response_model=list[ComputationUseOut],
            summary="Computations that read a dataset holding your record (never results)")
def my_computations(request: Request) -> list[ComputationUseOut]:
    with acting(request) as (ctx, actor):
        return usecases.my_computations(ctx, actor)
