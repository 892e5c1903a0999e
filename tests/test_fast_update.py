import numpy as np
import pandas as pd
import pytest

from core.model.scorer import HeadlineScorer
from core.training.fast_update import (
    FastUpdateConfig,
    PairEncodings,
    choose_residual,
    fast_update,
    fit_residual,
    pair_encodings,
)
from tests.synthetic_pairs import synthetic_pairs, word_trait
from tests.tiny_model import make_tiny_base


@pytest.fixture(scope="module")
def parent(tmp_path_factory) -> HeadlineScorer:
    """An untrained tiny scorer: it knows nothing about which headline wins."""
    base = make_tiny_base(tmp_path_factory.mktemp("tiny_base"))
    return HeadlineScorer.from_base(base, seed=0, precision="fp32")


def recorded(n_tests: int, seed: int, prefix: str) -> pd.DataFrame:
    """Outcome pairs in which 'wonderful' wins 95% of the time, one test a day."""
    pairs = synthetic_pairs(n_tests, 1, word_trait("wonderful"), strength=0.95, seed=seed, prefix=prefix)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(pairs)), unit="D")
    return pairs.assign(date=dates, prob_a_better=pairs["label"].map({1: 0.99, 0: 0.01}))


def accuracy(scorer: HeadlineScorer, pairs: pd.DataFrame) -> float:
    p = scorer.pair_proba(list(pairs["headline_a"]), list(pairs["headline_b"]))
    return float(((p > 0.5) == (pairs["label"].to_numpy() == 1)).mean())


def test_a_fast_update_learns_what_the_outcomes_show(parent):
    train, unseen = recorded(120, 0, "t"), recorded(80, 1, "u")
    result = fast_update(parent, train)
    assert accuracy(parent, unseen) < 0.7
    assert accuracy(result.scorer, unseen) > 0.8
    report = result.report
    assert report["pairs"] == 120 and report["tests"] == 120
    assert report["holdout_log_loss"], "with 120 dated pairs the strength is chosen on the newest"
    assert report["strength"] in FastUpdateConfig().strengths


def test_the_updated_model_scores_exactly_as_the_residual_says(parent, tmp_path):
    pairs = recorded(60, 2, "t")
    result = fast_update(parent, pairs)
    enc = pair_encodings(parent, pairs)
    expected = result.residual.margins(enc.margins, enc.diffs)
    child = result.scorer.pair_margins(list(pairs["headline_a"]), list(pairs["headline_b"]))
    np.testing.assert_allclose(child, expected, rtol=1e-4, atol=1e-4)
    # The parent is untouched: the update is a copy (torch's float32 head against numpy's float64).
    np.testing.assert_allclose(
        parent.pair_margins(list(pairs["headline_a"]), list(pairs["headline_b"])), enc.margins, atol=1e-6
    )
    # Written as an ordinary model folder, it loads back with the same scores (weights are fp16).
    folder = result.scorer.save_pretrained(tmp_path / "updated")
    loaded = HeadlineScorer.from_pretrained(folder, precision="fp32")
    np.testing.assert_allclose(
        loaded.pair_margins(list(pairs["headline_a"]), list(pairs["headline_b"])), child, atol=0.02
    )


def test_a_stronger_pull_keeps_the_update_closer_to_the_parent():
    rng = np.random.default_rng(0)
    enc = PairEncodings(rng.normal(size=200), rng.normal(size=(200, 8)))
    y = (enc.diffs[:, 0] > 0).astype(float)
    weak = fit_residual(enc, y, np.ones(200), 1.0)
    strong = fit_residual(enc, y, np.ones(200), 1000.0)
    assert np.linalg.norm(strong.delta) < np.linalg.norm(weak.delta)
    assert abs(strong.scale - 1) < abs(weak.scale - 1)
    assert weak.delta[0] > 0  # the direction that decides the outcome


def test_too_few_outcomes_is_refused_and_few_undated_use_a_fixed_strength(parent):
    with pytest.raises(ValueError, match="at least 10"):
        fast_update(parent, recorded(5, 3, "t"))
    few = recorded(12, 4, "t").assign(date=pd.NaT)
    enc = pair_encodings(parent, few)
    residual = choose_residual(enc, few, FastUpdateConfig())
    assert residual.holdout_losses == {} and residual.strength == FastUpdateConfig().strengths[-2]
