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
from govbridge.web import form_text, labels
from govbridge.web.forms import FormError, Wording, message
from govbridge.web.frame import Viewer
from govbridge.web.translations import N_, Labels, text_for

_INDEX = re.compile(r"\[\d+\]|\.\d+$")
_KEEP = re.compile(r"^keep:(\d+):(\d+)$")


def _field_name(lang: str, fields: Labels, field: str) -> tuple[str, str | None]:
    """`fields[2]` is labelled as `fields`."""
    base = _INDEX.sub("", field).split(".")[0] if field else ""
    known = fields.get(base)
    return base, (text_for(lang)(known) if known else field or None)


def _refusal(lang: str, exc: DomainError) -> tuple[list[FormError], int]:
    text = text_for(lang)
    if isinstance(exc, AgreementDenied):
        reason = text.label(form_text.EXCHANGE_DENIED, exc.reason) if (
            exc.reason in form_text.EXCHANGE_DENIED) else exc.detail
        return [message(lang, N_("No agreement covers this call: %(reason)s"), reason=reason,
                        detail=exc.detail)], exc.status
    if isinstance(exc, LimitExceeded):
        limit = text.label(form_text.EXCHANGE_LIMIT, exc.limit)
        return [FormError(None, None, text.ngettext(
            "The agreement's %(limit)s is used up; try again in %(num)s second.",
            "The agreement's %(limit)s is used up; try again in %(num)s seconds.",
            exc.retry_after, limit=limit))], exc.status
    if isinstance(exc, PurposeNotBound):
        reason = text.label(form_text.EXCHANGE_UNBOUND, exc.reason)
        return [message(lang, N_("The purpose names no case this query can serve: %(reason)s"),
                        reason=reason)], exc.status
    return [FormError(None, None, exc.detail)], exc.status


# The exchange's form errors: the field and the problem, the value sent but for a conflict.
EXCHANGE = Wording(form_text.EXCHANGE_FIELD, form_text.EXCHANGE_PROBLEM, name=_field_name,
                   shows_value=lambda p: p.code != "conflict", refusal=_refusal)


def mask_label(lang: str, value: str) -> str:
    keep = _KEEP.match(value)
    if keep:
        return text_for(lang).gettext("First %(first)s and last %(last)s characters kept",
                                      first=keep.group(1), last=keep.group(2))
    return text_for(lang).label(labels.MASK, value)


def org_id(viewer: Viewer) -> int | None:
    return viewer.actor.organization_id


def may(viewer: Viewer, permission: Permission) -> bool:
    """Whether the viewer holds `permission` for their own organization."""
    return allows(viewer.actor.permissions, permission, actor_org_id=org_id(viewer),
                  target_org_id=org_id(viewer))
