"""Use cases of sharing agreements, each `fn(ctx, actor, ...)` checking its permission
first: request, decide (answer), revoke, read, list, overdue; and the predicates they check
and the pages ask (`can_decide`, `can_revoke`, `can_query`, `allowed`).

Every state change (requested, approved, partially approved, refused, revoked) appends
an entry to the ledger in the same transaction; a request notifies the provider's data
officers and an answer the requester (notifications/outbox.py), in that transaction too.
Expiry is not a write: an agreement reads as expired once its `valid_until` has passed
(see `policy.effective_state`), and like a revocation it takes effect on the next call
through `lookup.active_agreement_for`.
Lookups and the shape shown without an actor are in `lookup.py`; `today` is imported from
there and stays reachable here for the web pages that still read it from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import Select, and_, func, or_, select

from govbridge.agreements import policy
from govbridge.agreements.lookup import calendar, find_agreement, state_of, to_out, today
from govbridge.agreements.models import Agreement
from govbridge.agreements.schemas import (
    AgreementOut,
    AgreementRequestIn,
    DecisionIn,
    OverdueOut,
    RevokeIn,
)
from govbridge.agreements.workdays import add_working_days
from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset, published_fields
from govbridge.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from govbridge.core.inputs import checked
from govbridge.core.masking import RAW, parse_operator, resolve_grant
from govbridge.core.permissions import Permission, allows
from govbridge.governance import points
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.notifications.outbox import (
    already_sent,
    notify,
    officers_of,
    requester_or_officers,
)
from govbridge.runtime import Ctx
from govbridge.standards.usecases import spec_of

Role = Literal["consumer", "provider", "all"]
# Who decides an unconditional grant: nobody, the catalog entry did.
AUTO_DECIDER = "system:unconditional"
# How an answer is named in the requester's notification.
ANSWER_WORDS = {policy.APPROVED: "已批准", policy.PARTIALLY_APPROVED: "部分批准",
                policy.REFUSED: "不予批准"}


# ---- helpers ---------------------------------------------------------------------------


def _next_code(ctx: Ctx) -> str:
    prefix = f"AGR-{today(ctx).year}-"
    last = ctx.db.scalar(select(func.max(Agreement.code)).where(Agreement.code.like(prefix + "%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def _ledger(ctx: Ctx, kind: str, agr: Agreement, actor_label: str,
            **extra: Any) -> None:
    from govbridge.ledger import log

    ds = agr.dataset
    payload: dict[str, Any] = {
        "agreement": agr.code,
        "consumer": agr.consumer.code,
        "provider": ds.provider.code,
        "dataset": ds.resource_code,
        "dataset_version": agr.dataset_version,
        "state": agr.state,
        "by": actor_label,
    }
    payload.update({k: v for k, v in extra.items() if v is not None})
    log.append(ctx, kind, payload)


def _consumer(ctx: Ctx, actor: Actor, code: str | None) -> Organization:
    if code:
        return referenced_organization(ctx, code, "consumer_code")
    if actor.organization_id is None:
        raise InvalidInput.one(
            "consumer_code", "give the requesting organization's code", None, "required"
        )
    org = ctx.db.get(Organization, actor.organization_id)
    assert org is not None
    return org


def _field_facts(ctx: Ctx, ds: Dataset) -> dict[str, tuple[str, str | None]]:
    """Published field name → (grade, element default mask)."""
    facts: dict[str, tuple[str, str | None]] = {}
    for f in published_fields(ds):
        spec = spec_of(ctx, f["element"], f.get("element_version"))
        facts[f["name"]] = (f["grade"], spec.default_mask)
    return facts


def _grants(ctx: Ctx, ds: Dataset, fields: list[str],
            masks: dict[str, str] | None) -> dict[str, str]:
    """Concrete grants: each field "raw" or the mask the exchange will apply."""
    facts = _field_facts(ctx, ds)
    masks = masks or {}
    problems: list[FieldProblem] = []
    for name, op in masks.items():
        where = f"masks.{name}"
        if name not in fields:
            problems.append(FieldProblem(where, "field is not among the approved fields", name,
                                         "not_approved"))
            continue
        if op.strip().lower() == RAW:
            if facts[name][0] == "core":
                problems.append(FieldProblem(where, "core data is never shared raw", op,
                                             "core_raw"))
            continue
        try:
            parse_operator(op, field=where)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return {f: resolve_grant(facts[f][0], facts[f][1], masks.get(f)) for f in fields}


def _can(actor: Actor, permission: Permission, org_id: int | None) -> bool:
    return allows(actor.permissions, permission, actor_org_id=actor.organization_id,
                  target_org_id=org_id)


# ---- who may do what (the use cases check these; pages ask them to offer their forms) ---


def can_decide(actor: Actor, agr: Agreement) -> bool:
    """The provider's deciders may answer a request (while it awaits a decision)."""
    return _can(actor, Permission.AGREEMENT_DECIDE, agr.dataset.provider_id)


def can_revoke(actor: Actor, agr: Agreement) -> bool:
    """The consumer (who may request for its organization), the provider (who may decide
    for its organization) and the data bureau (catalog review authority) may revoke."""
    return (
        _can(actor, Permission.AGREEMENT_REQUEST, agr.consumer_org_id)
        or can_decide(actor, agr)
        or Permission.CATALOG_REVIEW in actor.permissions
    )


def can_query(actor: Actor, agr: Agreement) -> bool:
    """The consumer's querying officers may query through a granted agreement."""
    return _can(actor, Permission.EXCHANGE_QUERY, agr.consumer_org_id)


@dataclass(frozen=True)
class Allowed:
    """What the actor may do with one agreement now, its state considered."""

    revoke: bool
    query: bool
    decide: bool


def allowed(ctx: Ctx, actor: Actor, code: str) -> Allowed:
    """The answers of the predicates for one agreement in its present state (a page offers
    only these forms; the use cases still check on every request)."""
    agr = find_agreement(ctx, code)
    state = state_of(ctx, agr)
    return Allowed(
        revoke=state in policy.REVOCABLE and can_revoke(actor, agr),
        query=state in policy.GRANTED and can_query(actor, agr),
        decide=state == policy.REQUESTED and can_decide(actor, agr),
    )


def _require_visible(actor: Actor, agr: Agreement) -> None:
    """The parties and the bureau read an agreement; to anyone else it does not exist (a
    403 would confirm the code)."""
    if _can(actor, Permission.AGREEMENT_READ, agr.consumer_org_id) or _can(
        actor, Permission.AGREEMENT_READ, agr.dataset.provider_id
    ):
        return
    raise NotFound("agreement", agr.code)


# ---- request ---------------------------------------------------------------------------


def _check_request(ctx: Ctx, data: AgreementRequestIn, ds: Dataset,
                   consumer: Organization) -> tuple[list[str], date]:
    problems: list[FieldProblem] = []
    if ds.status != "published" or ds.published_version is None:
        raise InvalidInput.one("resource_code", "dataset is not published", ds.resource_code,
                               "not_published")
    if not policy.requestable(ds.share_type):
        raise InvalidInput.one(
            "share_type", "dataset is not shared (不予共享) and cannot be requested",
            ds.share_type, "not_shared",
        )
    if ds.provider_id == consumer.id:
        problems.append(FieldProblem("consumer_code",
                                     "a department does not request its own dataset",
                                     consumer.code, "own_dataset"))
    known = {f["name"] for f in published_fields(ds)}
    fields = list(dict.fromkeys(f.strip() for f in data.fields))
    for i, name in enumerate(fields):
        if name not in known:
            problems.append(FieldProblem(f"fields[{i}]",
                                         f"no such field in version {ds.published_version}",
                                         name, "unknown_field"))
    if data.purpose_kind == "service_item" and not (data.purpose_code or "").strip():
        problems.append(FieldProblem("purpose_code", "name the service item's code", None,
                                     "required"))
    start = data.valid_from or today(ctx)
    if data.valid_until < today(ctx):
        problems.append(FieldProblem("valid_until", "must not be in the past",
                                     data.valid_until.isoformat(), "past"))
    elif data.valid_until < start:
        problems.append(FieldProblem("valid_until", "must not be before valid_from",
                                     data.valid_until.isoformat(), "before_start"))
    if problems:
        raise InvalidInput(problems)
    return fields, start


def request_agreement(ctx: Ctx, actor: Actor, data: AgreementRequestIn) -> AgreementOut:
    """A consumer department asks for fields of a published dataset for a purpose.

    Unconditional data is approved at once with every requested field granted
    (masks from the fields' grades and elements); conditional data waits for the
    provider until `answer_due` (working days from settings); 不予共享 cannot be asked for.
    """
    if not {Permission.AGREEMENT_REQUEST, Permission.AGREEMENT_REQUEST_OWN_ORG} & actor.permissions:
        raise PermissionDenied(Permission.AGREEMENT_REQUEST.value)
    data = checked(AgreementRequestIn, data)
    consumer = _consumer(ctx, actor, data.consumer_code)
    require(actor, Permission.AGREEMENT_REQUEST, organization_id=consumer.id)
    ds = find_dataset(ctx, data.resource_code)
    fields, start = _check_request(ctx, data, ds, consumer)
    agr = Agreement(
        code=_next_code(ctx),
        consumer_org_id=consumer.id,
        dataset_id=ds.id,
        dataset_version=ds.published_version,
        fields=fields,
        grants={},
        purpose_kind=data.purpose_kind,
        purpose_code=(data.purpose_code or "").strip() or None,
        purpose_text=data.purpose_text.strip(),
        valid_from=start,
        valid_until=data.valid_until,
        rate_per_minute=data.rate_per_minute,
        daily_volume=data.daily_volume,
        state=policy.REQUESTED,
        requested_by=actor.label,
        created_at=ctx.now(),
    )
    agr.consumer = consumer
    agr.dataset = ds
    purpose = {"kind": agr.purpose_kind, "code": agr.purpose_code, "text": agr.purpose_text}
    common = {"fields": fields, "purpose": purpose, "valid_from": start.isoformat(),
              "valid_until": agr.valid_until.isoformat()}
    if policy.granted_at_once(ds.share_type):
        ctx.db.add(agr)
        ctx.db.flush()
        _ledger(ctx, "agreement.requested", agr, actor.label, **common)
        agr.grants = _grants(ctx, ds, fields, None)
        agr.state = policy.APPROVED
        agr.decided_by = AUTO_DECIDER
        agr.decided_at = ctx.now()
        _ledger(ctx, "agreement.approved", agr, AUTO_DECIDER, grants=agr.grants)
        points.on_approval(ctx, agr)  # sharing points, if the bureau charges approvals
    else:
        agr.answer_due = add_working_days(today(ctx), ctx.settings.agreement_answer_days,
                                          calendar(ctx))
        ctx.db.add(agr)
        ctx.db.flush()
        _ledger(ctx, "agreement.requested", agr, actor.label,
                answer_due=agr.answer_due.isoformat(), **common)
    record(ctx, actor, "agreement.request", "agreement", agr.code,
           {"dataset": ds.resource_code, "fields": fields, "state": agr.state})
    notify(ctx, officers_of(ctx, ds.provider_id), f"agreement.{agr.state}",
           f"共享申请 {agr.code}：{consumer.name} 申请「{ds.name}」",
           f"{consumer.name} 申请共享「{ds.name}」（{ds.resource_code}）的 {len(fields)} 个字段，"
           f"用途：{agr.purpose_text}。" + (f"请于 {agr.answer_due.isoformat()} 前答复。"
                                          if agr.answer_due else "无条件共享，已自动批准。"),
           link=f"/agreements/{agr.code}")
    ctx.emit("agreement.changed", {"code": agr.code, "state": agr.state})
    return to_out(ctx, agr)


# ---- decide ----------------------------------------------------------------------------


def decide(
    ctx: Ctx,
    actor: Actor,
    code: str,
    *,
    approve_fields: list[str] | None = None,
    masks: dict[str, str] | None = None,
    refuse_reason: str | None = None,
) -> AgreementOut:
    """The provider's answer to a pending request.

    `refuse_reason` given: refused (the reason must not be blank; no fields or masks may
    accompany it). Otherwise approved: every requested field (`approve_fields` None) or
    the given non-empty subset (then partially approved), each field granted "raw" or
    masked per `masks` and the masking rule (`core.masking.field_mask`).
    """
    agr = find_agreement(ctx, code)
    ds = agr.dataset
    require(actor, Permission.AGREEMENT_DECIDE, organization_id=ds.provider_id)
    if agr.state != policy.REQUESTED:
        raise Conflict(f"agreement {agr.code} is {state_of(ctx, agr)}, not awaiting a decision",
                       "state", state_of(ctx, agr))
    checked(DecisionIn, {"decision": "approve" if refuse_reason is None else "refuse",
                         "fields": approve_fields, "masks": masks, "reason": refuse_reason})
    now = ctx.now()
    if refuse_reason is not None:
        if approve_fields is not None or masks:
            raise InvalidInput.one("fields", "a refusal grants no fields", None, "refusal")
        if not refuse_reason.strip():
            raise InvalidInput.one("reason", "say why the request is refused", None, "required")
        agr.state = policy.REFUSED
        agr.decision_reason = refuse_reason.strip()
        agr.decided_by, agr.decided_at = actor.label, now
        _ledger(ctx, "agreement.refused", agr, actor.label, reason=agr.decision_reason)
    else:
        chosen = list(agr.fields) if approve_fields is None else list(
            dict.fromkeys(f.strip() for f in approve_fields)
        )
        if not chosen:
            raise InvalidInput.one("fields", "approve at least one field, or refuse with a "
                                   "reason", None, "required")
        outside = [f for f in chosen if f not in agr.fields]
        if outside:
            raise InvalidInput([FieldProblem("fields", "field was not requested", f,
                                             "not_requested") for f in outside])
        agr.grants = _grants(ctx, ds, chosen, masks)
        partial = set(chosen) != set(agr.fields)
        agr.state = policy.PARTIALLY_APPROVED if partial else policy.APPROVED
        agr.decided_by, agr.decided_at = actor.label, now
        _ledger(ctx, "agreement.approved", agr, actor.label, grants=agr.grants,
                refused_fields=[f for f in agr.fields if f not in agr.grants] or None)
        points.on_approval(ctx, agr)  # sharing points, if the bureau charges approvals
    record(ctx, actor, "agreement.decide", "agreement", agr.code,
           {"state": agr.state, "grants": agr.grants, "reason": agr.decision_reason})
    notify(ctx, requester_or_officers(ctx, agr.requested_by, agr.consumer_org_id),
           f"agreement.{agr.state}", f"共享申请 {agr.code} 已答复：{ANSWER_WORDS[agr.state]}",
           f"{ds.name}（{ds.resource_code}）：{ANSWER_WORDS[agr.state]}"
           + (f"，理由：{agr.decision_reason}" if agr.decision_reason else
              f"，授权字段 {len(agr.grants)} 个") + "。",
           link=f"/agreements/{agr.code}")
    ctx.emit("agreement.changed", {"code": agr.code, "state": agr.state})
    return to_out(ctx, agr)


def answer(ctx: Ctx, actor: Actor, code: str, data: DecisionIn) -> AgreementOut:
    """The provider's answer as the API and the inbox post it: refuse with the reason
    (fields or masks sent along are refused), or approve the fields given (None: every
    requested field) with their masks."""
    if data.decision == "refuse":
        return decide(ctx, actor, code, approve_fields=data.fields, masks=data.masks,
                      refuse_reason=data.reason or "")
    return decide(ctx, actor, code, approve_fields=data.fields, masks=data.masks)


# ---- revoke ----------------------------------------------------------------------------


def revoke(ctx: Ctx, actor: Actor, code: str, reason: str) -> AgreementOut:
    """End an agreement (or withdraw a pending request) from the next call on.

    Allowed to the consumer (who may request for its organization), the provider (who
    may decide for its organization) and the data bureau (catalog review authority).
    """
    agr = find_agreement(ctx, code)
    if not can_revoke(actor, agr):
        raise PermissionDenied(
            Permission.AGREEMENT_DECIDE.value,
            "only the consumer, the provider or the data bureau may revoke an agreement",
        )
    state = state_of(ctx, agr)
    if state not in policy.REVOCABLE:
        raise Conflict(f"agreement {agr.code} is {state} and cannot be revoked", "state", state)
    if not (reason or "").strip():
        raise InvalidInput.one("reason", "say why the agreement is revoked", None, "required")
    checked(RevokeIn, {"reason": reason})
    agr.state = policy.REVOKED
    agr.revoked_at, agr.revoked_by, agr.revoked_reason = ctx.now(), actor.label, reason.strip()
    _ledger(ctx, "agreement.revoked", agr, actor.label, reason=agr.revoked_reason)
    record(ctx, actor, "agreement.revoke", "agreement", agr.code, {"reason": agr.revoked_reason})
    ctx.emit("agreement.changed", {"code": agr.code, "state": agr.state})
    return to_out(ctx, agr)


# ---- read ------------------------------------------------------------------------------


def get_agreement(ctx: Ctx, actor: Actor, code: str) -> AgreementOut:
    agr = find_agreement(ctx, code)
    _require_visible(actor, agr)
    return to_out(ctx, agr)


def _state_filter(stmt: Select[Any], state: str, day: date) -> Select[Any]:
    granted = Agreement.state.in_(sorted(policy.GRANTED))
    if state == policy.EXPIRED:
        return stmt.where(and_(granted, Agreement.valid_until < day))
    if state in policy.GRANTED:
        return stmt.where(Agreement.state == state, Agreement.valid_until >= day)
    return stmt.where(Agreement.state == state)


def list_agreements(ctx: Ctx, actor: Actor, role: Role = "all",
                    state: str | None = None) -> list[AgreementOut]:
    """Agreements where the actor's organization is the consumer or the provider, or all
    of them; newest first, optionally of one (effective) state.

    "all" is every agreement for a platform-wide reader, and both sides of its own
    organization's agreements for a department's staff.
    """
    stmt = select(Agreement).join(Dataset, Dataset.id == Agreement.dataset_id)
    if role == "all" and Permission.AGREEMENT_READ not in actor.permissions and (
            actor.organization_id is not None):
        require(actor, Permission.AGREEMENT_READ, organization_id=actor.organization_id)
        stmt = stmt.where(or_(Agreement.consumer_org_id == actor.organization_id,
                              Dataset.provider_id == actor.organization_id))
    elif role == "all":
        require(actor, Permission.AGREEMENT_READ)
    elif role in ("consumer", "provider"):
        if actor.organization_id is None:
            raise InvalidInput.one("role", "you belong to no organization", role, "no_org")
        require(actor, Permission.AGREEMENT_READ, organization_id=actor.organization_id)
        column = Agreement.consumer_org_id if role == "consumer" else Dataset.provider_id
        stmt = stmt.where(column == actor.organization_id)
    else:
        raise InvalidInput.one("role", "use consumer, provider or all", role, "invalid")
    if state is not None:
        if state not in policy.STATES:
            raise InvalidInput.one("state", "use one of " + ", ".join(policy.STATES), state)
        stmt = _state_filter(stmt, state, today(ctx))
    stmt = stmt.order_by(Agreement.id.desc())
    return [to_out(ctx, a) for a in ctx.db.scalars(stmt).unique()]


def overdue(ctx: Ctx, actor: Actor) -> list[OverdueOut]:
    """Requests still unanswered after their deadline, longest overdue first (data bureau)."""
    require(actor, Permission.AGREEMENT_READ)
    day = today(ctx)
    stmt = (
        select(Agreement)
        .where(Agreement.state == policy.REQUESTED, Agreement.answer_due < day)
        .order_by(Agreement.answer_due, Agreement.id)
    )
    return [
        OverdueOut(
            code=a.code,
            consumer_code=a.consumer.code,
            consumer_name=a.consumer.name,
            provider_code=a.dataset.provider.code,
            provider_name=a.dataset.provider.name,
            resource_code=a.dataset.resource_code,
            dataset_name=a.dataset.name,
            answer_due=a.answer_due,  # type: ignore[arg-type]
            days_overdue=(day - a.answer_due).days,  # type: ignore[operator]
            created_at=a.created_at,
        )
        for a in ctx.db.scalars(stmt).unique()
    ]


OVERDUE_KIND = "agreement.overdue"


def remind_overdue(ctx: Ctx) -> list[str]:
    """The scheduler's round: tell the provider's data officers, once and urgently (it
    cannot be muted), of every request still unanswered after its deadline; the codes
    told this round. The requester already knows the date; the bureau sees the list
    (`overdue`)."""
    day = today(ctx)
    told: list[str] = []
    stmt = (select(Agreement).where(Agreement.state == policy.REQUESTED,
                                    Agreement.answer_due < day)
            .order_by(Agreement.answer_due, Agreement.id))
    for agr in ctx.db.scalars(stmt).unique():
        link = f"/agreements/{agr.code}"
        if already_sent(ctx, OVERDUE_KIND, link):
            continue
        due: date = agr.answer_due  # type: ignore[assignment]
        ds = agr.dataset
        notify(ctx, officers_of(ctx, ds.provider_id), OVERDUE_KIND,
               f"共享申请 {agr.code} 已超期未答复",
               f"{agr.consumer.name} 申请共享「{ds.name}」（{ds.resource_code}），答复期限 "
               f"{due.isoformat()}，已超期 {(day - due).days} 天，请尽快答复。",
               urgent=True, link=link)
        told.append(agr.code)
    return told
