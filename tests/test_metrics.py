"""core.evaluation.metrics against sklearn, closed forms and the cluster structure of the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import roc_auc_score

from core.evaluation.metrics import (
    accuracy,
    auc,
    bootstrap,
    cluster_weights,
    evaluate_predictions,
    expected_calibration_error,
    weighted_log_loss,
)


def _unit(n: int) -> np.ndarray:
    return np.ones((1, n))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def test_auc_matches_sklearn_with_ties_and_weights(rng):
    y = rng.integers(0, 2, 500).astype(float)
    p = np.round(np.clip(0.5 + 0.2 * (y - 0.5) + rng.normal(0, 0.2, 500), 0, 1), 1)  # many ties
    assert auc(y, p, _unit(500))[0] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    w = rng.integers(0, 4, size=(3, 500)).astype(float)
    for row in w:
        assert auc(y, p, row[None, :])[0] == pytest.approx(roc_auc_score(y, p, sample_weight=row), abs=1e-12)
    # All resamples at once give the same values as one at a time.
    assert np.allclose(auc(y, p, w), [auc(y, p, row[None, :])[0] for row in w])


def test_accuracy_and_log_loss_match_definitions(rng):
    y = rng.integers(0, 2, 300).astype(float)
    p = rng.uniform(0, 1, 300)
    p[:10] = 0.5  # a coin flip's expected accuracy is one half
    expected = (np.sum((p[10:] > 0.5) == (y[10:] == 1)) + 5) / 300
    assert accuracy(y, p, _unit(300))[0] == pytest.approx(expected)
    assert weighted_log_loss(y, p, _unit(300))[0] == pytest.approx(sk_log_loss(y, p))


def test_ece_small_when_calibrated_large_when_overconfident(rng):
    p = rng.uniform(0, 1, 20_000)
    y = (rng.uniform(0, 1, 20_000) < p).astype(float)
    calibrated = expected_calibration_error(y, p, _unit(len(y)))[0]
    overconfident = np.where(p > 0.5, 0.99, 0.01)  # same ranking, far too sure
    miscalibrated = expected_calibration_error(y, overconfident, _unit(len(y)))[0]
    assert calibrated < 0.02
    # Of pairs given 0.99 only about 75% win: |0.75 - 0.99| on every pair.
    assert miscalibrated == pytest.approx(0.24, abs=0.02)


def test_cluster_weights_draw_whole_tests():
    groups = np.repeat([f"t{i}" for i in range(30)], 5)
    for w in cluster_weights(groups, samples=200, seed=1):
        per_test = w.reshape(len(w), 30, 5)
        assert (per_test == per_test[:, :, :1]).all()  # pairs of one test share their weight
        assert (per_test[:, :, 0].sum(axis=1) == 30).all()  # each resample draws 30 tests
        assert (w == 0).any() and (w > 1).any()  # with replacement: some dropped, some repeated


def test_interval_width_follows_number_of_tests_not_pairs(rng):
    """200 tests of 20 pairs, right or wrong as a whole: the spread is that of 200 draws."""
    right = rng.uniform(size=200) < 0.6
    y = np.ones(4000)
    p = np.repeat(np.where(right, 0.9, 0.1), 20)
    clustered = bootstrap(accuracy, y, p, np.repeat(np.arange(200), 20), samples=1000, seed=3)
    independent = bootstrap(accuracy, y, p, np.arange(4000), samples=1000, seed=3)
    share = right.mean()
    assert clustered.high - clustered.low == pytest.approx(
        2 * 1.96 * np.sqrt(share * (1 - share) / 200), rel=0.2
    )
    assert independent.high - independent.low < 0.4 * (clustered.high - clustered.low)
    assert (clustered.pairs, clustered.tests, independent.tests) == (4000, 200, 4000)


def test_every_interval_contains_its_estimate_and_counts_are_reported(rng):
    tests = np.repeat(np.arange(150), rng.integers(1, 8, 150))
    n = len(tests)
    y = rng.integers(0, 2, n).astype(float)
    p = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.25, n), 0.01, 0.99)
    significant = rng.uniform(size=n) < 0.3
    result = evaluate_predictions(y, p, tests, significant, samples=500, seed=0)
    assert set(result) == {"accuracy", "accuracy_significant", "auc", "log_loss", "ece"}
    for name, e in result.items():
        assert e.low <= e.value <= e.high, name
        assert e.low < e.high, name
    assert (result["accuracy"].pairs, result["accuracy"].tests) == (n, 150)
    assert result["accuracy_significant"].pairs == significant.sum()
    assert result["accuracy_significant"].tests == len(np.unique(tests[significant]))
    assert result["auc"].value == pytest.approx(roc_auc_score(y, p))
    # Same seed, same intervals: the tables are reproducible.
    assert evaluate_predictions(y, p, tests, significant, samples=500, seed=0) == result


def test_no_pairs_gives_nan_not_a_crash():
    e = bootstrap(accuracy, np.zeros(0), np.zeros(0), np.zeros(0), samples=10, seed=0)
    assert e.pairs == 0 and np.isnan(e.value)
