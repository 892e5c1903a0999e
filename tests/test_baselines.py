"""Baselines on synthetic pairs with a planted signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.model.baselines import AlwaysFirst, BestHeuristic, TfidfPairLR
from tests.synthetic_pairs import length_trait, question_trait, synthetic_pairs, word_trait


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    train = synthetic_pairs(300, 3, word_trait("amazing"), seed=1)
    held_out = synthetic_pairs(100, 3, word_trait("amazing"), seed=2, prefix="v")
    return train, held_out


@pytest.fixture(scope="module")
def tfidf(planted) -> TfidfPairLR:
    return TfidfPairLR().fit(planted[0])


def _accuracy(predictor, pairs: pd.DataFrame) -> float:
    p = predictor.predict_pairs(pairs["headline_a"].tolist(), pairs["headline_b"].tolist())
    return float(np.mean((p > 0.5) == (pairs["label"] == 1)))


def test_tfidf_lr_learns_a_planted_word(tfidf, planted):
    _, held_out = planted
    # The trait wins 85% of the time; a model that found it gets close to that.
    assert _accuracy(tfidf, held_out) > 0.75
    vocabulary = tfidf.vectorizer.get_feature_names_out()
    assert vocabulary[np.argmax(tfidf.coef)] == "amazing"
    assert tfidf.C in TfidfPairLR.C_GRID and len(tfidf.cv_log_loss) == len(TfidfPairLR.C_GRID)


def test_tfidf_lr_is_antisymmetric(tfidf, planted):
    _, held_out = planted
    a, b = (
        held_out["headline_a"].tolist() + ["never seen words"],
        held_out["headline_b"].tolist() + ["amazing"],
    )
    forward, backward = tfidf.predict_pairs(a, b), tfidf.predict_pairs(b, a)
    assert np.allclose(forward + backward, 1.0, atol=1e-12)
    assert np.allclose(tfidf.predict_pairs(a, a), 0.5)  # a headline against itself is a coin flip


def test_tfidf_lr_scores_each_distinct_headline_once(tfidf, monkeypatch):
    seen = []
    original = tfidf.headline_scores
    monkeypatch.setattr(tfidf, "headline_scores", lambda hs: seen.append(list(hs)) or original(hs))
    a, b = ["x amazing"] * 50 + ["y"] * 50, ["z"] * 100
    p = tfidf.predict_pairs(a, b)
    assert len(seen) == 1 and sorted(seen[0]) == ["x amazing", "y", "z"]
    assert p[0] > 0.5 and np.all(p[:50] == p[0]) and np.all(p[50:] == p[50])


def test_heuristic_picks_the_planted_rule_and_its_direction():
    questions = BestHeuristic().fit(synthetic_pairs(200, 2, question_trait, strength=0.8, seed=3))
    assert questions.name == "heuristic: has a question mark"
    # Its confidence is its training accuracy on the pairs it decides (all of them here).
    assert questions.confidence == pytest.approx(questions.training_accuracy["has a question mark"])
    assert 0.75 < questions.confidence < 0.85
    assert questions.predict_pairs(
        ["Why?", "Why", "Why?"], ["Because", "Because?", "Because?"]
    ) == pytest.approx([questions.confidence, 1 - questions.confidence, 0.5])

    # The same rule, reversed by the training data: the selection follows training labels.
    shorter = BestHeuristic().fit(synthetic_pairs(200, 2, length_trait, strength=0.2, seed=4))
    assert shorter.name in {"heuristic: shorter headline (characters)", "heuristic: fewer words"}


def test_always_first_predicts_the_training_share():
    train = synthetic_pairs(50, 2, question_trait, seed=7)
    model = AlwaysFirst().fit(train)
    assert model.predict_pairs(["a", "b"], ["c", "d"]) == pytest.approx([train["label"].mean()] * 2)
