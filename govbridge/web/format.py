"""Presentation helpers: masked identifiers and timestamps as the UI shows them."""

from __future__ import annotations

from datetime import UTC, datetime

from govbridge.core.masking import keep
from govbridge.core.timezone import LOCAL_TZ

# China Standard Time (UTC+8, no daylight saving): what citizens read their times in.
CST = LOCAL_TZ
# A citizen ID shows its region (first 6) and last 4 characters, never the birth date.
_ID_HEAD = 6
_ID_TAIL = 4


def mask_subject(subject_type: str | None, subject_id: str | None) -> str | None:
    """How an applicant's identifier is shown: citizen IDs masked, credit codes in full."""
    if not subject_id:
        return None
    if subject_type == "enterprise":
        return subject_id
    return keep(subject_id, _ID_HEAD, _ID_TAIL)


def when(value: datetime | None) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM:SS UTC' (stored times are UTC)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def when_cst(value: datetime | None) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM:SS' in China Standard Time (naive values are UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def when_cst_ms(value: int | None) -> str:
    """Milliseconds since the epoch (a tree head's timestamp) as `when_cst` shows them."""
    if value is None:
        return ""
    return when_cst(datetime.fromtimestamp(value / 1000, UTC))
