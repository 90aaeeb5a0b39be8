"""A campaign's schedule: working-day dates, finish-to-start dependencies, cycles and the
critical path. Pure: no I/O.

Dates are counted on the bureau's calendar (`agreements.workdays.Calendar`: weekends,
holidays, make-up days). A task of n working days starting on day s is due on the n-th
working day from s (s itself counts). A dependency "B after A, lag L" means B may start
on the (L+1)-th working day after A's due day.

The critical path is the classic CPM forward and backward pass over working-day
ordinals, each task's planned start a "start no earlier than" bound: the chain of tasks
with zero total float, which decides the campaign's end. It is written here rather than
taken from networkx (3.6 here): networkx's `dag_longest_path` has no lags, no per-node
earliest starts and no float, and the two passes are O(tasks + dependencies) in plain
lists (a 5,000-task campaign: see `govbridge bench tasks`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from govbridge.agreements.workdays import Calendar, add_working_days


def first_working_day(day: date, calendar: Calendar) -> date:
    """`day` if it is a working day, else the next one."""
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def due_of(start: date, working_days: int, calendar: Calendar) -> date:
    """The due day of a task of `working_days` (≥ 1) starting on working day `start`."""
    if working_days < 1:
        raise ValueError("a task lasts at least one working day")
    return add_working_days(first_working_day(start, calendar), working_days - 1, calendar)


def earliest_start_after(predecessor_due: date, lag: int, calendar: Calendar) -> date:
    """The first day a successor may start: `lag` + 1 working days after the due day."""
    return add_working_days(predecessor_due, lag + 1, calendar)


def find_cycle(edges: Iterable[tuple[int, int]]) -> list[int] | None:
    """A cycle in the graph of (predecessor, successor) edges, as the list of nodes
    [a, b, …, a] in dependency order, or None. Iterative DFS (deep chains are fine)."""
    succ: dict[int, list[int]] = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
    colour: dict[int, int] = dict.fromkeys(succ, 0)  # 0 new, 1 on the path, 2 done
    for root in sorted(succ):
        if colour[root]:
            continue
        path: list[int] = [root]
        iters = [iter(succ[root])]
        colour[root] = 1
        while path:
            nxt = next(iters[-1], None)
            if nxt is None:
                colour[path.pop()] = 2
                iters.pop()
            elif colour[nxt] == 1:
                return [*path[path.index(nxt):], nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                path.append(nxt)
                iters.append(iter(succ[nxt]))
    return None


class WorkdayOrdinals:
    """Working days from `first` on numbered 0, 1, 2, … (a day off takes the number of the
    next working day), so schedule arithmetic is integer arithmetic. Built up to `last`,
    extended when a later ordinal is asked for."""

    def __init__(self, first: date, last: date, calendar: Calendar) -> None:
        self.calendar = calendar
        self.days: list[date] = []
        self._next = first
        self._extend_to(last)

    def _extend_to(self, last: date) -> None:
        day = self._next
        while day <= last:
            if self.calendar.is_working_day(day):
                self.days.append(day)
            day += timedelta(days=1)
        self._next = day

    def of(self, day: date) -> int:
        if day >= self._next:
            self._extend_to(day)
        return bisect_left(self.days, day)

    def day(self, ordinal: int) -> date:
        while ordinal >= len(self.days):
            self._extend_to(self._next + timedelta(days=31))
        return self.days[max(ordinal, 0)]


@dataclass(frozen=True, slots=True)
class PlanTask:
    id: int
    start: int  # working-day ordinal of the planned start
    duration: int  # working days, ≥ 1


@dataclass(frozen=True, slots=True)
class CriticalPath:
    finish: int  # ordinal of the campaign's last working day
    early_start: Mapping[int, int]
    total_float: Mapping[int, int]
    tasks: frozenset[int]  # zero float
    edges: frozenset[tuple[int, int]]  # dependencies between critical tasks that drive
    order: Sequence[int]  # a topological order


def topological_order(ids: Iterable[int], edges: Sequence[tuple[int, int, int]]) -> list[int]:
    """Kahn's algorithm over (predecessor, successor, lag); ValueError on a cycle."""
    nodes = list(ids)
    indeg = dict.fromkeys(nodes, 0)
    succ: dict[int, list[int]] = {n: [] for n in nodes}
    for a, b, _lag in edges:
        succ[a].append(b)
        indeg[b] += 1
    ready = [n for n in nodes if indeg[n] == 0]
    order: list[int] = []
    while ready:
        n = ready.pop()
        order.append(n)
        for m in succ[n]:
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    if len(order) != len(nodes):
        raise ValueError("the dependencies hold a cycle")
    return order


def critical_path(tasks: Sequence[PlanTask], edges: Sequence[tuple[int, int, int]]
                  ) -> CriticalPath:
    """CPM over `tasks` and (predecessor, successor, lag) edges (see the module text)."""
    if not tasks:
        return CriticalPath(0, {}, {}, frozenset(), frozenset(), ())
    by_id = {t.id: t for t in tasks}
    order = topological_order(by_id, edges)
    preds: dict[int, list[tuple[int, int]]] = {t: [] for t in by_id}
    succs: dict[int, list[tuple[int, int]]] = {t: [] for t in by_id}
    for a, b, lag in edges:
        preds[b].append((a, lag))
        succs[a].append((b, lag))
    es: dict[int, int] = {}
    ef: dict[int, int] = {}
    for n in order:
        t = by_id[n]
        start = t.start
        for p, lag in preds[n]:
            start = max(start, ef[p] + 1 + lag)
        es[n], ef[n] = start, start + t.duration - 1
    finish = max(ef.values())
    lf: dict[int, int] = {}
    ls: dict[int, int] = {}
    for n in reversed(order):
        latest = finish
        for s, lag in succs[n]:
            latest = min(latest, ls[s] - 1 - lag)
        lf[n], ls[n] = latest, latest - by_id[n].duration + 1
    slack = {n: ls[n] - es[n] for n in by_id}
    critical = frozenset(n for n in by_id if slack[n] == 0)
    driving = frozenset((a, b) for a, b, lag in edges
                        if a in critical and b in critical and ef[a] + 1 + lag == es[b])
    return CriticalPath(finish, es, slack, critical, driving, order)
