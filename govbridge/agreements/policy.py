"""The pure decisions about agreements: effective state, and whether one covers a call.

No I/O: the use cases load agreements and hand their facts over as `Terms`.

States stored: requested, approved, partially_approved, refused, revoked. "expired" is
derived: an approved (or partially approved) agreement whose `valid_until` is before
today reads as expired. Days are counted in China Standard Time (UTC+8, no DST).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from govbridge.core.errors import DomainError
from govbridge.core.timezone import LOCAL_TZ

REQUESTED = "requested"
APPROVED = "approved"
PARTIALLY_APPROVED = "partially_approved"
REFUSED = "refused"
REVOKED = "revoked"
EXPIRED = "expired"
STATES: tuple[str, ...] = (REQUESTED, APPROVED, PARTIALLY_APPROVED, REFUSED, REVOKED, EXPIRED)
STORED_STATES: frozenset[str] = frozenset(STATES) - {EXPIRED}
GRANTED: frozenset[str] = frozenset({APPROVED, PARTIALLY_APPROVED})
# States from which an agreement can still be revoked (a pending request is withdrawn).
REVOCABLE: frozenset[str] = frozenset({REQUESTED, APPROVED, PARTIALLY_APPROVED})

PURPOSE_KINDS: tuple[str, ...] = ("service_item", "legal_basis")


def local_date(now: datetime) -> date:
    """The calendar day in China Standard Time of an aware datetime."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(LOCAL_TZ).date()


def effective_state(state: str, valid_until: date, today: date) -> str:
    """What an agreement is today: a granted one past its last valid day is expired."""
    if state in GRANTED and valid_until < today:
        return EXPIRED
    return state


def in_force(state: str, valid_from: date, valid_until: date, today: date) -> bool:
    """Whether an agreement lets its consumer read today, for whatever purpose it names:
    granted, begun and not expired (the state and period checks of `check`)."""
    return effective_state(state, valid_until, today) in GRANTED and valid_from <= today


def awaits_answer(state: str) -> bool:
    """A request the provider has not answered yet (what the inbox lists)."""
    return state == REQUESTED


def is_overdue(state: str, answer_due: date | None, today: date) -> bool:
    """A request still unanswered after its answer deadline."""
    return awaits_answer(state) and answer_due is not None and answer_due < today


def requestable(share_type: str) -> bool:
    """Whether a dataset may be asked for at all (不予共享 data cannot)."""
    return share_type != "none"


def granted_at_once(share_type: str) -> bool:
    """Whether a request takes effect without a decision (无条件共享 data)."""
    return share_type == "unconditional"


@dataclass(frozen=True)
class Purpose:
    """What a call is for: a service item (by its code) or a legal basis (in words)."""

    kind: str
    code: str | None = None
    text: str | None = None

    @classmethod
    def of(cls, value: Purpose | str) -> Purpose:
        """A bare string is matched as a service item code or a legal basis text."""
        if isinstance(value, Purpose):
            return value
        return cls(kind="", code=value, text=value)


def _norm(text: str | None) -> str:
    return "".join((text or "").split()).casefold()


def purpose_matches(kind: str, code: str | None, text: str, wanted: Purpose) -> bool:
    """Whether a call's purpose is the agreement's: same service item code, or the same
    legal basis text (whitespace and case aside)."""
    if wanted.kind and wanted.kind != kind:
        return False
    if kind == "service_item":
        return bool(code) and _norm(code) == _norm(wanted.code)
    return bool(_norm(text)) and _norm(text) == _norm(wanted.text)


@dataclass(frozen=True)
class Terms:
    """What the policy needs to know about one agreement."""

    code: str
    state: str
    valid_from: date
    valid_until: date
    purpose_kind: str
    purpose_code: str | None
    purpose_text: str
    grants: Mapping[str, str]


class AgreementDenied(DomainError):
    """No agreement lets this consumer make this call; `reason` says why, stably.

    Reasons: no_agreement, pending, refused, revoked, expired, not_yet_valid,
    wrong_purpose, field_not_granted.
    """

    status = 403
    type_slug = "agreement-denied"
    title = "No sharing agreement covers this call"

    def __init__(self, reason: str, detail: str, agreement: str | None = None,
                 fields: Sequence[str] = ()) -> None:
        super().__init__(detail)
        self.reason = reason
        self.agreement = agreement
        self.fields = list(fields)

    def extensions(self) -> dict[str, object]:
        out: dict[str, object] = {"reason": self.reason}
        if self.agreement is not None:
            out["agreement"] = self.agreement
        if self.fields:
            out["fields"] = self.fields
        return out


# How helpful a denial is when several agreements exist: the first listed wins, so the
# caller hears about the agreement that came closest to covering the call.
DENIAL_ORDER: tuple[str, ...] = (
    "field_not_granted",
    "not_yet_valid",
    "expired",
    "revoked",
    "pending",
    "refused",
    "wrong_purpose",
    "no_agreement",
)


def check(terms: Terms, *, today: date, purpose: Purpose | str,
          fields: Sequence[str] | None = None) -> None:
    """Raise `AgreementDenied` unless `terms` covers a call today for `purpose` and `fields`.

    Checked in order: decision state, validity period, purpose, field scope.
    """
    state = effective_state(terms.state, terms.valid_until, today)
    code = terms.code
    if state == REQUESTED:
        raise AgreementDenied("pending", f"agreement {code} awaits the provider's decision", code)
    if state == REFUSED:
        raise AgreementDenied("refused", f"agreement {code} was refused by the provider", code)
    if state == REVOKED:
        raise AgreementDenied("revoked", f"agreement {code} has been revoked", code)
    if state == EXPIRED:
        raise AgreementDenied(
            "expired", f"agreement {code} expired after {terms.valid_until.isoformat()}", code
        )
    if today < terms.valid_from:
        raise AgreementDenied(
            "not_yet_valid",
            f"agreement {code} is valid from {terms.valid_from.isoformat()}",
            code,
        )
    wanted = Purpose.of(purpose)
    if not purpose_matches(terms.purpose_kind, terms.purpose_code, terms.purpose_text, wanted):
        raise AgreementDenied(
            "wrong_purpose", f"agreement {code} was granted for another purpose", code
        )
    if fields is not None:
        missing = [f for f in fields if f not in terms.grants]
        if missing:
            raise AgreementDenied(
                "field_not_granted",
                f"agreement {code} does not grant: {', '.join(missing)}",
                code,
                missing,
            )


def choose(candidates: Sequence[Terms], *, today: date, purpose: Purpose | str,
           fields: Sequence[str] | None = None, dataset: str = "the dataset") -> Terms:
    """The agreement (of several for one consumer and dataset) that covers the call.

    The newest usable one wins (candidates are given oldest first). When none covers it:
    `wrong_purpose` if none was made for this purpose, otherwise the most helpful denial
    among those that were (see `DENIAL_ORDER`), so the caller hears about the agreement
    that came closest to covering the call.
    """
    if not candidates:
        raise AgreementDenied("no_agreement", f"no sharing agreement for {dataset}")
    wanted = Purpose.of(purpose)
    newest_first = list(reversed(candidates))
    same_purpose = [t for t in newest_first
                    if purpose_matches(t.purpose_kind, t.purpose_code, t.purpose_text, wanted)]
    if not same_purpose:
        code = newest_first[0].code
        raise AgreementDenied(
            "wrong_purpose",
            f"no agreement for {dataset} was made for this purpose (newest: {code})",
            code,
        )
    denials: list[AgreementDenied] = []
    for terms in same_purpose:
        try:
            check(terms, today=today, purpose=wanted, fields=fields)
        except AgreementDenied as exc:
            denials.append(exc)
            continue
        return terms
    raise min(denials, key=lambda d: DENIAL_ORDER.index(d.reason))
