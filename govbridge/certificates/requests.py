"""Four eyes on a certificate issued without a case: the request and its decision.

`usecases.issue_certificate` without a case checks the input by every rule and records
it here as a pending request (nothing sealed, nothing ledgered, no number taken). Another
officer of the issuing department with the right to issue approves it - then it is
checked again (the registry or the type may have changed), sealed, ledgered and shared,
exactly as an issuance on a case - or refuses it with a reason. The requester can do
neither with their own request. Requests are seen by the issuing department's officers
who may issue, and by the platform-wide issuers.

Who is told (notifications outbox, in the same transaction): a new request → the issuing
department's other officers who may issue (its data officers and approvers), so a second
pair of eyes knows it waits; a decision → the officer who asked. What they are told names
the certificate type and the request, never the holder's ID (it may leave through a
department's webhook); the request's page shows the rest to whoever may decide.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govbridge.certificates import rules
from govbridge.certificates.models import IssuanceRequest
from govbridge.certificates.schemas import (
    CertificateIn,
    CertificateOut,
    IssuanceRequestOut,
    RequestState,
)
from govbridge.certificates.usecases import Checked, check_issuance, seal_and_record
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Permission, Role, allows
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.notifications.outbox import notify, officers_of, user_named
from govbridge.runtime import Ctx

# Input kept with the request besides its columns (as JSON), to issue it as asked.
DETAILS = ("type_code", "number", "valid_from", "valid_until", "data")


def _out(ctx: Ctx, row: IssuanceRequest) -> IssuanceRequestOut:
    org = ctx.db.get(Organization, row.issuer_org_id)
    assert org is not None
    return IssuanceRequestOut(
        id=row.id, state=row.state,  # type: ignore[arg-type]
        certificate_type=row.certificate_type, type_name=row.type_name,
        holder_kind=row.holder_kind, holder_id=row.holder_id, holder_name=row.holder_name,
        issuer_code=org.code, issuer_name=org.name, details=row.details,
        requested_by=row.requested_by, requested_at=row.requested_at,
        decided_by=row.decided_by, decided_at=row.decided_at, reason=row.reason,
        certificate_id=row.certificate_id)


def record_request(ctx: Ctx, actor: Actor, checked: Checked,
                   data: CertificateIn) -> IssuanceRequestOut:
    """A checked issuance without a case, pending a second officer (called by
    `usecases.issue_certificate` after its permission check)."""
    details: dict[str, Any] = data.model_dump(mode="json", include=set(DETAILS))
    row = IssuanceRequest(
        issuer_org_id=checked.org.id, certificate_type=checked.dataset.resource_code,
        type_name=checked.type_name, holder_kind=checked.kind, holder_id=data.holder_id,
        holder_name=data.holder_name, details=details, state="pending",
        requested_by=actor.label, requested_by_user=actor.user_id, requested_at=ctx.now())
    ctx.db.add(row)
    ctx.db.flush()
    ctx.emit("certificates.requested", {"request": row.id, "issuer": checked.org.code})
    deciders = {*officers_of(ctx, checked.org.id, Role.DATA_OFFICER),
                *officers_of(ctx, checked.org.id, Role.APPROVER)} - {actor.user_id}
    notify(ctx, deciders, "certificate.requested",
           f"待审核的证照签发申请 #{row.id}：{row.type_name}",
           f"{actor.label} 申请签发「{row.type_name}」（无办件），"
           "需要本部门另一位有签发权限的人员审核。",
           link=f"/certificates/requests#request-{row.id}")
    return _out(ctx, row)


def _may_see(actor: Actor, row: IssuanceRequest) -> bool:
    return allows(actor.permissions, Permission.CERT_ISSUE, actor_org_id=actor.organization_id,
                  target_org_id=row.issuer_org_id)


def _visible(ctx: Ctx, actor: Actor, request_id: int, *, lock: bool = False) -> IssuanceRequest:
    """The request, if the actor may decide on it; otherwise the answer a missing one gets."""
    stmt = select(IssuanceRequest).where(IssuanceRequest.id == request_id)
    row = ctx.db.scalar(stmt.with_for_update() if lock else stmt)
    if row is None or not _may_see(actor, row):
        raise NotFound("issuance request", request_id)
    return row


def list_requests(ctx: Ctx, actor: Actor, *, state: RequestState | None = "pending",
                  limit: int = 200) -> list[IssuanceRequestOut]:
    """Requests the actor may decide on (their department's, or all with the platform-wide
    right), newest first; `state` None: every state."""
    if not ({Permission.CERT_ISSUE, Permission.CERT_ISSUE_OWN_ORG} & actor.permissions):
        raise PermissionDenied(Permission.CERT_ISSUE.value)
    stmt = select(IssuanceRequest).order_by(IssuanceRequest.id.desc()).limit(
        max(1, min(limit, 1000)))
    if Permission.CERT_ISSUE not in actor.permissions:
        if actor.organization_id is None:
            raise PermissionDenied(Permission.CERT_ISSUE.value)
        stmt = stmt.where(IssuanceRequest.issuer_org_id == actor.organization_id)
    if state is not None:
        stmt = stmt.where(IssuanceRequest.state == state)
    return [_out(ctx, row) for row in ctx.db.scalars(stmt)]


def get_request(ctx: Ctx, actor: Actor, request_id: int) -> IssuanceRequestOut:
    return _out(ctx, _visible(ctx, actor, request_id))


def _decidable(ctx: Ctx, actor: Actor, request_id: int, *,
               lock: bool = True) -> IssuanceRequest:
    row = _visible(ctx, actor, request_id, lock=lock)
    require(actor, Permission.CERT_ISSUE, organization_id=row.issuer_org_id)
    if row.state != "pending":
        raise Conflict(f"issuance request {row.id} is already {row.state}", "id", row.id)
    if rules.is_own_request(row.requested_by, row.requested_by_user, actor.label,
                            actor.user_id):
        raise PermissionDenied(Permission.CERT_ISSUE.value,
                               "another officer of the issuing department decides on a "
                               "request (four eyes), not the officer who made it")
    return row


def may_decide(ctx: Ctx, actor: Actor, request_id: int) -> bool:
    """Whether the actor may approve or refuse this request now (pending, in their reach,
    not their own): what a page asks before it offers the buttons."""
    try:
        _decidable(ctx, actor, request_id, lock=False)
    except (NotFound, PermissionDenied, Conflict):
        return False
    return True


def approve_request(ctx: Ctx, actor: Actor, request_id: int) -> CertificateOut:
    """The second officer approves: checked again by every rule, then sealed, ledgered,
    shared; the request names the certificate."""
    row = _decidable(ctx, actor, request_id)
    org = ctx.db.get(Organization, row.issuer_org_id)
    assert org is not None
    data = CertificateIn(certificate_type=row.certificate_type, type_name=row.type_name,
                         holder_id=row.holder_id, holder_name=row.holder_name,
                         **row.details)
    try:
        checked = check_issuance(ctx, org, data)
    except InvalidInput as exc:
        raise Conflict(f"issuance request {row.id} no longer passes the rules: "
                       f"{exc.detail}", "id", row.id) from None
    by = f"{row.requested_by} + {actor.label}"[:120]  # requested + approved
    made = seal_and_record(ctx, checked, data, by=by, approval=row.id)
    row.state, row.decided_by, row.decided_at = "approved", actor.label, ctx.now()
    row.certificate_id = made.id
    _tell_requester(ctx, row)
    return made


def refuse_request(ctx: Ctx, actor: Actor, request_id: int, reason: str) -> IssuanceRequestOut:
    """The second officer refuses, with a reason; nothing is issued."""
    row = _decidable(ctx, actor, request_id)
    reason = reason.strip()
    if not reason:
        raise InvalidInput.one("reason", "give a reason", reason, "required")
    row.state, row.decided_by, row.decided_at = "refused", actor.label, ctx.now()
    row.reason = reason[:500]
    _tell_requester(ctx, row)
    return _out(ctx, row)


def _tell_requester(ctx: Ctx, row: IssuanceRequest) -> None:
    asked = row.requested_by_user if row.requested_by_user is not None else user_named(
        ctx, row.requested_by)
    words = "已批准并签发" if row.state == "approved" else f"未获批准，理由：{row.reason}"
    notify(ctx, [asked] if asked is not None else [], f"certificate.request_{row.state}",
           f"证照签发申请 #{row.id} {'已批准' if row.state == 'approved' else '未获批准'}",
           f"「{row.type_name}」的签发申请{words}。",
           link=f"/certificates/requests#request-{row.id}")
