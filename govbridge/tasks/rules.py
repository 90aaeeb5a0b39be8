"""The rules of a campaign task (督办任务). Pure: no I/O.

States and who moves them:

    not_started ──start/report──▶ in_progress ──submit──▶ submitted ──accept──▶ accepted
         │                          ▲    │                    │
         │                          │    └─block─▶ blocked    └─return (reason)─▶ returned
         └──block (reason)──────────┘◀──unblock──┘                                    │
                                    ◀──────────────────start/report───────────────────┘
    any open state ──cancel (reason)──▶ cancelled

The owning department reports, submits, blocks and unblocks; the campaign's leader
accepts, returns and cancels. `accepted` and `cancelled` are final: they stop reminders.

Lateness (a task's "how is it going", for the pages and the roll-up):
- late: still open (not submitted, accepted or cancelled) after its due day;
- at risk: open, not late, and the pace so far does not reach 100 % by the due day.
  With p % done after e working days (from the start day, today included) the rest
  needs ceil(e·(100−p)/p) more; at risk when e + that > the task's working days.
  Nothing reported (p = 0) is at risk once more than a quarter of its days are gone:
  a 20-day task with nothing after 6 days is at risk, after 5 it is not yet.

Reminders, once each per task (`remind.py` keeps them once):
- `before`: within REMIND_BEFORE_DAYS working days before the due day, to the owner;
- `due`: from the due day on, to the department's head;
- `overdue`: after the due day, to the campaign's leader, urgent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from govbridge.agreements.workdays import Calendar, working_days_between

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
RETURNED = "returned"
BLOCKED = "blocked"
CANCELLED = "cancelled"

STATES = (NOT_STARTED, IN_PROGRESS, SUBMITTED, ACCEPTED, RETURNED, BLOCKED, CANCELLED)
FINAL = frozenset({ACCEPTED, CANCELLED})
# Still owing work from the department (late and at-risk apply to these).
WORKING = frozenset({NOT_STARTED, IN_PROGRESS, RETURNED, BLOCKED})
# Reminders continue until accepted or cancelled.
OPEN = frozenset(STATES) - FINAL

# Actions and who may take them.
START, REPORT, SUBMIT, ACCEPT, RETURN, BLOCK, UNBLOCK, CANCEL = (
    "start", "report", "submit", "accept", "return", "block", "unblock", "cancel")
DEPARTMENT_ACTIONS = frozenset({START, REPORT, SUBMIT, BLOCK, UNBLOCK})
LEADER_ACTIONS = frozenset({ACCEPT, RETURN, CANCEL})
NEEDS_REASON = frozenset({RETURN, BLOCK, CANCEL})

TRANSITIONS: Mapping[str, Mapping[str, str]] = {
    START: {NOT_STARTED: IN_PROGRESS, RETURNED: IN_PROGRESS},
    REPORT: {NOT_STARTED: IN_PROGRESS, IN_PROGRESS: IN_PROGRESS, RETURNED: IN_PROGRESS},
    SUBMIT: {IN_PROGRESS: SUBMITTED, RETURNED: SUBMITTED},
    ACCEPT: {SUBMITTED: ACCEPTED},
    RETURN: {SUBMITTED: RETURNED},
    BLOCK: {NOT_STARTED: BLOCKED, IN_PROGRESS: BLOCKED, RETURNED: BLOCKED},
    UNBLOCK: {BLOCKED: IN_PROGRESS},
    CANCEL: {s: CANCELLED for s in OPEN},
}
# Actions that begin the work: refused while a finish-to-start predecessor is open.
BEGINS_WORK = frozenset({START, REPORT, SUBMIT, UNBLOCK})

REMIND_BEFORE_DAYS = 2
BEFORE, DUE, OVERDUE = "before", "due", "overdue"
STAGES = (BEFORE, DUE, OVERDUE)
# A task with nothing reported is at risk once this share of its days has passed.
SILENT_SHARE = 0.25

ON_TRACK, AT_RISK, LATE, DONE, WAITING = "on_track", "at_risk", "late", "done", "waiting"


class TransitionRefused(ValueError):
    """An action the task's state does not allow; says which and what would."""


def next_state(state: str, action: str) -> str:
    """The state after `action`, or TransitionRefused naming the states it needs."""
    allowed = TRANSITIONS.get(action)
    if allowed is None:
        raise TransitionRefused(f"unknown action {action!r}")
    if state not in allowed:
        needs = ", ".join(sorted(allowed))
        raise TransitionRefused(f"a task {state} cannot be {_past(action)}; it must be "
                                f"one of: {needs}")
    return allowed[state]


def allowed_actions(state: str) -> frozenset[str]:
    return frozenset(a for a, t in TRANSITIONS.items() if state in t)


def _past(action: str) -> str:
    return {START: "started", REPORT: "reported on", SUBMIT: "submitted", ACCEPT: "accepted",
            RETURN: "returned", BLOCK: "blocked", UNBLOCK: "unblocked",
            CANCEL: "cancelled"}[action]


def progress_after(action: str, current: int, reported: int | None) -> int:
    """The task's progress after an action (accepted is 100; a report sets it)."""
    if action == ACCEPT:
        return 100
    if action == REPORT and reported is not None:
        return reported
    if action == SUBMIT and reported is not None:
        return reported
    return current


def working_days_elapsed(start: date, today: date, calendar: Calendar) -> int:
    """Working days from `start` through `today`, both included (0 before the start)."""
    if today < start:
        return 0
    first = 1 if calendar.is_working_day(start) else 0
    return first + working_days_between(start, today, calendar)


def lateness(state: str, start: date, due: date, working_days: int, progress: int,
             today: date, calendar: Calendar) -> str:
    """done | waiting (submitted) | late | at_risk | on_track (see the module text)."""
    if state in FINAL:
        return DONE
    if state == SUBMITTED:
        return WAITING
    if today > due:
        return LATE
    elapsed = working_days_elapsed(start, today, calendar)
    if elapsed == 0 or progress >= 100:
        return ON_TRACK
    total = max(working_days, 1)
    if progress <= 0:
        return AT_RISK if elapsed > total * SILENT_SHARE else ON_TRACK
    needed = -(-elapsed * (100 - progress) // progress)
    return AT_RISK if elapsed + needed > total else ON_TRACK


def is_late(state: str, due: date, today: date) -> bool:
    return state in WORKING and today > due


def reminder_stages(state: str, due: date, today: date, calendar: Calendar,
                    before_days: int = REMIND_BEFORE_DAYS) -> tuple[str, ...]:
    """The stages whose reminder is due today (each is sent once; `remind.py` skips the
    ones already sent). Nothing for an accepted or cancelled task."""
    if state in FINAL:
        return ()
    if today > due:
        return (DUE, OVERDUE)
    if today == due:
        return (DUE,)
    if working_days_between(today, due, calendar) <= before_days:
        return (BEFORE,)
    return ()


# ---- roll-up ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RollupTask:
    id: int
    parent_id: int | None
    organization_id: int
    weight: int
    state: str
    progress: int


def own_progress(t: RollupTask) -> float:
    return 100.0 if t.state == ACCEPTED else float(t.progress)


def rollup_tree(tasks: Iterable[RollupTask]) -> dict[int, float]:
    """Each task's progress with its subtree: a task with children is the weighted mean
    of its (not cancelled) children's; a leaf is its own. Cancelled tasks count nowhere.
    A parent whose children are all cancelled keeps its own progress."""
    by_id = {t.id: t for t in tasks}
    children: dict[int, list[RollupTask]] = {}
    for t in by_id.values():
        if t.parent_id is not None and t.parent_id in by_id:
            children.setdefault(t.parent_id, []).append(t)
    out: dict[int, float] = {}

    def value(t: RollupTask) -> float:
        if t.id in out:
            return out[t.id]
        stack, order = [t], []
        while stack:  # iterative post-order: deep trees do not hit the recursion limit
            node = stack.pop()
            order.append(node)
            stack.extend(c for c in children.get(node.id, ()) if c.id not in out)
        for node in reversed(order):
            kids = [c for c in children.get(node.id, ()) if c.state != CANCELLED]
            weight = sum(c.weight for c in kids)
            out[node.id] = (sum(out[c.id] * c.weight for c in kids) / weight if weight
                            else own_progress(node))
        return out[t.id]

    for t in by_id.values():
        value(t)
    return out


def rollup_total(tasks: Iterable[RollupTask]) -> float:
    """The campaign's progress: weighted mean of its top-level tasks' roll-ups."""
    items = list(tasks)
    tree = rollup_tree(items)
    ids = {t.id for t in items}
    roots = [t for t in items if (t.parent_id is None or t.parent_id not in ids)
             and t.state != CANCELLED]
    weight = sum(t.weight for t in roots)
    return sum(tree[t.id] * t.weight for t in roots) / weight if weight else 0.0


def rollup_by_department(tasks: Iterable[RollupTask]) -> dict[int, float]:
    """Each department's progress: weighted mean over its leaf tasks (not cancelled)."""
    items = list(tasks)
    parents = {t.parent_id for t in items if t.parent_id is not None}
    sums: dict[int, tuple[float, int]] = {}
    for t in items:
        if t.id in parents or t.state == CANCELLED:
            continue
        done, weight = sums.get(t.organization_id, (0.0, 0))
        sums[t.organization_id] = (done + own_progress(t) * t.weight, weight + t.weight)
    return {org: (done / weight if weight else 0.0) for org, (done, weight) in sums.items()}
