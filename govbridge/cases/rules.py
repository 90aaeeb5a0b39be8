"""Pure rules of cases: the state machine, the time-limit points, material status. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from govbridge.core.errors import Conflict

State = Literal["submitted", "accepted", "not_accepted", "in_progress", "completed", "refused"]
STATES: tuple[str, ...] = ("submitted", "accepted", "not_accepted", "in_progress",
                           "completed", "refused")
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"accepted", "not_accepted"}),
    "accepted": frozenset({"in_progress"}),
    # Back to "accepted" when returned for correction (补正) with materials to supply again.
    "in_progress": frozenset({"completed", "refused", "accepted"}),
    "not_accepted": frozenset(),
    "completed": frozenset(),
    "refused": frozenset(),
}
FINAL: frozenset[str] = frozenset({"not_accepted", "completed", "refused"})
REMIND_AT = 0.8  # share of the promised time limit after which the case is reminded

MaterialStatus = Literal["fetched", "missing", "uploaded", "rejected"]
SATISFIED: frozenset[str] = frozenset({"fetched", "uploaded"})


def awaits_acceptance(state: str) -> bool:
    """Whether the front desk may accept (or not accept) a case in `state`: only a new
    application; a case returned for correction is not accepted again."""
    return state == "submitted"


def awaits_materials(state: str) -> bool:
    """Whether the case waits for the applicant: accepted with required materials still
    missing, or returned for correction (补正) with materials to supply again."""
    return state == "accepted"


def was_accepted(state: str) -> bool:
    """Whether the front desk accepted the case (whatever happened since)."""
    return state not in ("submitted", "not_accepted")


def is_final(state: str) -> bool:
    """Whether the case is over (not accepted, completed or refused): nothing changes it."""
    return state in FINAL


def check_transition(current: str, target: str) -> None:
    """Raise Conflict unless `current → target` is a step of the state machine."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(f"a case in state {current} cannot become {target}", "state", current)


def due_end(due: date) -> datetime:
    """The end of the promised day (midnight after it, UTC)."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=UTC)


def reminder_point(accepted_at: datetime, due: date) -> datetime:
    """When 80 % of the promised time (acceptance → end of the due day) has passed."""
    end = due_end(due)
    return accepted_at + (end - accepted_at) * REMIND_AT


def deadline_status(now: datetime, accepted_at: datetime, due: date) -> str:
    """"ok", "remind" (past 80 %) or "overdue" (past the end of the due day)."""
    if now >= due_end(due):
        return "overdue"
    if now >= reminder_point(accepted_at, due):
        return "remind"
    return "ok"


def certificate_material_status(rows: int, certificate_status: str | None) -> tuple[str, str]:
    """Status and detail of a certificate fetched by sharing.

    `certificate_status`: "valid", "revoked", "expired", or None when the platform holds no
    issued certificate (data shared without one): then the shared row counts.
    """
    if rows == 0:
        return "missing", "no record shared for the applicant"
    if certificate_status in (None, "valid"):
        return "fetched", "arrived by sharing"
    return "rejected", f"certificate {certificate_status}"


def missing_materials(materials: list[tuple[str, bool, str]]) -> list[str]:
    """Keys of required materials (key, required, status) not yet satisfied."""
    return [key for key, required, status in materials if required and status not in SATISFIED]


# Files an applicant may upload (PDF, OFD, JPEG, PNG) are recognised by their whole
# structure in `cases/filetypes.py`, not by their first bytes.


def resumed_due(due: date, waited_working_days: int, add_working_days: Callable[[date, int],
                                                                                  date]) -> date:
    """时限中止: the promised day moves on by the working days the case waited for the
    applicant's correction."""
    return add_working_days(due, waited_working_days) if waited_working_days > 0 else due
