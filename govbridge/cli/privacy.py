"""`govbridge privacy ...`: privacy jobs (隐私计算任务) and the demo computations.

The local operator may act as a department's user with `--as USERNAME` (the operator holds
the data directory, so it could anyway; the actions are recorded under that user): a
result is shown only to the receiving department's users, never to the bare operator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy import select

from govbridge.cli.common import JsonOpt, emit, fail, out, settings, use_case
from govbridge.core.errors import DomainError
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.models import User
from govbridge.privacy import usecases
from govbridge.privacy.schemas import JobIn, JobOut
from govbridge.runtime import Ctx, Runtime

privacy_app = typer.Typer(help="Privacy computing (隐私计算): PSI, secure aggregation, "
                          "federated learning.", no_args_is_help=True)
job_app = typer.Typer(help="Privacy jobs: create, approve, run, show.", no_args_is_help=True)
privacy_app.add_typer(job_app, name="job")

AsOpt = typer.Option(None, "--as", help="Act as this user (a department's officer)")
COLUMNS = ["code", "computation", "state", "purpose", "receipt"]


def _as(ctx: Ctx, actor: Actor, username: str | None) -> Actor:
    if not username:
        return actor
    user = ctx.db.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise fail(f"--as: no active user {username!r}", 2)
    return Actor.for_user(user_id=user.id, username=user.username,
                          roles=frozenset(Role(r) for r in user.roles),
                          organization_id=user.organization_id, subject_id=user.subject_id)


def _party(text: str) -> dict[str, Any]:
    """ORG:RESOURCE[:name=value,...] with key_field, value_field, features (a|b), label."""
    parts = text.split(":", 2)
    if len(parts) < 2:
        raise fail(f"--party: use ORG_CODE:RESOURCE_CODE[:key_field=...,value_field=...] "
                   f"(value {text!r})", 2)
    party: dict[str, Any] = {"org_code": parts[0], "resource_code": parts[1]}
    for item in (parts[2].split(",") if len(parts) == 3 and parts[2] else []):
        name, sep, value = item.partition("=")
        if not sep or name not in ("key_field", "value_field", "features", "label"):
            raise fail(f"--party: unknown option {item!r}", 2)
        party[name] = value.split("|") if name == "features" else value
    return party


def _params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise fail(f"--param: use NAME=VALUE (JSON), e.g. epsilon=1 (value {item!r})", 2)
        try:
            params[name.strip()] = json.loads(value)
        except ValueError:
            params[name.strip()] = value
    return params


def _show(job: JobOut, as_json: bool) -> None:
    if as_json:
        emit(job, True)
        return
    emit(job, False, COLUMNS)
    emit([p.model_dump() for p in job.parties], False,
         ["org_name", "resource_code", "fields", "decision", "decided_by"], title="Parties")
    out.print(f"revealed to {job.revealed_to.org_name}: {', '.join(job.revealed_to.what)}")
    if job.result is not None:
        out.print_json(json.dumps(job.result, ensure_ascii=False))


@contextmanager
def _runtime() -> Iterator[Runtime]:
    rt = Runtime(settings())
    try:
        yield rt
    except DomainError as exc:
        raise fail(exc.detail) from None
    finally:
        rt.dispose()


@job_app.command("create")
def create_cmd(
    computation: str | None = typer.Option(None, help="psi.count | psi.intersection | psi.sum "
                                           "| aggregate.* | federated.logistic | federated.svm"),
    receiver: str | None = typer.Option(None, help="Receiving department's credit code"),
    purpose: str | None = typer.Option(None, help="Why, in words"),
    party: list[str] = typer.Option([], "--party", help="ORG:RESOURCE[:key_field=..,"
                                    "value_field=..,features=a|b,label=..] (repeat)"),
    param: list[str] = typer.Option([], "--param", help="NAME=VALUE (repeat)"),
    file: Path | None = typer.Option(None, "--file", help="The whole job as JSON"),
    as_user: str | None = AsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Propose a job; every party is asked to approve it."""
    data: dict[str, Any] = json.loads(file.read_text("utf-8")) if file else {}
    data.update({k: v for k, v in {"computation": computation, "receiver": receiver,
                                   "purpose": purpose}.items() if v is not None})
    if party:
        data["parties"] = [_party(p) for p in party]
    if param:
        data["params"] = {**data.get("params", {}), **_params(param)}
    try:
        job_in = JobIn(**data)
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise fail("; ".join(lines), 2) from None
    with use_case() as (ctx, actor):
        job = usecases.create_job(ctx, _as(ctx, actor, as_user), job_in)
    _show(job, as_json)


@job_app.command("approve")
def approve_cmd(
    code: str = typer.Argument(..., help="The job's code"),
    refuse: str | None = typer.Option(None, "--refuse", help="Refuse, with this reason"),
    party: str | None = typer.Option(None, help="The deciding party (default: your own)"),
    as_user: str | None = AsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """A party approves the job (what is revealed, to whom), or refuses it with a reason."""
    with use_case() as (ctx, actor):
        job = usecases.decide(ctx, _as(ctx, actor, as_user), code, {
            "decision": "refuse" if refuse is not None else "approve", "reason": refuse,
            "party": party})
    _show(job, as_json)


@job_app.command("run")
def run_cmd(
    code: str = typer.Argument(..., help="The job's code"),
    as_user: str | None = AsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run an approved job: each party computes in its own process, the hub relays."""
    with _runtime() as rt:
        with rt.context() as ctx:
            actor = _as(ctx, Actor.operator("cli"), as_user)
        ran = usecases.run_job(rt, actor, code)
    _show(ran.job, as_json)


@job_app.command("show")
def show_cmd(
    code: str = typer.Argument(..., help="The job's code"),
    as_user: str | None = AsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """A job: state, parties, what is revealed to whom, the result (receiver only), receipt."""
    with use_case() as (ctx, actor):
        job = usecases.get_job(ctx, _as(ctx, actor, as_user), code)
    _show(job, as_json)


@job_app.command("list")
def list_cmd(
    state: str | None = typer.Option(None, help="Only jobs in this state"),
    as_user: str | None = AsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Jobs your department takes part in (every job for the bureau and the operator)."""
    with use_case() as (ctx, actor):
        jobs = usecases.list_jobs(ctx, _as(ctx, actor, as_user), state)
    emit(jobs, as_json, COLUMNS)


@privacy_app.command("demo")
def demo_cmd(
    seed: int = typer.Option(20261123, help="The demo city's seed"),
    as_json: bool = JsonOpt,
) -> None:
    """Run the three demo computations end to end (create, every party approves, run)."""
    from govbridge.demo.privacy import load_demo_privacy, run_demo

    with _runtime() as rt:
        try:
            load_demo_privacy(rt, seed)
            report = run_demo(rt)
        except LookupError as exc:
            raise fail(str(exc)) from None
    if as_json:
        emit(report, True)
        return
    for item in report:
        out.print(f"[bold]{item['computation']}[/] {item['job']} ({item['state']}, receipt "
                  f"{item['receipt']}, {item['seconds']} s)")
        out.print_json(json.dumps({"result": item["result"], "plain": item["plain"]},
                                  ensure_ascii=False))
