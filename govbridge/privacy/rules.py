"""The rules of privacy jobs (隐私计算任务): what a job must name, who approves, what it
reveals to whom, and the output controls. Pure: no I/O, no clock, no randomness of its own
(the noise takes its uniform draws from the caller).

A job names its computation, its parties (a department, one of its published datasets and
the fields the computation reads), the receiving department and a purpose. The receiver of
a set intersection is one of its two parties; an aggregate or a model may go to a
department that provides no input (the health commission receiving the hospitals'
model). What a computation reveals, and to whom, follows from the computation alone
(`revealed`): the approval page shows exactly that, and the ledger receipt records it.

| computation           | parties | reads (per party)          | revealed to the receiver       |
| --------------------- | ------- | -------------------------- | ------------------------------ |
| `psi.count`           | 2       | subject key                | intersection size              |
| `psi.intersection`    | 2       | subject key                | its own subjects in it         |
| `psi.sum`             | 2       | key; other side also value | intersection, sum of the value |
| `aggregate.count`     | >= 3    | (rows)                     | total count                    |
| `aggregate.sum`       | >= 3    | value field                | total sum and count            |
| `aggregate.mean`      | >= 3    | value field                | mean and count                 |
| `aggregate.histogram` | >= 3    | value field                | count per bin                  |
| `federated.logistic`  | >= 3    | features, label            | model, rounds, held-out metrics|
| `federated.svm`       | >= 3    | features, label            | the same for a linear SVM      |

Output controls, decided here and applied by the hub before anything is stored:
- minimum group size (`min_group`, settings `privacy_min_group`, default 10): a released
  count, sum or mean over fewer subjects is refused (the job ends `suppressed`, nothing
  revealed); a histogram's bins below it are suppressed (shown as null), and the whole
  histogram refused when its total is below it; the count it releases is that of its
  released bins (the total would give back a suppressed bin, or the values outside the
  edges);
- a budget per dataset: at most `privacy_job_budget` runs (default 20) in any
  `privacy_budget_days` (default 30) may read a dataset, so a sequence of overlapping
  counts cannot difference a person out;
- a sum over a set intersection (`psi.sum`) is suppressed when its intersection differs
  from that of an earlier released sum of the same column by fewer than `min_group`
  subjects (`differences_too_small`): the receiver adds one person to its own dataset,
  runs the job again and subtracts; the budget alone allows that twice over;
- optional differential privacy: Laplace noise of scale sensitivity/epsilon on every
  released number (sensitivity 1 for counts and histogram bins, the clip bound for sums),
  epsilon recorded in the receipt; clip bounds come with epsilon only (without noise, a
  sum clipped to [t, t + 0.01] is a count of the values above t, below any floor).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govbridge.core.errors import FieldProblem

PSI = ("psi.count", "psi.intersection", "psi.sum")
AGGREGATE = ("aggregate.count", "aggregate.sum", "aggregate.mean", "aggregate.histogram")
FEDERATED = ("federated.logistic", "federated.svm")
COMPUTATIONS: tuple[str, ...] = PSI + AGGREGATE + FEDERATED

# Job states. proposed → approved (every party) → running → completed | suppressed | failed;
# proposed → refused (any party). A completed job is the only one with a result.
PROPOSED = "proposed"
APPROVED = "approved"
REFUSED = "refused"
RUNNING = "running"
COMPLETED = "completed"
SUPPRESSED = "suppressed"
FAILED = "failed"
STATES = (PROPOSED, APPROVED, REFUSED, RUNNING, COMPLETED, SUPPRESSED, FAILED)
FINAL = frozenset({REFUSED, COMPLETED, SUPPRESSED, FAILED})

APPROVE = "approve"
REFUSE = "refuse"

MAX_HISTOGRAM_BINS = 50
MAX_ROUNDS = 50


@dataclass(frozen=True)
class Party:
    """One party of a job: a department, its dataset and the fields the job reads."""

    org_code: str
    resource_code: str
    key_field: str | None = None
    value_field: str | None = None
    features: tuple[str, ...] = ()
    label: str | None = None

    @property
    def fields(self) -> list[str]:
        """Every field of the dataset the computation reads (the inputs on the receipt)."""
        named = [self.key_field, self.value_field, *self.features, self.label]
        return list(dict.fromkeys(f for f in named if f))


def family(computation: str) -> str:
    return computation.split(".", 1)[0]


def spec_problems(computation: str, parties: Sequence[Party], receiver: str,
                  params: Mapping[str, Any],
                  published: Mapping[str, Sequence[str]],
                  subject_keys: Mapping[str, str | None] | None = None) -> list[FieldProblem]:
    """What is wrong with a job's definition; `published` maps each party's resource code to
    its published field names, `subject_keys` to its subject field (ID number or credit
    code), the only key a set intersection joins on: on a value column the receiver would
    learn which of its values the other side holds, i.e. the other side's raw values."""
    problems: list[FieldProblem] = []
    if computation not in COMPUTATIONS:
        return [FieldProblem("computation", "use one of " + ", ".join(COMPUTATIONS),
                             computation, "unknown")]
    kind = family(computation)
    codes = [p.org_code for p in parties]
    if len(set(codes)) != len(codes):
        problems.append(FieldProblem("parties", "each department takes part once", None,
                                     "duplicate"))
    if kind == "psi" and len(parties) != 2:
        problems.append(FieldProblem("parties", "a set intersection has exactly two parties",
                                     str(len(parties)), "count"))
    if kind != "psi" and len(parties) < 3:
        problems.append(FieldProblem("parties", "name at least three parties", str(len(parties)),
                                     "count"))
    if kind == "psi" and receiver not in codes:
        problems.append(FieldProblem("receiver", "the receiver of a set intersection must be "
                                     "one of its two parties", receiver, "not_party"))
    for i, p in enumerate(parties):
        where = f"parties[{i}]"
        known = published.get(p.resource_code)
        if known is None:
            problems.append(FieldProblem(f"{where}.resource_code", "no such published dataset",
                                         p.resource_code, "unknown_dataset"))
            continue
        for name in p.fields:
            if name not in known:
                problems.append(FieldProblem(f"{where}.fields", "not a published field of "
                                             f"{p.resource_code}", name, "unknown_field"))
        problems += _party_problems(computation, p, where, receiver)
        subject_key = (subject_keys or {}).get(p.resource_code)
        if family(computation) == "psi" and p.key_field and subject_keys is not None and \
                p.key_field != subject_key:
            problems.append(FieldProblem(f"{where}.key_field", "a set intersection joins on "
                                         f"the dataset's subject key ({subject_key or 'none'})",
                                         p.key_field, "not_subject_key"))
    if kind == "federated" and len({(p.features, p.label) for p in parties}) > 1:
        problems.append(FieldProblem("parties", "every party of a federated model names the "
                                     "same features and label, in the same order", None,
                                     "features_differ"))
    problems += _param_problems(computation, params)
    return problems


def _party_problems(computation: str, p: Party, where: str, receiver: str) -> list[FieldProblem]:
    kind = family(computation)
    out: list[FieldProblem] = []
    if kind == "psi":
        if not p.key_field:
            out.append(FieldProblem(f"{where}.key_field", "name the subject key field (ID "
                                    "number or credit code)", None, "required"))
        if computation == "psi.sum" and p.org_code != receiver and not p.value_field:
            out.append(FieldProblem(f"{where}.value_field", "the other side names the column "
                                    "to sum", None, "required"))
    elif kind == "aggregate":
        if computation != "aggregate.count" and not p.value_field:
            out.append(FieldProblem(f"{where}.value_field", "name the field to aggregate", None,
                                    "required"))
    elif not p.features or not p.label:
        out.append(FieldProblem(f"{where}.features", "name the feature fields and the label",
                                None, "required"))
    return out


PARAMS = {"epsilon", "clip", "decimals", "edges", "rounds", "local_epochs", "lr", "seed",
          "holdout"}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _param_problems(computation: str, params: Mapping[str, Any]) -> list[FieldProblem]:
    out: list[FieldProblem] = [
        FieldProblem(f"params.{k}", "not a parameter: use " + ", ".join(sorted(PARAMS)), None,
                     "unknown") for k in sorted(set(params) - PARAMS)]
    clip = params.get("clip")
    if clip is not None and not (isinstance(clip, list) and len(clip) == 2 and all(
            _number(c) for c in clip) and clip[0] < clip[1]):
        out.append(FieldProblem("params.clip", "clip bounds are [low, high], low < high",
                                str(clip)[:100], "clip"))
    for name, low, high, kind in (("local_epochs", 1, 100, int), ("lr", 1e-6, 10, float),
                                  ("holdout", 0.05, 0.5, float), ("seed", 0, 2**31, int)):
        value = params.get(name)
        if value is not None and not ((_number(value) if kind is float else (
                isinstance(value, int) and not isinstance(value, bool))) and low <= value <= high):
            out.append(FieldProblem(f"params.{name}", f"{name} is a number in [{low}, {high}]",
                                    str(value)[:100], "range"))
    eps = params.get("epsilon")
    if eps is not None and (not _number(eps) or not 0 < eps <= 10):
        out.append(FieldProblem("params.epsilon", "epsilon must be a number in (0, 10]",
                                str(eps), "range"))
    if clip is not None and eps is None:
        out.append(FieldProblem("params.clip", "clip bounds only bound the noise: give epsilon "
                                "too (a sum clipped to [t, t + 0.01] counts the values above "
                                "t, with no minimum group)", str(clip)[:100], "needs_epsilon"))
    if eps is not None and clip is None and computation in ("aggregate.sum", "aggregate.mean",
                                                            "psi.sum"):
        out.append(FieldProblem("params.clip", "noise on a sum needs clip bounds [low, high]",
                                None, "required"))
    if computation == "aggregate.histogram":
        edges = params.get("edges")
        if not (isinstance(edges, list) and 2 <= len(edges) <= MAX_HISTOGRAM_BINS + 1 and all(
                _number(e) for e in edges) and list(edges) == sorted(set(edges))):
            out.append(FieldProblem("params.edges", "give 2 to 51 increasing bin edges",
                                    str(edges), "edges"))
    if family(computation) == "federated":
        rounds = params.get("rounds", 5)
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not (
                1 <= rounds <= MAX_ROUNDS):
            out.append(FieldProblem("params.rounds", f"1 to {MAX_ROUNDS} rounds", str(rounds),
                                    "range"))
    decimals = params.get("decimals", 2)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        out.append(FieldProblem("params.decimals", "0 to 6 decimals", str(decimals), "range"))
    return out


REVEALED_WORDS = {
    "intersection_size": "intersection size",
    "intersection": "intersection (receiver's own subjects)",
    "intersection_sum": "sum of {field} over the intersection",
    "count": "total count",
    "sum": "total sum of {field}",
    "mean": "mean of {field}",
    "bins": "count per bin (small bins suppressed)",
    "model": "trained model",
    "rounds": "training rounds",
    "metrics": "metrics on each party's held-out data",
}


def revealed_items(computation: str, parties: Sequence[Party],
                   receiver: str) -> list[tuple[str, str | None]]:
    """What the receiver learns: (item, the field it is about) pairs."""
    value = parties[0].value_field if parties else None
    if computation == "psi.count":
        return [("intersection_size", None)]
    if computation == "psi.intersection":
        return [("intersection_size", None), ("intersection", None)]
    if computation == "psi.sum":
        other = next((p for p in parties if p.org_code != receiver), None)
        return [("intersection_size", None), ("intersection", None),
                ("intersection_sum", other.value_field if other else None)]
    if computation == "aggregate.count":
        return [("count", None)]
    if computation == "aggregate.sum":
        return [("count", None), ("sum", value)]
    if computation == "aggregate.mean":
        return [("count", None), ("mean", value)]
    if computation == "aggregate.histogram":
        return [("bins", value)]
    return [("model", None), ("rounds", None), ("metrics", None)]


def revealed(computation: str, parties: Sequence[Party], receiver: str) -> list[str]:
    """The same in English words, as the receipt and the API state it."""
    return [REVEALED_WORDS[item].format(field=field or "?")
            for item, field in revealed_items(computation, parties, receiver)]


# ---- approvals ------------------------------------------------------------------------


def all_approved(parties: Sequence[str], decisions: Mapping[str, str]) -> bool:
    return bool(parties) and all(decisions.get(p) == APPROVE for p in parties)


def state_after(parties: Sequence[str], decisions: Mapping[str, str]) -> str:
    """The job's state once the decisions so far are counted."""
    if any(d == REFUSE for d in decisions.values()):
        return REFUSED
    return APPROVED if all_approved(parties, decisions) else PROPOSED


def may_decide(state: str, party: str, parties: Sequence[str],
               decisions: Mapping[str, str]) -> bool:
    """A party decides once, while the job awaits approvals."""
    return state == PROPOSED and party in parties and party not in decisions


def may_run(state: str) -> bool:
    return state == APPROVED


# ---- output controls ------------------------------------------------------------------


def budget_left(used: int, budget: int) -> int:
    return max(budget - used, 0)


def small(count: int | None, min_group: int) -> bool:
    """A group too small to release (a count of 0 is released: it singles nobody out...
    except that it confirms a guess about everyone, so it is held to the same floor)."""
    return count is None or count < min_group


def differences_too_small(members: Iterable[str], earlier: Iterable[Iterable[str]],
                          min_group: int) -> bool:
    """Whether a released set differs from one released before by 1 to min_group - 1
    members: the two sums over them, subtracted, would give those few persons' values."""
    now = set(members)
    return any(0 < len(now ^ set(e)) < min_group for e in earlier)


def suppress_bins(counts: Sequence[int], min_group: int,
                  small_parts: Sequence[int] | None = None) -> list[int | None]:
    """A histogram with every bin below the floor suppressed (None), and every bin where
    some party holds 1 to min_group - 1 values of its own (`small_parts[k]` > 0)."""
    parts = small_parts or [0] * len(counts)
    return [c if c >= min_group and not parts[k] else None for k, c in enumerate(counts)]


def laplace(scale: float, uniform: float) -> float:
    """A Laplace(0, scale) draw by inverting the CDF at `uniform` in (0, 1)."""
    u = min(max(uniform, 1e-12), 1 - 1e-12) - 0.5
    return -scale * math.copysign(1.0, u) * math.log(1 - 2 * abs(u))


def noise_scale(sensitivity: float, epsilon: float) -> float:
    return sensitivity / epsilon


def sum_sensitivity(clip: Sequence[float]) -> float:
    """How far one subject can move a clipped sum."""
    return max(abs(float(clip[0])), abs(float(clip[1])))


def clip_value(value: float, clip: Sequence[float] | None) -> float:
    if not clip:
        return value
    return min(max(value, float(clip[0])), float(clip[1]))
