"""Evaluation metrics with 95% intervals from a bootstrap over whole tests.

Pairs of one test share headlines and traffic, so they are not independent: resampling
pairs would give intervals that are too narrow. The bootstrap draws tests with
replacement; a pair's weight in a resample is the number of times its test was drawn.
Every metric takes a weight matrix ``(resamples, pairs)`` and returns one value per row,
so all resamples are computed at once; the point estimate is the row of all ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.basics.settings import Settings
from core.basics.stats import log_loss, log_losses

Metric = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
ECE_BINS = 10
_EPS = 1e-15
# Resamples per block: keeps each weight matrix near 16 MB at 8,000 pairs.
_BLOCK = 250


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float  # 2.5th percentile of the bootstrap
    high: float  # 97.5th percentile
    pairs: int
    tests: int


def _weighted_mean(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return (w @ x) / w.sum(axis=1)


def accuracy(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Share of pairs whose winner is predicted; p == 0.5 counts half (a coin flip's expectation)."""
    correct = np.where(p == 0.5, 0.5, ((p > 0.5) == (y == 1)).astype(float))
    return _weighted_mean(w, correct)


def weighted_log_loss(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    return _weighted_mean(w, log_losses(y, p, _EPS))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean over 10 equal-width bins of P(a wins) of |observed share − mean prediction|."""
    bins = np.minimum((p * ECE_BINS).astype(int), ECE_BINS - 1)
    onehot = np.eye(ECE_BINS)[bins]  # (pairs, bins)
    count, wins, predicted = w @ onehot, w @ (onehot * y[:, None]), w @ (onehot * p[:, None])
    return np.abs(wins - predicted).sum(axis=1) / count.sum(axis=1)


def auc(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted ROC AUC: P(score of a random win > score of a random loss), ties count half."""
    order = np.argsort(p, kind="stable")
    sorted_p = p[order]
    starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])  # one block per tied score
    ws, ys = w[:, order], y[order]
    pos = np.add.reduceat(ws * ys, starts, axis=1)
    neg = np.add.reduceat(ws * (1 - ys), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pos * (below + 0.5 * neg)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))


def cluster_weights(groups: np.ndarray, samples: int, seed: int) -> Iterator[np.ndarray]:
    """Blocks of bootstrap weights: whole groups (tests) drawn with replacement."""
    codes, uniques = pd.factorize(np.asarray(groups))
    k = len(uniques)
    counts = np.random.default_rng(seed).multinomial(k, np.full(k, 1 / k), size=samples)
    for start in range(0, samples, _BLOCK):
        yield counts[start : start + _BLOCK][:, codes].astype(float)


def bootstrap(
    metric: Metric,
    y: np.ndarray,
    p: np.ndarray,
    groups: np.ndarray,
    samples: int,
    seed: int,
    upper: float = 1.0,
) -> Estimate:
    """Point estimate of ``metric`` with a 95% interval from the cluster bootstrap.

    The interval is the 2.5–97.5 percentile range of the resampled values shifted by the
    bootstrap's bias estimate (their mean minus the point estimate), clipped to [0, upper].
    Without the shift ECE's interval can sit wholly above its estimate: resampling
    duplicates tests, which adds noise, and noise only ever raises a calibration error.
    For the averages (accuracy, log loss) the shift is negligible.
    """
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    tests = len(pd.unique(np.asarray(groups)))
    if len(y) == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0, 0)
    value = float(metric(y, p, np.ones((1, len(y))))[0])
    draws = np.concatenate([metric(y, p, w) for w in cluster_weights(groups, samples, seed)])
    draws = draws[np.isfinite(draws)]  # AUC is undefined in a resample holding one class only
    if len(draws) == 0:
        return Estimate(value, float("nan"), float("nan"), len(y), tests)
    low, high = np.clip(np.percentile(draws, [2.5, 97.5]) - (draws.mean() - value), 0.0, upper)
    return Estimate(value, float(low), float(high), len(y), tests)


def evaluate_predictions(
    y: np.ndarray,
    p: np.ndarray,
    test_ids: np.ndarray,
    significant: np.ndarray,
    samples: int = 1000,
    seed: int = 13,
) -> dict[str, Estimate]:
    """All figures of one evaluation row; every one resamples tests with the same seed."""
    y, p, test_ids = np.asarray(y, dtype=float), np.asarray(p, dtype=float), np.asarray(test_ids)
    sig = np.asarray(significant, dtype=bool)
    return {
        "accuracy": bootstrap(accuracy, y, p, test_ids, samples, seed),
        "accuracy_significant": bootstrap(accuracy, y[sig], p[sig], test_ids[sig], samples, seed),
        "auc": bootstrap(auc, y, p, test_ids, samples, seed),
        "log_loss": bootstrap(weighted_log_loss, y, p, test_ids, samples, seed, upper=np.inf),
        "ece": bootstrap(expected_calibration_error, y, p, test_ids, samples, seed),
    }


def evaluate_pairs(pairs: pd.DataFrame, p: np.ndarray, settings: Settings) -> dict[str, Estimate]:
    """evaluate_predictions on a pair table (label, test_id, significant) with the settings' bootstrap."""
    return evaluate_predictions(
        pairs["label"], p, pairs["test_id"], pairs["significant"], settings.bootstrap_samples, settings.seed
    )


def quick_metrics(p: np.ndarray, pairs: pd.DataFrame) -> dict:
    """Accuracy on all and significant pairs and log loss, with counts."""
    y = pairs["label"].to_numpy(int)
    sig = pairs["significant"].to_numpy(bool)
    correct = (p > 0.5) == (y == 1)
    return {
        "pairs": int(len(y)),
        "significant_pairs": int(sig.sum()),
        "accuracy": float(correct.mean()),
        "accuracy_significant": float(correct[sig].mean()) if sig.any() else float("nan"),
        "log_loss": log_loss(y, p),
    }
