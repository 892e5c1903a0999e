import time

import numpy as np

from core.newsroom.explain import word_weights
from core.newsroom.remembered import Remembered


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
    remembered = Remembered(classify)
    first = remembered(["one", "two", "one"])
    again = remembered(["two", "three", "one"])
    assert classify.asked == ["one", "two", "three"]
    np.testing.assert_array_equal(first, CountingClassifier()(["one", "two", "one"]))
    np.testing.assert_array_equal(again, CountingClassifier()(["two", "three", "one"]))


def test_a_text_with_another_context_is_scored_again():
    classify = CountingClassifier()
    remembered = Remembered(classify)
    plain, with_excerpt = remembered(["seven"]), remembered(["seven"], context="an excerpt")
    assert classify.asked == ["seven", "seven"]
    assert with_excerpt[0, 1] > plain[0, 1]


def test_the_least_recently_used_rows_are_forgotten_beyond_capacity():
    classify = CountingClassifier()
    remembered = Remembered(classify, capacity=2)
    remembered(["a", "b"])
    remembered(["a"])  # "a" used last: "b" is the oldest
    remembered(["c"])
    assert remembered.remembered == 2
    remembered(["a", "b"])
    assert classify.asked == ["a", "b", "c", "b"]


def test_after_a_one_word_edit_lime_rescores_only_the_new_perturbations():
    headline = "Why does one tiny island keep winning every race here"
    classify = CountingClassifier()
    remembered = Remembered(classify)
    word_weights(headline, remembered, 250, 0)
    before = len(classify.asked)
    edited = headline.replace("island", "nation")
    recalled = word_weights(edited, remembered, 250, 0)
    new = len(classify.asked) - before
    assert 0.25 * before < new < 0.75 * before  # the copies without the edited word are recalled
    fresh = word_weights(edited, CountingClassifier(), 250, 0)
    assert recalled.keys() == fresh.keys()
    np.testing.assert_allclose([recalled[w] for w in fresh], list(fresh.values()), atol=1e-12)


class CountingScorer:
    """One score per text (its length); records every text it is asked about."""

    def __init__(self, delay: float = 0.0):
        self.asked: list[str] = []
        self.delay = delay

    def __call__(self, texts, context=None):
        self.asked += list(texts)
        time.sleep(self.delay)  # an encoder takes a while: other sessions arrive meanwhile
        return np.array([float(len(t)) for t in texts])


def test_scores_are_remembered_one_per_text_in_input_order():
    score = CountingScorer()
    remembered = Remembered(score)
    np.testing.assert_array_equal(remembered(["aa", "b", "aa"]), [2.0, 1.0, 2.0])
    np.testing.assert_array_equal(remembered(["b", "cccc"]), [1.0, 4.0])
    assert score.asked == ["aa", "b", "cccc"]
    assert remembered([]).shape == (0,)  # the scorer's own empty shape
    assert Remembered(CountingClassifier())([]).shape == (0, 2)


def test_ranking_after_editing_one_draft_encodes_only_that_draft():
    from core.newsroom.compare import checked_drafts, ranking

    score = CountingScorer()
    remembered = Remembered(score)
    drafts = ["First draft here", "A second, longer draft", "Third"]
    ranking(remembered, checked_drafts(drafts))
    edited = [drafts[0], drafts[1] + " now", drafts[2]]
    again = ranking(remembered, checked_drafts(edited))
    assert score.asked == [*drafts, edited[1]]
    fresh = ranking(CountingScorer(), checked_drafts(edited))
    assert again.equals(fresh)


def test_sessions_sharing_the_memory_encode_each_text_once():
    import threading

    score = CountingScorer(delay=0.05)
    remembered = Remembered(score)
    texts = [f"draft {i}" for i in range(40)]
    results = []

    def session():
        results.append(remembered(texts))

    threads = [threading.Thread(target=session) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(score.asked) == sorted(texts)
    for result in results:
        np.testing.assert_array_equal(result, [float(len(t)) for t in texts])
