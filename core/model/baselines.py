"""Baselines every model must beat, each a :class:`core.evaluation.predictors.PairPredictor`.

All three score each unique headline once and compare the two scores of a pair, so
10,000 pairs cost one pass over their distinct headlines.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold

from core.data.splits import test_groups


def _unique(headlines_a: list[str], headlines_b: list[str]) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Codes of a and b into one index of distinct headlines."""
    codes, uniques = pd.factorize(pd.Series(list(headlines_a) + list(headlines_b), dtype=object))
    return codes[: len(headlines_a)], codes[len(headlines_a) :], pd.Index(uniques)


class AlwaysFirst:
    """Sanity row: always backs headline a with the training share of a-wins.

    Sides are shuffled when pairs are built, so this should sit at about 50%; anything
    else would mean the a/b order carries information.
    """

    name = "always-first"

    def __init__(self) -> None:
        self.p_a = 0.5

    def fit(self, train_pairs: pd.DataFrame) -> AlwaysFirst:
        self.p_a = float(train_pairs["label"].mean())
        return self

    def predict_pairs(self, headlines_a: list[str], headlines_b: list[str], contexts=None) -> np.ndarray:
        return np.full(len(headlines_a), self.p_a)


def _contains(pattern: str) -> Callable[[pd.Series], pd.Series]:
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda s: s.str.contains(regex).astype(float)


# (name when a higher value wins, name when a lower value wins, feature of a headline)
HEURISTICS: list[tuple[str, str, Callable[[pd.Series], pd.Series]]] = [
    ("longer headline (characters)", "shorter headline (characters)", lambda s: s.str.len().astype(float)),
    ("more words", "fewer words", lambda s: s.str.split().str.len().astype(float)),
    ("contains a number", "contains no number", _contains(r"\d")),
    ("starts with a number", "does not start with a number", _contains(r"^\W*\d")),
    ("has a question mark", "has no question mark", _contains(r"\?")),
    ("says you/your", "does not say you/your", _contains(r"\byou(?:r|'re|'ll)?\b")),
    ("has an exclamation mark", "has no exclamation mark", _contains(r"!")),
    ("has quotes", "has no quotes", _contains(r"[\"“”‘’]|(?:^|\s)'")),
    ("says this/these", "does not say this/these", _contains(r"\b(?:this|these)\b")),
    ("has a colon", "has no colon", _contains(r":")),
]


class BestHeuristic:
    """The single rule of thumb with the best training accuracy, in its better direction.

    Its confidence is its training accuracy on the pairs it decides (ties get 0.5), so a
    weak rule says it is weak rather than claiming certainty.
    """

    def __init__(self) -> None:
        self.name, self.feature, self.sign, self.confidence = "heuristic (unfitted)", HEURISTICS[0][2], 1, 0.5
        self.training_accuracy: dict[str, float] = {}

    def _prefers_a(self, headlines_a: list[str], headlines_b: list[str], feature) -> np.ndarray:
        ia, ib, uniques = _unique(headlines_a, headlines_b)
        value = feature(pd.Series(uniques, dtype=object)).to_numpy()
        return np.sign(value[ia] - value[ib])  # +1 a higher, -1 b higher, 0 tie

    def fit(self, train_pairs: pd.DataFrame) -> BestHeuristic:
        a, b = train_pairs["headline_a"].tolist(), train_pairs["headline_b"].tolist()
        won = np.where(train_pairs["label"].to_numpy() == 1, 1.0, -1.0)
        best = None
        for high_name, low_name, feature in HEURISTICS:
            agree = self._prefers_a(a, b, feature) * won  # +1 right, -1 wrong, 0 tie
            for sign, name in ((1, high_name), (-1, low_name)):
                decided = agree != 0
                acc = float(np.mean(np.where(decided, sign * agree > 0, 0.5)))
                self.training_accuracy[name] = acc
                if best is None or acc > best[0]:
                    confidence = float(np.mean(sign * agree[decided] > 0)) if decided.any() else 0.5
                    best = (acc, name, feature, sign, confidence)
        _, name, self.feature, self.sign, self.confidence = best
        self.name = f"heuristic: {name}"
        return self

    def predict_pairs(self, headlines_a: list[str], headlines_b: list[str], contexts=None) -> np.ndarray:
        prefers = self.sign * self._prefers_a(headlines_a, headlines_b, self.feature)
        return 0.5 + prefers * (self.confidence - 0.5)


class TfidfPairLR:
    """Logistic regression on tfidf(a) − tfidf(b), without intercept.

    Without an intercept P(a beats b) = sigmoid(w·x_a − w·x_b), so p(a, b) = 1 − p(b, a)
    exactly. Adding each pair again flipped would not change the fit (its loss equals the
    original's), only double the effective C, so it is not done.
    """

    name = "TF-IDF LR"
    C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)

    def __init__(self, folds: int = 5) -> None:
        self.folds = folds
        self.vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            min_df=2,
            sublinear_tf=True,
            # Words and numbers, plus ? ! and quotes as tokens: punctuation is part of the style.
            token_pattern=r"(?u)\b\w+\b|[?!\"“”]",
        )
        self.coef = np.zeros(0)
        self.C = 1.0
        self.cv_log_loss: dict[float, float] = {}

    def fit(self, train_pairs: pd.DataFrame) -> TfidfPairLR:
        a, b = train_pairs["headline_a"].tolist(), train_pairs["headline_b"].tolist()
        ia, ib, uniques = _unique(a, b)
        # IDF from all training headlines, also inside CV: it uses no labels.
        features = self.vectorizer.fit_transform(uniques)
        diff, y = (features[ia] - features[ib]).tocsr(), train_pairs["label"].to_numpy()
        groups = test_groups(train_pairs).to_numpy()  # tests linked by a shared headline stay together
        folds = list(GroupKFold(n_splits=self.folds).split(diff, y, groups))
        out_of_fold = np.empty(len(y))
        for c in self.C_GRID:
            for train, test in folds:
                out_of_fold[test] = self._model(c).fit(diff[train], y[train]).predict_proba(diff[test])[:, 1]
            self.cv_log_loss[c] = float(log_loss(y, out_of_fold))
        self.C = min(self.cv_log_loss, key=self.cv_log_loss.get)
        self.coef = self._model(self.C).fit(diff, y).coef_.ravel()
        return self

    @staticmethod
    def _model(c: float) -> LogisticRegression:
        return LogisticRegression(C=c, fit_intercept=False, solver="liblinear", random_state=0)

    def headline_scores(self, headlines: list[str]) -> np.ndarray:
        """Per-headline logit; a pair's P(a wins) is sigmoid(score_a − score_b)."""
        return self.vectorizer.transform(headlines) @ self.coef

    def predict_pairs(self, headlines_a: list[str], headlines_b: list[str], contexts=None) -> np.ndarray:
        ia, ib, uniques = _unique(headlines_a, headlines_b)
        scores = self.headline_scores(list(uniques))
        return expit(scores[ia] - scores[ib])
