"""Write and read the audit trail of administrative actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govbridge.audit.models import AuditEvent
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx


def record(
    ctx: Ctx,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object,
    details: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> None:
    ctx.db.add(
        AuditEvent(
            at=ctx.now(),
            actor=actor.label,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            outcome=outcome,
            details=details or {},
        )
    )


def list_events(ctx: Ctx, actor: Actor, *, limit: int = 100) -> list[AuditEvent]:
    require(actor, Permission.AUDIT_READ)
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000))
    return list(ctx.db.scalars(stmt))
