"""Federated learning (federated averaging) across three or more parties, e.g. hospitals,
each training on its own records; every update protected by secure aggregation.

Models (numpy, written here: two small linear models need no framework):
- `federated.logistic`: L2-regularised logistic regression, full-batch gradient descent;
- `federated.svm`: a linear support vector machine (hinge loss, L2), sub-gradient descent.

A job runs: key exchange; the feature scaling, from the securely summed Σx, Σx² and n of
every party (the hub learns only the pooled means and deviations); then `rounds` rounds
in which each party trains `local_epochs` epochs from the global model on its training
rows and the parties securely sum n_i·w_i, n_i and n_i·loss_i, so the hub learns only the
average model (FedAvg) and the mean training loss, never a party's update; finally each
party evaluates the model on its own held-out rows (a fixed fraction, chosen by a seeded
permutation of its rows) and releases AUC and accuracy there, withheld (null) when it holds
fewer held-out rows than the minimum group size: over one patient, accuracy beside the
released model is that patient's label. A party with fewer training rows than the floor
suppresses the job, as in `aggregation.py`.

Why not Flower (`flwr`): flwr 1.42 pins FastAPI < 0.139 and pip falls back to 1.32 beside
our FastAPI 0.163; it would have to run in its own process with its own gRPC transport,
while every message of a job must pass the hub's relay and its transcript, and its secure
aggregation (SecAgg+) is a second protocol beside ours. The FedAvg loop is twenty lines.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from govbridge.privacy import rules, sharing
from govbridge.privacy.protocol import (
    Aborted,
    Hub,
    HubGen,
    Me,
    Outcome,
    PartyGen,
    hub_outputs,
    hub_secure_vector,
    of_kind,
    party_keys,
    party_secure_vector,
    short_flag,
    value_of,
)

DECIMALS = 6
L2 = 1e-3


def matrix(rows: list[dict[str, Any]], features: list[str],
           label: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and 0/1 labels of the rows with every value present, in row order."""
    xs, ys = [], []
    for r in rows:
        values = [value_of(r, f) for f in features]
        y = value_of(r, label)
        if y is None or any(v is None for v in values):
            continue
        xs.append([float(v) for v in values])
        ys.append(1.0 if str(y).strip().lower() in ("1", "true", "yes", "1.0") else 0.0)
    return np.array(xs, dtype=float).reshape(-1, len(features)), np.array(ys, dtype=float)


def holdout_mask(n: int, seed: int, fraction: float) -> np.ndarray:
    """Which of n rows are held out (True): the same split every time for a seed."""
    order = np.random.default_rng(seed).permutation(n)
    mask = np.zeros(n, dtype=bool)
    mask[order[: round(n * fraction)]] = True
    return mask


def train(x: np.ndarray, y: np.ndarray, w: np.ndarray, model: str, epochs: int,
          lr: float) -> tuple[np.ndarray, float]:
    """`epochs` full-batch steps from w (last entry the bias); the model and its loss."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = w.copy()
    for _ in range(epochs):
        z = xb @ w
        if model == "federated.svm":
            s = 2 * y - 1
            active = (s * z) < 1
            grad = -(xb[active] * s[active, None]).sum(axis=0) / max(len(x), 1)
        else:
            p = 1 / (1 + np.exp(-z))
            grad = xb.T @ (p - y) / max(len(x), 1)
        grad[:-1] += L2 * w[:-1]
        w -= lr * grad
    return w, loss(xb, y, w, model)


def loss(xb: np.ndarray, y: np.ndarray, w: np.ndarray, model: str) -> float:
    z = xb @ w
    if model == "federated.svm":
        return float(np.maximum(0, 1 - (2 * y - 1) * z).mean()) if len(y) else 0.0
    p = np.clip(1 / (1 + np.exp(-z)), 1e-12, 1 - 1e-12)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()) if len(y) else 0.0


def auc(scores: np.ndarray, y: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties counted half); None without both labels."""
    pos, neg = scores[y == 1], scores[y == 0]
    if not len(pos) or not len(neg):
        return None
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def evaluate(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    scores = np.hstack([x, np.ones((len(x), 1))]) @ w
    value = auc(scores, y)
    return {"auc": None if value is None else round(value, 6),
            "accuracy": round(float(((scores > 0) == (y == 1)).mean()), 6) if len(y) else None,
            "n_holdout": len(y)}


def settings_of(params: dict[str, Any]) -> tuple[int, int, float, int, float]:
    return (int(params.get("rounds", 5)), int(params.get("local_epochs", 5)),
            float(params.get("lr", 0.5)), int(params.get("seed", 1)),
            float(params.get("holdout", 0.25)))


def party(me: Me) -> PartyGen:
    inbox = yield from party_keys(me)
    features, label = list(me.party.features), me.party.label or ""
    rounds, epochs, lr, seed, frac = settings_of(me.params)
    x, y = matrix(me.rows, features, label)
    held = holdout_mask(len(y), seed, frac)
    xt, yt = x[~held], y[~held]
    stats = [*xt.sum(axis=0), *(xt**2).sum(axis=0)]
    vector = [sharing.encode(sharing.to_fixed(float(v), DECIMALS)) for v in stats] + [
        len(yt), short_flag(me, len(yt))]
    inbox = yield from party_secure_vector(me, vector, inbox)
    scale = of_kind(inbox, "scale")
    if not scale:
        raise Aborted("no scaling from the hub")
    mean, std = np.array(scale[0]["body"]["mean"]), np.array(scale[0]["body"]["std"])
    xs, xh = (xt - mean) / std, (x[held] - mean) / std
    w = np.zeros(len(features) + 1)
    for _ in range(rounds):
        local, lossed = train(xs, yt, w, me.computation, epochs, lr)
        update = [*(local * len(yt)), lossed * len(yt)]
        vector = [sharing.encode(sharing.to_fixed(float(v), DECIMALS)) for v in update]
        inbox = yield from party_secure_vector(me, [*vector, len(yt)], inbox)
        model = of_kind(inbox, "model")
        if not model:
            raise Aborted("no model from the hub")
        w = np.array(model[0]["body"], dtype=float)
    metrics = evaluate(xh, y[held], w)
    if len(y[held]) < me.min_group:  # over 1 patient, accuracy is that patient's label
        metrics = {"auc": None, "accuracy": None, "n_holdout": metrics["n_holdout"]}
    return {"metrics": metrics, "n_train": len(yt)}


def hub(h: Hub) -> HubGen:
    features = list(next(iter(h.specs.values())).features)
    d = len(features)
    rounds = settings_of(h.params)[0]
    msgs = yield []
    msgs = yield []
    total = yield from hub_secure_vector(h, msgs)
    short = total.pop()
    n = total[-1]
    if rules.small(n, h.min_group):
        return Outcome(rules.SUPPRESSED, None, f"fewer than {h.min_group} training records")
    if short:
        return Outcome(rules.SUPPRESSED, None, f"{short} of the parties hold fewer training "
                       f"records of their own than the minimum group of {h.min_group}")
    sums = np.array([sharing.from_fixed(v, DECIMALS) for v in total[:d]])
    squares = np.array([sharing.from_fixed(v, DECIMALS) for v in total[d:2 * d]])
    mean = sums / n
    std = np.sqrt(np.maximum(squares / n - mean**2, 1e-12))
    msgs = yield [{"to": "*", "kind": "scale",
                   "body": {"mean": mean.tolist(), "std": std.tolist()}}]
    log: list[dict[str, Any]] = []
    w = np.zeros(d + 1)
    for r in range(rounds):
        total = yield from hub_secure_vector(h, msgs)
        n = total[-1]
        w = np.array([sharing.from_fixed(v, DECIMALS) for v in total[: d + 1]]) / n
        log.append({"round": r + 1, "loss": round(sharing.from_fixed(total[d + 1], DECIMALS) / n,
                                                  6)})
        msgs = yield [{"to": "*", "kind": "model", "body": w.tolist()}]
    out = yield from hub_outputs(h, msgs, h.parties)
    return Outcome(rules.COMPLETED, {
        "model": {"kind": h.computation.split(".", 1)[1], "features": features,
                  "weights": [round(float(v), 6) for v in w[:-1]],
                  "bias": round(float(w[-1]), 6), "mean": mean.round(6).tolist(),
                  "std": std.round(6).tolist()},
        "rounds": log,
        "metrics": {code: out[code]["metrics"] for code in h.parties}})


def pooled(parts: list[list[dict[str, Any]]], features: list[str], label: str, model: str,
           params: dict[str, Any]) -> dict[str, Any]:
    """The same model trained on the pooled training rows (for comparison only: this reads
    every party's rows in the clear), evaluated on each part's held-out rows."""
    rounds, epochs, lr, seed, frac = settings_of(params)
    splits = []
    for rows in parts:
        x, y = matrix(rows, features, label)
        held = holdout_mask(len(y), seed, frac)
        splits.append((x[~held], y[~held], x[held], y[held]))
    xt = np.vstack([s[0] for s in splits])
    yt = np.concatenate([s[1] for s in splits])
    mean, std = xt.mean(axis=0), np.sqrt(np.maximum(xt.var(axis=0), 1e-12))
    w, _ = train((xt - mean) / std, yt, np.zeros(len(features) + 1), model, rounds * epochs, lr)
    return {"weights": w.tolist(),
            "metrics": [evaluate((s[2] - mean) / std, s[3], w) for s in splits]}
