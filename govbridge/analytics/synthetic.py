"""A reproducible history of finished cases (办件), generated cheaply: pure, no I/O.

The demo city and `govbridge bench analytics` need a year (or a million) of case records
so the analytics show real trends. Running the process engine per case would cost ~4 ms a
case (SpiffWorkflow, DESIGN.md) and ledger every step; instead this module draws the rows
a finished case leaves behind — the case, its materials, its timeline — with realistic
timings, and `write_history` bulk-inserts them (about 40k cases/s on SQLite here).

What is drawn (one `random.Random(seed)`, so the same seed gives the same rows):
- arrivals per day: a Poisson count around `per_day`, by weekday (Monday busiest, the
  weekend nearly closed) and month (the Spring Festival month quiet, spring and autumn
  busy), at office hours in China Standard Time;
- 3 % not accepted at the window; the rest accepted within the day;
- materials a department holds (certificate / dataset) arrive by sharing with a
  probability that rises over the history from `share_from` to `share_to` (the campaign
  the dashboard shows: 30 % -> 95 %), otherwise they are uploaded; uploads stay uploads;
- each participating department's step takes a lognormal number of working hours around
  its own share of the promised time (some departments are slow), shrinking over the
  history; the lead first, the others in parallel; 8 %
  of cases are returned once for correction with a cause (the applicant's trip back), 2 %
  refused with a reason;
- applicants come from a given pool, so one applicant's later cases form a journey.

The case codes start with `H` (history), never clash with the engine's `BJ…` codes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from govbridge.core.timezone import LOCAL_TZ

RETURN_CAUSES = (
    "材料不清晰，请重新上传",
    "申请表信息与证照不一致",
    "缺少经办人签字",
    "材料已过有效期",
)
REFUSE_REASONS = ("不符合受理条件", "申请事项不属于本部门职责")
WEEKDAY_FACTOR = (1.35, 1.1, 1.0, 1.0, 0.95, 0.08, 0.04)
MONTH_FACTOR = (0.9, 0.55, 1.15, 1.2, 1.0, 1.05, 0.95, 0.9, 1.1, 1.0, 1.1, 1.05)
HELD_KINDS = ("certificate", "dataset")


@dataclass(frozen=True)
class ItemSpec:
    code: str
    version: int | None
    lead_org_id: int
    org_ids: tuple[int, ...]  # participating departments after the lead
    promised_days: int
    # (key, name, kind, required)
    materials: tuple[tuple[str, str, str, bool], ...]
    weight: float = 1.0  # relative demand
    # Credit codes of (lead, *org_ids), named in the timeline's events (empty: the ids).
    codes: tuple[str, ...] = ()


@dataclass
class DrawnCase:
    row: dict[str, Any]
    materials: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:  # normal approximation
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def add_working_days(start: date, days: int) -> date:
    """Weekends skipped (the history does not know the bureau's holidays)."""
    d = start
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d


def _after_working_hours(start: datetime, hours: float) -> datetime:
    """`hours` of office time (8 a day, Monday to Friday) after `start`."""
    t = start
    remaining = hours
    while remaining > 0:
        local = t.astimezone(LOCAL_TZ)
        if local.weekday() >= 5 or local.hour >= 17:
            nxt = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
            t = nxt.astimezone(UTC)
            continue
        if local.hour < 9:
            t = local.replace(hour=9, minute=0, second=0, microsecond=0).astimezone(UTC)
            continue
        left_today = 17 - (local.hour + local.minute / 60)
        step = min(left_today, remaining)
        t = t + timedelta(hours=step)
        remaining -= step
        if remaining > 0:
            t = t + timedelta(minutes=1)
    return t


def _dept_hours(org_id: int, promised_days: int, progress: float) -> float:
    """Mean working hours of a department's step: a share of the item's promised time that
    is a stable trait of the department (15 % to 51 %), shrinking by up to 40 % over the
    history as sharing spares the checks."""
    share = 0.15 + (org_id * 7919 % 13) * 0.03
    return max(0.5, promised_days * 8 * share * (1 - 0.4 * progress))


def draw(items: Sequence[ItemSpec], applicants: Sequence[tuple[str, str]], *, start: date,
         days: int, per_day: float, seed: int, share_from: float = 0.3,
         share_to: float = 0.95, code_prefix: str = "H") -> Iterator[DrawnCase]:
    """The cases of `days` days from `start`, in time order (see the module docstring)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible history, not secrets
    weights = [i.weight for i in items]
    n = 0
    for day_no in range(days):
        day = start + timedelta(days=day_no)
        lam = per_day * WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR[day.month - 1]
        share = share_from + (share_to - share_from) * day_no / max(1, days - 1)
        for _ in range(_poisson(rng, lam)):
            n += 1
            item = rng.choices(items, weights)[0]
            # A tenth of the applicants come back (their cases form journeys).
            pool = max(1, len(applicants) // 10) if rng.random() < 0.3 else len(applicants)
            applicant = applicants[rng.randrange(pool)]
            yield _one(rng, item, applicant, day, share, f"{code_prefix}{day:%Y%m%d}{n:07d}",
                       day_no / max(1, days - 1))


def _one(rng: random.Random, item: ItemSpec, applicant: tuple[str, str], day: date,
         share: float, code: str, progress: float) -> DrawnCase:
    local = datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ) + timedelta(
        minutes=rng.randrange(0, 8 * 60))
    submitted = local.astimezone(UTC)
    row: dict[str, Any] = {
        "code": code, "item_code": item.code, "item_version": item.version,
        "applicant_id": applicant[0], "applicant_name": applicant[1], "form": {},
        "submitted_at": submitted, "created_by": "history", "updated_at": submitted,
        "accepting_org_id": item.lead_org_id, "workflow_state": None, "state": None,
        "reason": None, "accepted_at": None, "completed_at": None, "promised_due": None,
    }
    case = DrawnCase(row)
    ev = case.events
    ev.append({"at": submitted, "actor": "applicant", "kind": "submitted",
               "detail": {"item": item.code}})
    if rng.random() < 0.03:
        at = _after_working_hours(submitted, rng.uniform(0.2, 3))
        row.update(state="not_accepted", reason="材料不齐全，不予受理", completed_at=at,
                   updated_at=at)
        ev.append({"at": at, "actor": "clerk", "kind": "not_accepted", "detail": {}})
        return case
    accepted = _after_working_hours(submitted, rng.uniform(0.1, 2.5))
    due = add_working_days(accepted.astimezone(LOCAL_TZ).date(), item.promised_days)
    row.update(accepted_at=accepted, promised_due=due)
    ev.append({"at": accepted, "actor": "clerk", "kind": "accepted", "detail": {}})
    uploads: list[str] = []
    for key, name, kind, required in item.materials:
        if kind == "form" or (not required and rng.random() < 0.5):
            continue
        if kind in HELD_KINDS and rng.random() < share:
            status, source = "fetched", f"exchange:h{rng.getrandbits(40):010x}"
        else:
            status, source = "uploaded", f"upload:{rng.getrandbits(128):032x}"
            uploads.append(key)
        case.materials.append({"key": key, "name": name, "kind": kind, "required": required,
                               "status": status, "source": source, "detail": None,
                               "updated_at": accepted})
    for key in uploads:
        ev.append({"at": accepted, "actor": "applicant", "kind": "uploaded",
                   "detail": {"material": key}})
    t = parallel_end = accepted
    returned = rng.random() < 0.08
    for step, org in enumerate((item.lead_org_id, *item.org_ids)):
        dept = item.codes[step] if item.codes else str(org)
        hours = rng.lognormvariate(math.log(_dept_hours(org, item.promised_days, progress)), 0.5)
        end = _after_working_hours(t, hours)
        if returned and step == 0:
            cause = rng.choice(RETURN_CAUSES)
            keys = [m["key"] for m in case.materials][:1]
            ev.append({"at": end, "actor": f"approver.{org}", "kind": "returned",
                       "detail": {"opinion": cause, "materials": keys, "department": dept}})
            wait = rng.uniform(4, 24)
            end = _after_working_hours(end, wait)
            ev.append({"at": end, "actor": "applicant", "kind": "resumed",
                       "detail": {"hours": round(wait, 2)}})
        if rng.random() < 0.02 / (1 + step):
            reason = rng.choice(REFUSE_REASONS)
            ev.append({"at": end, "actor": f"approver.{org}", "kind": "decided",
                       "detail": {"department": dept, "decision": "refuse",
                                  "hours": round(hours, 2)}})
            row.update(state="refused", reason=reason, completed_at=end, updated_at=end)
            ev.append({"at": end, "actor": f"approver.{org}", "kind": "refused",
                       "detail": {"opinion": reason}})
            return case
        ev.append({"at": end, "actor": f"approver.{org}", "kind": "decided",
                   "detail": {"department": dept, "decision": "approve",
                              "hours": round(hours, 2)}})
        if step == 0:
            t = parallel_end = end  # the others run in parallel after the lead's step
        else:
            parallel_end = max(parallel_end, end)
    done = parallel_end
    row.update(state="completed", completed_at=done, updated_at=done)
    ev.append({"at": done, "actor": "process", "kind": "completed", "detail": {}})
    return case
