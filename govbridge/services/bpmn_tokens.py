"""The token game: can a checked process wait forever at a parallel join? Pure: no I/O.

Plays every run of the process graph (`bpmn_checks.Graph`) - each choice of each exclusive
gateway, each timer boundary event firing or not - and reports a parallel join that some
run leaves waiting (its incoming flows were alternatives of an exclusive gateway), which
the static checks cannot see. The exploration is bounded (`MAX_STATES`, at most 3 tokens
on a flow): a process too large or unbounded to explore is accepted on the static checks.
"""

from __future__ import annotations

from collections import Counter

from govbridge.core.errors import FieldProblem
from govbridge.services.bpmn_checks import ACTIVITIES, Graph, unfinishable

UNPLAYED = frozenset({"inclusiveGateway", "eventBasedGateway", "complexGateway"})
# Bound of the token game; a process this large is accepted without the join check.
MAX_STATES = 20_000


def token_game(g: Graph) -> list[FieldProblem]:
    """Explore every run (each exclusive choice, each timer firing or not) for a deadlock.

    Played on one scope with one start and only exclusive and parallel gateways; other
    processes are accepted on the static checks."""
    starts = [n for n, k in g.kinds.items() if k == "startEvent"]
    if len(starts) != 1 or set(g.kinds.values()) & UNPLAYED:
        return []
    start = starts[0]
    Tokens = tuple[tuple[str, int], ...]  # flow or "@node" / "@node!boundary" -> count

    def freeze(c: Counter[str]) -> Tokens:
        return tuple(sorted((k, v) for k, v in c.items() if v))

    def emit(c: Counter[str], node: str) -> None:  # to every outgoing flow
        for f in g.out.get(node, []):
            c[f] += 1

    def arrive(c: Counter[str], node: str) -> list[Counter[str]]:
        """A token reaches `node` (already consumed from its incoming flow)."""
        kind = g.kinds[node]
        if kind == "endEvent":
            return [c]
        if kind == "exclusiveGateway":
            outs = []
            for f in g.out.get(node, []):
                n = c.copy()
                n[f] += 1
                outs.append(n)
            return outs
        if kind in ACTIVITIES and g.boundaries.get(node):
            c[f"@{node}"] += 1
            return [c]
        emit(c, node)
        return [c]

    def moves(state: Tokens) -> list[Counter[str]]:
        c = Counter(dict(state))
        result: list[Counter[str]] = []
        for key, _count in state:
            if key.startswith("@"):
                node, _, fired = key[1:].partition("!")
                done = set(fired.split(",")) - {""}
                n = c.copy()
                n[key] -= 1
                emit(n, node)
                result.append(n)
                for b, interrupts in g.boundaries.get(node, []):
                    if b in done:
                        continue
                    n = c.copy()
                    if not interrupts:
                        n[key] -= 1
                        n["@" + node + "!" + ",".join(sorted(done | {b}))] += 1
                    else:
                        n[key] -= 1
                    emit(n, b)
                    result.append(n)
                continue
            node = g.flows[key][1]
            incoming = g.into.get(node, [])
            if g.kinds[node] == "parallelGateway" and len(incoming) > 1:
                if all(c[f] for f in incoming):
                    n = c.copy()
                    for f in incoming:
                        n[f] -= 1
                    emit(n, node)
                    result.append(n)
                continue
            n = c.copy()
            n[key] -= 1
            result.extend(arrive(n, node))
        return result

    first = Counter[str]()
    emit(first, start)
    seen: set[Tokens] = set()
    todo = [freeze(first)]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        if len(seen) > MAX_STATES or any(v > 3 for _, v in state):
            return []  # too large or unbounded to explore; the static checks stand
        if not state:
            continue
        nxt = moves(state)
        if not nxt:
            waiting = sorted({g.flows[k][1] for k, _ in state if not k.startswith("@")})
            joins = [n for n in waiting if g.kinds[n] == "parallelGateway"] or waiting
            return [unfinishable(
                f"{g.label(joins[0])} can wait forever: on some path not all of its incoming "
                "flows get a token (are they alternatives of an exclusive gateway?), so the "
                "process can never finish", g.elements[joins[0]])]
        todo.extend(freeze(n) for n in nxt)
    return []
