"""Fast update: refit the scorer's linear head over its frozen encodings from recorded outcomes.

A full retrain takes minutes on 2 cores; this takes about a second. The encoder stays as
trained. For a pair, the updated margin (logit of P(a wins)) is

    a · m(a, b) + Δw · (f(a) − f(b))

where m is the parent model's calibrated margin, f the pooled encoding the head reads
(hidden,), ``a`` a calibration scale for this newsroom and Δw a residual direction. Both are
fitted by weighted log loss + strength · (‖Δw‖² + (a − 1)²): with few outcomes the update
stays close to the parent. The strength is chosen on the newest fifth of the recorded tests
(fitted on the older ones), then the update is refitted on all of them.

The result is written back into the head (w' = w + (T/a)·Δw, T' = T/a), so an updated model
is an ordinary model folder that scores, explains (LIME) and quantises exactly like its parent.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy.optimize import minimize

from core.basics.stats import log_loss, sigmoid
from core.data.pairs import pair_contexts
from core.data.splits import split_newest
from core.model.scorer import HeadlineScorer
from core.training.data import significance_weights


@dataclass(frozen=True)
class FastUpdateConfig:
    strengths: tuple[float, ...] = (3.0, 30.0, 300.0, 3000.0)  # candidates, weakest first
    holdout_fraction: float = 0.2  # newest share of recorded tests that picks the strength
    min_pairs: int = 10  # fewer recorded pairs than this: no update
    # A clear result teaches more than a coin flip (as in a retrain): weight |2 P(a better) − 1|.
    significance_weighting: bool = True


@dataclass
class Residual:
    scale: float  # a
    delta: np.ndarray  # Δw, (hidden,)
    strength: float
    # strength -> log loss on the newest recorded tests, when there were enough to choose
    holdout_losses: dict[float, float] = field(default_factory=dict)

    def margins(self, parent_margins: np.ndarray, diffs: np.ndarray) -> np.ndarray:
        """(n,) updated margins from the parent's (n,) and the encoding differences (n, hidden)."""
        return self.scale * parent_margins + diffs @ self.delta


@dataclass(frozen=True)
class PairEncodings:
    margins: np.ndarray  # parent's calibrated s(a) − s(b), (n,)
    diffs: np.ndarray  # f(a) − f(b), (n, hidden)


def pair_features(scorer: HeadlineScorer, pairs: pd.DataFrame) -> np.ndarray:
    """Encodings of every a headline, then every b headline; each distinct one encoded once. (2n, hidden)"""
    contexts = pair_contexts(pairs)
    both_contexts = None if contexts is None else list(contexts) * 2
    return scorer.features(list(pairs["headline_a"]) + list(pairs["headline_b"]), both_contexts)


def pair_encodings(
    scorer: HeadlineScorer, pairs: pd.DataFrame, features: np.ndarray | None = None
) -> PairEncodings:
    """What a fast update fits on: margins and encoding differences from one encoding pass."""
    features = pair_features(scorer, pairs) if features is None else features
    scores = scorer.scores_from_features(features)  # (2n,)
    n = len(pairs)
    return PairEncodings(scores[:n] - scores[n:], features[:n] - features[n:])


def pair_weights(pairs: pd.DataFrame, config: FastUpdateConfig) -> np.ndarray:
    if config.significance_weighting and "prob_a_better" in pairs:
        return significance_weights(pairs) + 1e-3  # + 1e-3: a batch of exact ties still has weight
    return np.ones(len(pairs))


def fit_residual(enc: PairEncodings, y: np.ndarray, weight: np.ndarray, strength: float) -> Residual:
    """Minimise Σ w·BCE(a·m + Δw·d, y) + strength·(‖Δw‖² + (a − 1)²) by L-BFGS."""
    m, d = enc.margins, enc.diffs
    scale_w = weight / weight.sum() * len(y)  # mean weight 1: the strength means the same for any weighting

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, delta = theta[0], theta[1:]
        z = a * m + d @ delta
        p = sigmoid(z)
        loss = np.sum(scale_w * (np.logaddexp(0, z) - y * z))
        g = scale_w * (p - y)  # (n,) d loss / d z
        penalty = strength * (delta @ delta + (a - 1) ** 2)
        grad = np.concatenate([[g @ m + 2 * strength * (a - 1)], d.T @ g + 2 * strength * delta])
        return loss + penalty, grad

    theta0 = np.concatenate([[1.0], np.zeros(d.shape[1])])
    result = minimize(objective, theta0, jac=True, method="L-BFGS-B")
    return Residual(scale=float(max(result.x[0], 0.05)), delta=result.x[1:], strength=strength)


def choose_residual(enc: PairEncodings, pairs: pd.DataFrame, config: FastUpdateConfig) -> Residual:
    """The residual at the strength that predicts the newest recorded tests best, refitted on all."""
    y, w = pairs["label"].to_numpy(float), pair_weights(pairs, config)
    losses: dict[float, float] = {}
    position = pd.Series(np.arange(len(pairs)), index=pairs.index)
    split = split_newest(pairs.assign(source="newsroom", _row=position.to_numpy()), config.holdout_fraction)
    older, newest = split.train["_row"].to_numpy(), split.valid["_row"].to_numpy()
    if len(older) >= config.min_pairs and len(newest) >= 5:
        sub = PairEncodings(enc.margins[older], enc.diffs[older])
        held = PairEncodings(enc.margins[newest], enc.diffs[newest])
        for strength in config.strengths:
            r = fit_residual(sub, y[older], w[older], strength)
            losses[strength] = log_loss(y[newest], sigmoid(r.margins(held.margins, held.diffs)))
        strength = min(losses, key=lambda s: (round(losses[s], 6), -s))  # ties: the stronger pull
    else:  # too few to choose: the strongest but one
        strength = config.strengths[-2]
    residual = fit_residual(enc, y, w, strength)
    residual.holdout_losses = losses
    return residual


def updated_scorer(parent: HeadlineScorer, residual: Residual, mean_features: np.ndarray) -> HeadlineScorer:
    """A copy of parent whose head and temperature carry the residual.

    s'(h) = a·s(h) + Δw·f(h); the "typical headline" reference moves by the same map, taken
    at mean_features (the mean encoding of the recorded headlines). (hidden,)
    """
    child = copy.deepcopy(parent)
    t, a = parent.temperature, residual.scale
    with torch.no_grad():
        head = child.network_.head
        head.weight += torch.as_tensor((t / a) * residual.delta, dtype=head.weight.dtype).reshape(1, -1)
    child.temperature = t / a
    child.reference_score = float(a * parent.reference_score + mean_features @ residual.delta)
    return child


@dataclass
class FastUpdateResult:
    scorer: HeadlineScorer
    residual: Residual
    report: dict


def fast_update(
    parent: HeadlineScorer, pairs: pd.DataFrame, config: FastUpdateConfig | None = None
) -> FastUpdateResult:
    """The parent updated on recorded outcome pairs (with date, label, prob_a_better)."""
    config = config or FastUpdateConfig()
    if len(pairs) < config.min_pairs:
        raise ValueError(
            f"a fast update needs at least {config.min_pairs} recorded pairs; there are {len(pairs)}"
        )
    started = time.perf_counter()
    pairs = pairs.reset_index(drop=True)
    features = pair_features(parent, pairs)  # (2n, hidden): the only encoding pass
    residual = choose_residual(pair_encodings(parent, pairs, features), pairs, config)
    child = updated_scorer(parent, residual, features.mean(axis=0))
    report = {
        "parent": parent.version,
        "pairs": len(pairs),
        "tests": int(pairs["test_id"].nunique()),
        "strength": residual.strength,
        "scale": residual.scale,
        "delta_norm": float(np.linalg.norm(residual.delta)),
        "holdout_log_loss": {str(k): v for k, v in residual.holdout_losses.items()},
        "seconds": round(time.perf_counter() - started, 2),
    }
    return FastUpdateResult(child, residual, report)
