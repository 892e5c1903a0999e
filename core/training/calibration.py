"""Calibration of a trained scorer: the temperature that makes sigmoid(s(A) - s(B)) honest, the
dev log loss that early stopping watches, and LIME's "typical headline" reference score.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.basics.stats import log_loss, sigmoid
from core.data.pairs import pair_contexts
from core.evaluation.metrics import quick_metrics
from core.model.scorer import HeadlineScorer


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """Scalar T minimising log loss of sigmoid(logits / T); golden-section search on log T."""

    def loss(log_t: float) -> float:
        return log_loss(targets, sigmoid(logits / math.exp(log_t)))

    lo, hi = math.log(0.05), math.log(50.0)
    g = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if loss(a) < loss(b):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


def pair_logits(scorer: HeadlineScorer, pairs: pd.DataFrame) -> np.ndarray:
    """Untempered s(a) - s(b) for each pair. (n,)"""
    margins = scorer.pair_margins(list(pairs["headline_a"]), list(pairs["headline_b"]), pair_contexts(pairs))
    return margins * scorer.temperature


def calibrated_dev_loss(scorer: HeadlineScorer, dev: pd.DataFrame) -> tuple[float, float, float]:
    """(tempered dev log loss, temperature, dev accuracy)."""
    logits = pair_logits(scorer, dev)
    y = dev["label"].to_numpy(float)
    temperature = fit_temperature(logits, y)
    m = quick_metrics(sigmoid(logits / temperature), dev)
    return m["log_loss"], temperature, m["accuracy"]


def reference_score(scorer: HeadlineScorer, fit: pd.DataFrame, seed: int) -> float:
    """Mean score of up to 2,000 distinct training headlines: LIME's 'typical headline'."""
    sample = pd.concat(
        [
            fit[["headline_a"]].set_axis(["headline"], axis=1),
            fit[["headline_b"]].set_axis(["headline"], axis=1),
        ]
    )
    if "excerpt" in fit:
        sample["excerpt"] = pd.concat([fit["excerpt"], fit["excerpt"]]).to_numpy()
    sample = sample.drop_duplicates()  # counted after deduplication: small data has fewer than 2,000
    sample = sample.sample(min(len(sample), 2000), random_state=seed)
    return float(np.mean(scorer.score(list(sample["headline"]), pair_contexts(sample))))
