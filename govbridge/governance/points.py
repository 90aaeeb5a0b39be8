"""Sharing points (共享积分): the double-entry ledger, its balances, the bureau's rates and
grants, and the two hooks that move points when data is used.

Every movement is two `PointsEntry` rows (+amount to one department, -amount from
another), written in the transaction of what caused it: an exchange query that
succeeded (`on_query`, called by the gateway after the access is ledgered) or an approved
agreement (`on_approval`, called by the agreements' decide). So a rolled-back query moves
no points, and the sum over every account is 0 at every commit (`total`, checked by
`balances`: a non-zero sum raises instead of showing drifted balances).

Points never block: nothing here is asked before a query is served, so a department
with a negative balance is still answered — for a 法定职责 (legal duty) as for any
purpose — and is shown in deficit.

Who sees what: the bureau and auditors every balance; a department's officer its own;
anyone else nothing. Rates and grants are the bureau's (`governance.manage`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from govbridge.agreements.models import Agreement
from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.governance import points_rules, settings
from govbridge.governance.models import POINTS, PointsEntry
from govbridge.governance.schemas import (
    AccountOut,
    BalancesOut,
    GrantIn,
    MovementOut,
    RatesIn,
    SettingOut,
)
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import org_by_code
from govbridge.quality.models import QualityRun
from govbridge.runtime import Ctx


class LedgerOutOfBalance(Conflict):
    """The points ledger's accounts do not sum to 0 (never expected: a defect or tampering)."""


def move(ctx: Ctx, *, payer: int, payee: int, amount: int, kind: str, reference: str | None,
         rates_version: int, by: str) -> str | None:
    """One movement: `amount` from `payer` to `payee` (nothing when 0 or to itself)."""
    if amount <= 0 or payer == payee:
        return None
    movement = uuid.uuid4().hex
    at = ctx.now()
    ctx.db.add_all([
        PointsEntry(movement=movement, organization_id=payer, amount=-amount, kind=kind,
                    reference=reference, rates_version=rates_version, created_by=by, at=at),
        PointsEntry(movement=movement, organization_id=payee, amount=amount, kind=kind,
                    reference=reference, rates_version=rates_version, created_by=by, at=at),
    ])
    return movement


def _rates(ctx: Ctx) -> settings.GovernanceSetting:
    return settings.current(ctx, POINTS, points_rules.DEFAULT_RATES)


def current_rates(ctx: Ctx) -> dict[str, Any]:
    return dict(_rates(ctx).config)


def _factor(ctx: Ctx, dataset_id: int) -> Any:
    run = ctx.db.execute(select(QualityRun.overall, QualityRun.timeliness)
                         .where(QualityRun.dataset_id == dataset_id)
                         .order_by(QualityRun.id.desc()).limit(1)).first()
    return points_rules.quality_factor(*(run or (None, None)))


# --- hooks (in the caller's transaction) -------------------------------------------------------


def on_query(ctx: Ctx, *, consumer_id: int, provider_id: int, dataset_id: int,
             agreement_code: str, rows: int, leaf_index: int) -> None:
    """A successful exchange query: the consumer pays the provider, if the rates say so."""
    rates = _rates(ctx)
    if rates.config.get("spend_on") != "call" or consumer_id == provider_id:
        return
    amount = points_rules.call_amount(rates.config, rows, _factor(ctx, dataset_id))
    move(ctx, payer=consumer_id, payee=provider_id, amount=amount, kind="call",
         reference=f"{agreement_code}#{leaf_index}", rates_version=rates.version,
         by="exchange")


def on_approval(ctx: Ctx, agreement: Agreement) -> None:
    """An agreement approved (in part or whole): the consumer pays, if the rates say so."""
    rates = _rates(ctx)
    if rates.config.get("spend_on") != "approval":
        return
    provider_id = ctx.db.scalar(select(Dataset.provider_id)
                                .where(Dataset.id == agreement.dataset_id))
    assert provider_id is not None
    amount = points_rules.approval_amount(rates.config, _factor(ctx, agreement.dataset_id))
    move(ctx, payer=agreement.consumer_org_id, payee=provider_id, amount=amount,
         kind="approval", reference=agreement.code, rates_version=rates.version,
         by="agreements")


# --- use cases ----------------------------------------------------------------------------------


def _sees_all(actor: Actor) -> bool:
    return Permission.GOVERNANCE_READ in actor.permissions


def total(ctx: Ctx) -> int:
    return int(ctx.db.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0))) or 0)


def balances(ctx: Ctx, actor: Actor) -> BalancesOut:
    """Every readable department's balance, and the sum over all accounts (0, checked)."""
    require(actor, Permission.GOVERNANCE_READ, organization_id=actor.organization_id)
    sums = dict(ctx.db.execute(select(PointsEntry.organization_id, func.sum(PointsEntry.amount))
                               .group_by(PointsEntry.organization_id)).all())
    grand = total(ctx)
    if grand != 0 or sum(int(v) for v in sums.values()) != 0:
        raise LedgerOutOfBalance(f"the points ledger sums to {grand}, not 0")
    stmt = select(Organization).where(Organization.active.is_(True)).order_by(Organization.code)
    if not _sees_all(actor):
        stmt = stmt.where(Organization.id == actor.organization_id)
    accounts = []
    for org in ctx.db.scalars(stmt):
        balance = int(sums.get(org.id, 0))
        accounts.append(AccountOut(department=org.code, name=org.name, balance=balance,
                                   in_deficit=points_rules.in_deficit(balance)))
    return BalancesOut(accounts=accounts, total=grand)


def movements(ctx: Ctx, actor: Actor, department: str, limit: int = 100) -> list[MovementOut]:
    """A department's entries, newest first, each with the other side's department."""
    org = org_by_code(ctx, department)
    if org is None:
        raise NotFound("department", department)
    require(actor, Permission.GOVERNANCE_READ, organization_id=org.id)
    if not 1 <= limit <= 1000:
        raise InvalidInput.one("limit", "must be between 1 and 1000", limit, "range")
    mine = list(ctx.db.scalars(select(PointsEntry).where(PointsEntry.organization_id == org.id)
                               .order_by(PointsEntry.id.desc()).limit(limit)))
    other = {e.movement: e.organization_id for e in ctx.db.scalars(
        select(PointsEntry).where(PointsEntry.movement.in_([m.movement for m in mine]),
                                  PointsEntry.organization_id != org.id))}
    codes = dict(ctx.db.execute(select(Organization.id, Organization.code)).all())
    return [MovementOut(movement=e.movement, kind=e.kind, amount=e.amount,
                        counterpart=codes.get(other.get(e.movement, 0), ""),
                        reference=e.reference, rates_version=e.rates_version, at=e.at)
            for e in mine]


def _setting_out(row: settings.GovernanceSetting) -> SettingOut:
    return SettingOut(kind=row.kind, version=row.version, config=row.config, note=row.note,
                      created_by=row.created_by, created_at=row.created_at)


def rates_setting(ctx: Ctx, actor: Actor) -> SettingOut:
    require(actor, Permission.GOVERNANCE_READ, organization_id=actor.organization_id)
    return _setting_out(_rates(ctx))


def save_rates(ctx: Ctx, actor: Actor, data: RatesIn | dict) -> SettingOut:
    """A new version of the rates (the bureau's)."""
    require(actor, Permission.GOVERNANCE_MANAGE)
    rates = checked(RatesIn, data)
    config = rates.model_dump(exclude={"note"})
    row = settings.add(ctx, POINTS, config, rates.note, actor.label, points_rules.DEFAULT_RATES)
    record(ctx, actor, "governance.points_rates", "points_rates", row.version, config)
    return _setting_out(row)


def grant(ctx: Ctx, actor: Actor, data: GrantIn | dict) -> MovementOut:
    """The bureau grants points to a department, from the bureau's own account."""
    require(actor, Permission.GOVERNANCE_MANAGE)
    g = checked(GrantIn, data)
    source_id = actor.organization_id
    if g.source is not None:
        src = org_by_code(ctx, g.source)
        if src is None:
            raise InvalidInput.one("source", "no such department", g.source)
        if actor.organization_id is not None and src.id != actor.organization_id:
            raise PermissionDenied(Permission.GOVERNANCE_MANAGE.value,
                                   "points are granted from your own department's account")
        source_id = src.id
    if source_id is None:
        raise InvalidInput.one("source", "name the granting account (the bureau's credit code)")
    to = org_by_code(ctx, g.department)
    if to is None:
        raise InvalidInput.one("department", "no such department", g.department)
    if to.id == source_id:
        raise InvalidInput.one("department", "a grant goes to another department", g.department)
    rates = _rates(ctx)
    movement = move(ctx, payer=source_id, payee=to.id, amount=g.amount, kind="grant",
                    reference=g.reason, rates_version=rates.version, by=actor.label)
    assert movement is not None
    record(ctx, actor, "governance.points_grant", "organization", to.code,
           {"amount": g.amount, "reason": g.reason})
    src_code = ctx.db.scalar(select(Organization.code).where(Organization.id == source_id))
    return MovementOut(movement=movement, kind="grant", amount=g.amount,
                       counterpart=src_code or "", reference=g.reason,
                       rates_version=rates.version, at=ctx.now())
