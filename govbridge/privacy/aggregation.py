"""Secure aggregation across three or more departments: count, sum, mean or histogram of a
field, where no party and not the hub sees another party's input.

Each party reduces its own rows to a short vector (count; sum and count; counts per bin),
in fixed point, and Shamir-shares it with threshold n - 1 (`sharing.py`), one share
encrypted to each other party through the hub (`channel.py`); each party then sends the
hub the sum of the shares it holds, and the hub interpolates the total. What each learns:
- a party: its own input, and random-looking shares of the others' (any n - 2 parties
  together learn nothing);
- the hub: the public keys, ciphertexts, and the summed shares, which determine only the
  total: the released result, which it checks against the minimum group size (and noises
  under differential privacy) before storing it for the receiver.
Each party also adds to its vector a 1 when its own count is below the minimum group size
(`short_flag`): a receiver that is a party knows its own input and subtracts it, so a
total over 160 with the receiver's 60 would otherwise release a sum over the other 100
(or, with a floor of 10, over one person beside empty datasets). The hub learns how many
parties are short, never which, and releases nothing if any is. A histogram adds the same
flag per bin (1 to min_group - 1 of the party's own values in it): such a bin is
suppressed, since a receiver holding 9 of a bin's 10 would read the others' 1.
Dropout: a party that stops after handing out its shares is recovered from the other
n - 1 (the result stays exact); one that stops before ends the job, nothing released.
"""

from __future__ import annotations

import bisect
from typing import Any

from govbridge.privacy import rules, sharing
from govbridge.privacy.protocol import (
    Aborted,
    Hub,
    HubGen,
    Me,
    Outcome,
    PartyGen,
    hub_secure_vector,
    party_keys,
    party_secure_vector,
    short_flag,
    value_of,
)


def local_vector(computation: str, rows: list[dict[str, Any]], field: str | None,
                 params: dict[str, Any]) -> list[int]:
    """The party's own contribution, computed on its rows only."""
    if computation == "aggregate.count":
        return [len(rows)]
    decimals = int(params.get("decimals", 2))
    clip = params.get("clip")
    values = [float(v) if clip else v for r in rows if (v := value_of(r, field or "")) is not None]
    if computation == "aggregate.histogram":
        edges = [float(e) for e in params["edges"]]
        bins = [0] * (len(edges) - 1)
        for v in values:
            x = float(v)
            i = bisect.bisect_right(edges, x) - 1
            if x == edges[-1]:
                i = len(bins) - 1
            if 0 <= i < len(bins):
                bins[i] += 1
        return [*bins, len(values)]
    total = sum(sharing.to_fixed(rules.clip_value(v, clip) if clip else v, decimals)
                for v in values)
    return [sharing.encode(total), len(values)]


def party(me: Me) -> PartyGen:
    inbox = yield from party_keys(me)
    vector = local_vector(me.computation, me.rows, me.party.value_field, me.params)
    if me.computation == "aggregate.histogram":  # a flag per bin with 1 to floor - 1 of ours
        vector += [1 if 0 < b < me.min_group else 0 for b in vector[:-1]]
    vector.append(short_flag(me, vector[-1] if me.computation != "aggregate.histogram"
                             else vector[len(me.params["edges"]) - 1]))
    yield from party_secure_vector(me, [sharing.encode(v) for v in vector], inbox)
    return None


def hub(h: Hub) -> HubGen:
    msgs = yield []  # the keys
    msgs = yield []  # the shares
    total = yield from hub_secure_vector(h, msgs)
    short = total.pop()
    if short:
        return Outcome(rules.SUPPRESSED, None, f"{short} of the parties hold fewer values "
                       f"of their own than the minimum group of {h.min_group}")
    if h.computation == "aggregate.histogram":
        bins = len(h.params["edges"]) - 1
        return release(h, total[:bins + 1], small_parts=total[bins + 1:])
    return release(h, total)


def release(h: Hub, total: list[int], small_parts: list[int] | None = None) -> Outcome:
    """The output controls on the reconstructed total (rules.py); `small_parts` counts, per
    histogram bin, the parties holding 1 to min_group - 1 values of their own there."""
    eps = h.params.get("epsilon")
    decimals = int(h.params.get("decimals", 2))

    def noisy(value: float, sensitivity: float) -> float:
        if not eps:
            return value
        return value + rules.laplace(rules.noise_scale(sensitivity, eps), h.uniform())

    if h.computation == "aggregate.histogram":
        bins, count = total[:-1], total[-1]
        if rules.small(count, h.min_group):
            return Outcome(rules.SUPPRESSED, None, f"fewer than {h.min_group} values")
        shown = [max(round(noisy(b, 1)), 0) for b in bins] if eps else list(bins)
        counts = rules.suppress_bins(shown, h.min_group, small_parts)
        # the count released is that of the released bins: the total of every value would
        # give back a suppressed bin (total less the shown bins), or the few values outside
        # the edges
        return Outcome(rules.COMPLETED, {
            "edges": h.params["edges"], "counts": counts,
            "count": sum(c for c in counts if c is not None)}, epsilon=eps)
    count = total[-1]
    if rules.small(count, h.min_group):
        return Outcome(rules.SUPPRESSED, None, f"fewer than {h.min_group} values")
    if h.computation == "aggregate.count":
        return Outcome(rules.COMPLETED, {"count": round(noisy(count, 1))}, epsilon=eps)
    if len(total) != 2:
        raise Aborted("malformed total")
    value = sharing.from_fixed(total[0], decimals)
    if eps:  # half the budget each to the sum and the count
        sens = rules.sum_sensitivity(h.params["clip"])
        value = noisy(value, 2 * sens)
        count = max(round(noisy(count, 2)), 1)
    if h.computation == "aggregate.sum":
        return Outcome(rules.COMPLETED, {"sum": round(value, decimals), "count": count},
                       epsilon=eps)
    return Outcome(rules.COMPLETED, {"mean": round(value / count, 6), "count": count},
                   epsilon=eps)
