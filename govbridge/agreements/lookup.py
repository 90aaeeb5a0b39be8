"""Agreements as stored, read and shown, without an actor: the lookups, the effective state
and the shape every edge shows, and the gateway's gate.

Nothing here checks a permission: the use cases (`usecases.py`) do that first and then use
these; the exchange's gateway calls `active_agreement_for` after it has authenticated the
caller, and the quality reports and the gateway judge validity by `today`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from govbridge.agreements import policy
from govbridge.agreements.models import Agreement
from govbridge.agreements.policy import Purpose, Terms
from govbridge.agreements.schemas import AgreementOut
from govbridge.agreements.workdays import Calendar
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import find_dataset
from govbridge.core.errors import NotFound
from govbridge.runtime import Ctx


def today(ctx: Ctx) -> date:
    """The platform's calendar day now (China Standard Time): what validity is judged by."""
    return policy.local_date(ctx.now())


def calendar(ctx: Ctx) -> Calendar:
    """The bureau's working-day calendar (holidays and make-up days from settings)."""
    return Calendar.of(ctx.settings.holidays, ctx.settings.makeup_workdays)


def find_agreement(ctx: Ctx, code: str) -> Agreement:
    """The agreement of this code (any case, spaces around ignored); `NotFound` otherwise.
    No visibility check: use cases decide who may see it."""
    found = ctx.db.scalar(select(Agreement).where(Agreement.code == code.strip().upper()))
    if found is None:
        raise NotFound("agreement", code)
    return found


def state_of(ctx: Ctx, agr: Agreement) -> str:
    """The agreement's state today: granted agreements read as expired after `valid_until`."""
    return policy.effective_state(agr.state, agr.valid_until, today(ctx))


def to_out(ctx: Ctx, agr: Agreement) -> AgreementOut:
    """The agreement as every edge shows it (its state and overdue flag as of today)."""
    ds = agr.dataset
    return AgreementOut(
        code=agr.code,
        state=state_of(ctx, agr),
        consumer_code=agr.consumer.code,
        consumer_name=agr.consumer.name,
        provider_code=ds.provider.code,
        provider_name=ds.provider.name,
        resource_code=ds.resource_code,
        dataset_name=ds.name,
        dataset_version=agr.dataset_version,
        fields=list(agr.fields),
        grants=dict(agr.grants or {}),
        purpose_kind=agr.purpose_kind,
        purpose_code=agr.purpose_code,
        purpose_text=agr.purpose_text,
        valid_from=agr.valid_from,
        valid_until=agr.valid_until,
        rate_per_minute=agr.rate_per_minute,
        daily_volume=agr.daily_volume,
        answer_due=agr.answer_due,
        overdue=policy.is_overdue(agr.state, agr.answer_due, today(ctx)),
        requested_by=agr.requested_by,
        decided_by=agr.decided_by,
        decided_at=agr.decided_at,
        decision_reason=agr.decision_reason,
        revoked_at=agr.revoked_at,
        revoked_by=agr.revoked_by,
        revoked_reason=agr.revoked_reason,
        created_at=agr.created_at,
    )


# ---- the gateway's gate ----------------------------------------------------------------


def terms_of(agr: Agreement) -> Terms:
    return Terms(
        code=agr.code,
        state=agr.state,
        valid_from=agr.valid_from,
        valid_until=agr.valid_until,
        purpose_kind=agr.purpose_kind,
        purpose_code=agr.purpose_code,
        purpose_text=agr.purpose_text,
        grants=dict(agr.grants or {}),
    )


def active_agreement_for(
    ctx: Ctx,
    consumer_org_id: int,
    resource_code: str,
    purpose: Purpose | str,
    fields: list[str] | None = None,
    *,
    dataset: Dataset | None = None,
) -> Agreement:
    """The agreement that lets `consumer_org_id` read `resource_code` today for `purpose`
    (and, when given, these `fields`); `policy.AgreementDenied` with a stable reason
    (no_agreement, pending, refused, revoked, expired, not_yet_valid, wrong_purpose,
    field_not_granted) otherwise. No actor: the gateway authenticates the caller first.
    `dataset`, when the caller holds it already, saves looking it up again.
    """
    ds = dataset if dataset is not None else find_dataset(ctx, resource_code)
    rows = list(
        ctx.db.scalars(
            select(Agreement)
            .where(Agreement.consumer_org_id == consumer_org_id, Agreement.dataset_id == ds.id)
            .order_by(Agreement.id)
        ).unique()
    )
    chosen = policy.choose([terms_of(a) for a in rows], today=today(ctx), purpose=purpose,
                           fields=fields, dataset=ds.resource_code)
    return next(a for a in rows if a.code == chosen.code)

