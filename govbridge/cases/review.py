"""The back office at work on a case: claiming a task (领办), and the shared data an
approver sees — fetched by the approver's own department through the exchange, with the
case's service item as purpose, so it is masked per that department's agreement, ledgered,
and shown in the applicant's access log like every other access."""

from __future__ import annotations

from govbridge.agreements.policy import AgreementDenied
from govbridge.cases.schemas import CaseDetail, SharedView
from govbridge.cases.usecases import (
    _detail,
    _event,
    _item_orgs,
    _save,
    find_case,
    ready_task,
    view_through_case,
)
from govbridge.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govbridge.core.permissions import Permission
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx
from govbridge.services import usecases as services

SHARED_KINDS = ("certificate", "dataset")


def can_claim(actor: Actor, claimed_by: str | None) -> bool:
    """Whether `actor` may claim a ready task its department decides: no one holds it, or
    they do already (claiming again changes nothing). Pure."""
    return not claimed_by or claimed_by == actor.label


def can_release(actor: Actor, claimed_by: str | None) -> bool:
    """Whether `actor` may give a claimed task back: only whoever claimed it. Pure."""
    return claimed_by is not None and claimed_by == actor.label


def claim_task(ctx: Ctx, actor: Actor, code: str, task_id: str) -> CaseDetail:
    """Take a ready task on (领办): colleagues see who holds it and cannot decide it."""
    case, run, task = ready_task(ctx, actor, code, task_id)
    if not can_claim(actor, task.claimed_by):
        raise Conflict(f"task {task.name} is already claimed by {task.claimed_by}",
                       "task_id", task_id)
    run.claim(task.id, actor.label)
    _save(case, run)
    _event(ctx, case, actor.label, "claimed", task=task.name, department=task.department)
    ctx.db.flush()
    return _detail(ctx, case)


def release_task(ctx: Ctx, actor: Actor, code: str, task_id: str) -> CaseDetail:
    """Give a claimed task back to the department (the claimer only)."""
    case, run, task = ready_task(ctx, actor, code, task_id)
    if not can_release(actor, task.claimed_by):
        raise Conflict(f"task {task.name} is not claimed by you", "task_id", task_id)
    run.claim(task.id, None)
    _save(case, run)
    _event(ctx, case, actor.label, "released", task=task.name, department=task.department)
    ctx.db.flush()
    return _detail(ctx, case)


def _titles(ctx: Ctx, resource_code: str) -> dict[str, str]:
    from govbridge.catalog.usecases import find_dataset, published_fields

    return {f["name"]: f.get("title") or f["name"]
            for f in published_fields(find_dataset(ctx, resource_code))}


def shared_data(ctx: Ctx, actor: Actor, code: str) -> list[SharedView]:
    """Every shared material of the case as the caller's department may see it."""
    case = find_case(ctx, code)
    org = actor.organization_id
    if org is None or org not in _item_orgs(ctx, case):
        raise NotFound("case", code)  # not confirmed to one who may not know of it
    if not {Permission.CASE_DECIDE, Permission.CASE_DECIDE_OWN_ORG, Permission.CASE_ACCEPT,
            Permission.CASE_ACCEPT_OWN_ORG} & actor.permissions:
        raise PermissionDenied(Permission.CASE_DECIDE.value)
    if case.state not in ("accepted", "in_progress"):
        raise Conflict(f"case {case.code} is {case.state}: its data is no longer viewed",
                       "state", case.state)
    item = services.find_item(ctx, case.item_code)
    views: list[SharedView] = []
    for m in item.materials or []:
        if m["kind"] not in SHARED_KINDS:
            continue
        view = SharedView(key=m["key"], name=m["name"], resource_code=m.get("resource_code"),
                          status="not_shared")
        if view.resource_code:
            try:
                answer = view_through_case(ctx, actor, org, case, view.resource_code)
            except AgreementDenied as exc:
                view.status, view.detail = "no_agreement", exc.reason
            except DomainError as exc:  # e.g. the provider's node is down, a limit reached
                view.status, view.detail = "unavailable", exc.title
            else:
                data = answer.data
                view.status, view.rows = "shown", list(data.get("rows") or [])
                view.agreement, view.query_id = data.get("agreement"), data.get("query_id")
                view.masked_fields = [f["name"] for f in data.get("fields") or []
                                      if f.get("mask") != "raw"]
                view.titles = _titles(ctx, view.resource_code)
        views.append(view)
    return views
