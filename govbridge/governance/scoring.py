"""The scorecard's arithmetic (考核计分), pure: no I/O.

A department's figures for a period (whole counts read from the records by
`governance.facts`) become one measured value per dimension, each value a credit between
0 and 1 under the bureau's scoring model, and the card's score the weighted mean of the
dimensions that have data, on 0-100.

Partial credit, not all-or-nothing: a rule names the value earning full credit (`full`)
and the value earning none (`zero`); in between the credit is linear. A dimension where
lower is better (answer days) simply has `full < zero`. Example with the default model:
answers in 5.0 days on average against full 3, zero 15 give 1 - (5 - 3) / 12 = 0.8333,
i.e. 83.33 points for that dimension.

A dimension without data (nothing to measure in the period, or a fact govbridge does not
record) is shown with `score: null` and a note, and leaves the weighted mean: it neither
earns nor costs. A card with no dimension to rate has score 0 and `rated: false`.

Rounding is part of the rule, so an auditor recomputing a card gets the same digits:
values to 4 decimals, dimension scores to 2, the card's score to 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DAY_SECONDS = 86_400

# The dimensions in the order every card lists them, each with what its value is.
DIMENSIONS: dict[str, str] = {
    "catalog_coverage": "published datasets / datasets registered in the catalog",
    "shareable": "published datasets shared (unconditionally or on conditions) / published",
    "agreement_on_time": "requests answered by their due day / requests due in the period",
    "agreement_answer_days": "mean days from request to answer (lower is better)",
    "exchange_availability": "node uptime, 503 rate and latency of the department's answers",
    "quality": "mean overall quality score of the latest run of each published dataset",
    "freshness": "published datasets updated within their declared frequency / with one",
    "cases_on_time": "cases completed by their promised day / cases completed",
    "materials_by_sharing": "case materials fetched by sharing / materials obtained",
    "certificates_electronic": "completed cases with an outcome issued as an electronic "
    "certificate / completed cases whose item issues one",
    "flag_reviews": "unusual-access flags reviewed within the review limit / flags raised",
}

# Figures without which a dimension has nothing to measure, and what the card then says.
NO_DATA: dict[str, tuple[str, str]] = {
    "catalog_coverage": ("registered", "no dataset registered in the catalog"),
    "shareable": ("published", "no dataset published"),
    "agreement_on_time": ("due", "no sharing request was due to be answered in the period"),
    "agreement_answer_days": ("answered", "no sharing request answered in the period"),
    "exchange_availability": (
        "recorded",
        "not recorded: the hub keeps no node uptime, 503 count or latency per department",
    ),
    "quality": ("measured", "no quality run of a published dataset"),
    "freshness": ("declared", "no published dataset with a regular update frequency"),
    "cases_on_time": ("completed", "no case completed in the period"),
    "materials_by_sharing": ("obtained", "no case material obtained in the period"),
    "certificates_electronic": ("with_outcome", "no completed case of an item that issues a "
                                "certificate"),
    "flag_reviews": ("flags", "no unusual-access flag raised in the period"),
}

# The figures each dimension shows (0 when the records hold none).
FIGURES: dict[str, tuple[str, ...]] = {
    "catalog_coverage": ("registered", "published"),
    "shareable": ("published", "shareable"),
    "agreement_on_time": ("due", "on_time"),
    "agreement_answer_days": ("answered", "answer_seconds"),
    "exchange_availability": ("recorded", "failed"),
    "quality": ("measured", "overall_permille_sum"),
    "freshness": ("declared", "fresh"),
    "cases_on_time": ("completed", "on_time"),
    "materials_by_sharing": ("obtained", "shared"),
    "certificates_electronic": ("with_outcome", "issued"),
    "flag_reviews": ("flags", "reviewed_in_time"),
}

DEFAULT_CONFIG: dict[str, Any] = {
    "dimensions": {
        "catalog_coverage": {"weight": 10, "full": 1.0, "zero": 0.5},
        "shareable": {"weight": 10, "full": 0.9, "zero": 0.3},
        "agreement_on_time": {"weight": 10, "full": 1.0, "zero": 0.5},
        "agreement_answer_days": {"weight": 5, "full": 3.0, "zero": 15.0},
        "exchange_availability": {"weight": 5, "full": 0.999, "zero": 0.95},
        "quality": {"weight": 15, "full": 0.95, "zero": 0.6},
        "freshness": {"weight": 10, "full": 1.0, "zero": 0.5},
        "cases_on_time": {"weight": 15, "full": 1.0, "zero": 0.7},
        "materials_by_sharing": {"weight": 10, "full": 0.95, "zero": 0.3},
        "certificates_electronic": {"weight": 5, "full": 1.0, "zero": 0.5},
        "flag_reviews": {"weight": 5, "full": 1.0, "zero": 0.5},
    }
}


@dataclass(frozen=True)
class Rule:
    weight: float
    full: float
    zero: float


@dataclass(frozen=True)
class Model:
    version: int
    rules: Mapping[str, Rule]

    @classmethod
    def of(cls, version: int, config: Mapping[str, Any]) -> Model:
        rules = {name: Rule(float(r["weight"]), float(r["full"]), float(r["zero"]))
                 for name, r in config["dimensions"].items()}
        return cls(version, rules)


@dataclass(frozen=True)
class DimensionScore:
    name: str
    score: float | None  # 0-100, None without data
    value: float | None
    weight: float
    full: float
    zero: float
    figures: dict[str, int]
    note: str | None = None


@dataclass(frozen=True)
class Card:
    score: float
    rated: bool
    dimensions: dict[str, DimensionScore] = field(default_factory=dict)


def _ratio(num: int, den: int) -> float:
    return num / den


def value_of(name: str, f: Mapping[str, int]) -> float | None:
    """The measured value of one dimension from its figures (None: nothing to measure)."""
    basis, _note = NO_DATA[name]
    if not f.get(basis):
        return None
    if name == "catalog_coverage":
        v = _ratio(f["published"], f["registered"])
    elif name == "shareable":
        v = _ratio(f["shareable"], f["published"])
    elif name == "agreement_on_time":
        v = _ratio(f["on_time"], f["due"])
    elif name == "agreement_answer_days":
        v = f["answer_seconds"] / f["answered"] / DAY_SECONDS
    elif name == "exchange_availability":
        v = _ratio(f["recorded"] - f["failed"], f["recorded"])
    elif name == "quality":
        v = f["overall_permille_sum"] / f["measured"] / 1000
    elif name == "freshness":
        v = _ratio(f["fresh"], f["declared"])
    elif name == "cases_on_time":
        v = _ratio(f["on_time"], f["completed"])
    elif name == "materials_by_sharing":
        v = _ratio(f["shared"], f["obtained"])
    elif name == "certificates_electronic":
        v = _ratio(f["issued"], f["with_outcome"])
    elif name == "flag_reviews":
        v = _ratio(f["reviewed_in_time"], f["flags"])
    else:
        raise KeyError(name)
    return round(v, 4)


def credit(rule: Rule, value: float) -> float:
    """Linear partial credit between `zero` (0) and `full` (1), clamped to [0, 1]."""
    if rule.full == rule.zero:
        return 1.0 if value == rule.full else 0.0
    c = (value - rule.zero) / (rule.full - rule.zero)
    return min(1.0, max(0.0, c))


def score_card(model: Model, figures: Mapping[str, Mapping[str, int]]) -> Card:
    """One department's card: every dimension of the model, scored from its figures."""
    dims: dict[str, DimensionScore] = {}
    weighted = 0.0
    weights = 0.0
    for name, rule in model.rules.items():
        given = figures.get(name, {})
        f = {key: int(given.get(key, 0)) for key in FIGURES[name]}
        value = value_of(name, f)
        if value is None:
            dims[name] = DimensionScore(name, None, None, rule.weight, rule.full, rule.zero, f,
                                        NO_DATA[name][1])
            continue
        score = round(100 * credit(rule, value), 2)
        dims[name] = DimensionScore(name, score, value, rule.weight, rule.full, rule.zero, f)
        weighted += rule.weight * score
        weights += rule.weight
    if weights <= 0:
        return Card(0.0, False, dims)
    return Card(round(weighted / weights, 1), True, dims)


def check_config(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with a scoring model (field, reason); empty when it may be saved."""
    problems: list[tuple[str, str]] = []
    dims = config.get("dimensions")
    if not isinstance(dims, Mapping) or not dims:
        return [("dimensions", "name at least one dimension")]
    for name, rule in dims.items():
        where = f"dimensions.{name}"
        if name not in DIMENSIONS:
            problems.append((where, f"unknown dimension; choose from {', '.join(DIMENSIONS)}"))
            continue
        if not isinstance(rule, Mapping):
            problems.append((where, "give weight, full and zero"))
            continue
        for key in ("weight", "full", "zero"):
            v = rule.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float):
                problems.append((f"{where}.{key}", "must be a number"))
        if not problems and float(rule["weight"]) < 0:
            problems.append((f"{where}.weight", "must not be negative"))
    if not problems and sum(float(r["weight"]) for r in dims.values()) <= 0:
        problems.append(("dimensions", "the weights must add up to more than 0"))
    return problems
