"""Lookups by subject that found nothing: counted per consumer and day, so that testing
guessed ID numbers is both slow and seen.

A lookup "misses" when the gateway finds no row for a subject under an agreement that
masks the subject field, or when a service-item read names a case whose applicant is not
the subject asked for (`case_binding` refuses it: that refusal, against a success, would
confirm a guessed applicant ID). Misses are counted in `exchange_usage` under the day's
`x<YYYYMMDD>` window of the agreement used, and judged over all the consumer's agreements,
so asking for a fresh agreement (an unconditional one is granted at once) does not reset
the count: from `exchange_subject_miss_flag` a day the auditors get a `subject_misses`
flag, from `exchange_subject_miss_limit` the consumer's lookups by subject wait for the
next day (429).

A refused read rolls its transaction back, count included; so the refusal's miss is noted
on the session and written by a short transaction of its own once the call's has ended
(as API keys mark a refused use, `identity.clients`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from govbridge.runtime import Ctx

log = logging.getLogger(__name__)

COUNT = text(
    'INSERT INTO exchange_usage (agreement_id, "window", calls, rows) '
    "VALUES (:agreement, :window, 1, 0) "
    'ON CONFLICT (agreement_id, "window") DO UPDATE SET calls = exchange_usage.calls + 1 '
    "RETURNING calls")
_PENDING = "govbridge.exchange.pending_miss"


def window(day: str) -> str:
    """The usage window of a day's misses (`day` is the day window, `d<YYYYMMDD>`)."""
    return "x" + day[1:]


def count(ctx: Ctx, agreement_id: int, day: str) -> int:
    """Count one miss in the caller's transaction; this agreement's misses that day."""
    return int(ctx.db.connection().execute(COUNT, {
        "agreement": agreement_id, "window": window(day)}).scalar_one())


@dataclass(frozen=True)
class _Pending:
    agreement_id: int
    window: str


def count_after_refusal(ctx: Ctx, agreement_id: int, day: str) -> None:
    """Count one miss once the refusing call's transaction has ended (rolled back)."""
    ctx.db.info[_PENDING] = _Pending(agreement_id, window(day))


@event.listens_for(Session, "after_transaction_end")
def _write_pending(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return
    pending = session.info.pop(_PENDING, None)
    bind = session.get_bind() if pending is not None else None
    if pending is None or bind is None:
        return
    try:
        with bind.begin() as conn:
            conn.execute(COUNT, {"agreement": pending.agreement_id, "window": pending.window})
    except SQLAlchemyError:  # the call's own refusal is what its caller needs to see
        log.warning("could not count a refused lookup of agreement %s", pending.agreement_id,
                    exc_info=True)
