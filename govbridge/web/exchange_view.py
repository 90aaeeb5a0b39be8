"""What the exchange's pages share: the wording of their form errors (a refused
agreement, a rate or volume limit, an unbound purpose), the names of masks, and
whether the viewer holds a permission for their own organization.

Nothing here decides anything: the agreement, gateway, ledger and transparency
use cases check on every request; this only words what they answer.
"""

from __future__ import annotations

import re

from govbridge.agreements.policy import AgreementDenied
from govbridge.core.errors import DomainError
from govbridge.core.permissions import Permission, allows
from govbridge.exchange.case_binding import PurposeNotBound
from govbridge.exchange.gateway import LimitExceeded
from govbridge.web.forms import FormError, Wording, message
from govbridge.web.frame import Viewer
from govbridge.web.i18n import has, t

_INDEX = re.compile(r"\[\d+\]|\.\d+$")
_KEEP = re.compile(r"^keep:(\d+):(\d+)$")


def _field_name(lang: str, prefix: str, field: str) -> tuple[str, str | None]:
    """`fields[2]` is labelled as `fields`."""
    base = _INDEX.sub("", field).split(".")[0] if field else ""
    key = f"{prefix}field.{base}"
    return base, (t(lang, key) if has(lang, key) else field or None)


def _refusal(lang: str, exc: DomainError) -> tuple[list[FormError], int]:
    if isinstance(exc, AgreementDenied):
        key = f"xchg.denied.{exc.reason}"
        text = t(lang, key) if has(lang, key) else exc.detail
        return [message(lang, "xchg.denied", reason=text, detail=exc.detail)], exc.status
    if isinstance(exc, LimitExceeded):
        return [message(lang, "xchg.limit", limit=t(lang, f"xchg.limit.{exc.limit}"),
                        seconds=exc.retry_after)], exc.status
    if isinstance(exc, PurposeNotBound):
        return [message(lang, "xchg.unbound", reason=t(lang, f"xchg.unbound.{exc.reason}"))
                ], exc.status
    return [FormError(None, None, exc.detail)], exc.status


# The exchange's form errors: the field and the problem, the value sent but for a conflict.
EXCHANGE = Wording(prefix="xchg.", name=_field_name, shows_value=lambda p: p.code != "conflict",
                   refusal=_refusal)


def mask_label(lang: str, value: str) -> str:
    keep = _KEEP.match(value)
    if keep:
        return t(lang, "mask.keep", first=keep.group(1), last=keep.group(2))
    return t(lang, f"mask.{value}") if has(lang, f"mask.{value}") else value


def org_id(viewer: Viewer) -> int | None:
    return viewer.actor.organization_id


def may(viewer: Viewer, permission: Permission) -> bool:
    """Whether the viewer holds `permission` for their own organization."""
    return allows(viewer.actor.permissions, permission, actor_org_id=org_id(viewer),
                  target_org_id=org_id(viewer))
