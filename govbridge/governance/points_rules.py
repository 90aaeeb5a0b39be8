"""What a use of shared data is worth in points (共享积分), pure: no I/O.

The bureau's rates (a versioned setting) say when the consumer pays — per call, or once
when an agreement is approved — and how much: `per_call` plus `per_thousand_rows` for each
thousand rows returned, or `per_approval`. The provider earns exactly what the consumer
spends (one movement, two entries), weighted by the quality of what it provides: the
factor is 0.5 + (overall + timeliness) / 2 of the dataset's latest quality run, from 0.5
(worthless data) to 1.5 (perfect and fresh), and 1 before any run.

Example: a call returning 2,500 rows at 1 per call and 1 per thousand rows, on a dataset
scoring overall 0.9 and timeliness 0.7, is worth (1 + 2.5) x 1.3 = 4.55, i.e. 5 points
(whole points, halves rounded up). Points never decide whether a query is served.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DEFAULT_RATES: dict[str, Any] = {
    "spend_on": "call",
    "per_call": 1,
    "per_thousand_rows": 1,
    "per_approval": 10,
    "weight_by_quality": True,
}


def quality_factor(overall: float | None, timeliness: float | None) -> Decimal:
    """0.5 + mean of overall and timeliness (each clamped to [0, 1]); 1 without a run."""
    if overall is None or timeliness is None:
        return Decimal(1)
    o = min(1.0, max(0.0, overall))
    t = min(1.0, max(0.0, timeliness))
    return Decimal("0.5") + (Decimal(str(o)) + Decimal(str(t))) / 2


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def call_amount(rates: Mapping[str, Any], rows: int, factor: Decimal) -> int:
    """Points one call moves from consumer to provider (0 when rates charge approvals)."""
    if rates.get("spend_on") != "call":
        return 0
    base = Decimal(int(rates["per_call"])) + Decimal(int(rates["per_thousand_rows"])) * rows / 1000
    return _whole(base * (factor if rates.get("weight_by_quality", True) else 1))


def approval_amount(rates: Mapping[str, Any], factor: Decimal) -> int:
    """Points an approved agreement moves from consumer to provider (0 when per call)."""
    if rates.get("spend_on") != "approval":
        return 0
    base = Decimal(int(rates["per_approval"]))
    return _whole(base * (factor if rates.get("weight_by_quality", True) else 1))


def in_deficit(balance: int) -> bool:
    return balance < 0
