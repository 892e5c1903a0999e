import numpy as np

from core.newsroom.explain import word_weights
from core.newsroom.proba_memory import RememberedProba


class CountingClassifier:
    """P(win) grows with the share of the letter 'e'; records every text it is asked about."""

    def __init__(self):
        self.asked: list[str] = []

    def __call__(self, texts, context=None):
        self.asked += list(texts)
        bonus = 0.2 if context else 0.0
        p = np.array([min(0.9, t.count("e") / (len(t) + 1) + bonus) for t in texts])
        return np.column_stack([1 - p, p])


def test_each_text_reaches_the_classifier_once_and_is_recalled_after():
    classify = CountingClassifier()
    remembered = RememberedProba(classify)
    first = remembered(["one", "two", "one"])
    again = remembered(["two", "three", "one"])
    assert classify.asked == ["one", "two", "three"]
    np.testing.assert_array_equal(first, CountingClassifier()(["one", "two", "one"]))
    np.testing.assert_array_equal(again, CountingClassifier()(["two", "three", "one"]))


def test_a_text_with_another_context_is_scored_again():
    classify = CountingClassifier()
    remembered = RememberedProba(classify)
    plain, with_excerpt = remembered(["seven"]), remembered(["seven"], context="an excerpt")
    assert classify.asked == ["seven", "seven"]
    assert with_excerpt[0, 1] > plain[0, 1]


def test_the_least_recently_used_rows_are_forgotten_beyond_capacity():
    classify = CountingClassifier()
    remembered = RememberedProba(classify, capacity=2)
    remembered(["a", "b"])
    remembered(["a"])  # "a" used last: "b" is the oldest
    remembered(["c"])
    assert remembered.remembered == 2
    remembered(["a", "b"])
    assert classify.asked == ["a", "b", "c", "b"]


def test_after_a_one_word_edit_lime_rescores_only_the_new_perturbations():
    headline = "Why does one tiny island keep winning every race here"
    classify = CountingClassifier()
    remembered = RememberedProba(classify)
    word_weights(headline, remembered, 250, 0)
    before = len(classify.asked)
    edited = headline.replace("island", "nation")
    recalled = word_weights(edited, remembered, 250, 0)
    new = len(classify.asked) - before
    assert 0.25 * before < new < 0.75 * before  # the copies without the edited word are recalled
    fresh = word_weights(edited, CountingClassifier(), 250, 0)
    assert recalled.keys() == fresh.keys()
    np.testing.assert_allclose([recalled[w] for w in fresh], list(fresh.values()), atol=1e-12)
