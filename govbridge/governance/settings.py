"""The bureau's versioned governance settings (the scoring model, the points rates): read the
current version, read one by number, add a version. Without an actor: the use cases check
who may read or change them. Version 1 of each is its built-in default, written the first
time it is read, so every score and movement names a version that is stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from govbridge.core.errors import NotFound
from govbridge.governance.models import GovernanceSetting
from govbridge.runtime import Ctx


def current(ctx: Ctx, kind: str, default: dict[str, Any]) -> GovernanceSetting:
    """The newest version of `kind` (version 1, the default, written if there is none)."""
    row = ctx.db.scalar(select(GovernanceSetting).where(GovernanceSetting.kind == kind)
                        .order_by(GovernanceSetting.version.desc()).limit(1))
    if row is not None:
        return row
    row = GovernanceSetting(kind=kind, version=1, config=default, note="built-in default",
                            created_by="system", created_at=ctx.now())
    ctx.db.add(row)
    ctx.db.flush()
    return row


def version(ctx: Ctx, kind: str, number: int, default: dict[str, Any]) -> GovernanceSetting:
    if number == 1:
        current(ctx, kind, default)
    row = ctx.db.scalar(select(GovernanceSetting).where(GovernanceSetting.kind == kind,
                                                        GovernanceSetting.version == number))
    if row is None:
        raise NotFound(f"{kind} setting version", number)
    return row


def versions(ctx: Ctx, kind: str, default: dict[str, Any]) -> list[GovernanceSetting]:
    current(ctx, kind, default)
    return list(ctx.db.scalars(select(GovernanceSetting).where(GovernanceSetting.kind == kind)
                               .order_by(GovernanceSetting.version)))


def add(ctx: Ctx, kind: str, config: dict[str, Any], note: str | None, by: str,
        default: dict[str, Any]) -> GovernanceSetting:
    current(ctx, kind, default)
    top = ctx.db.scalar(select(func.max(GovernanceSetting.version))
                        .where(GovernanceSetting.kind == kind)) or 0
    row = GovernanceSetting(kind=kind, version=top + 1, config=config, note=note, created_by=by,
                            created_at=ctx.now())
    ctx.db.add(row)
    ctx.db.flush()
    return row
