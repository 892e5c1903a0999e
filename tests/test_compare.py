import numpy as np
import pytest

from core.newsroom.compare import checked_drafts, ranking, scorable


class LengthScorer:
    """Longer headlines score higher; an excerpt, when given, adds its word count to every score."""

    version = "fake"

    def __init__(self):
        self.contexts = []

    def score(self, headlines, context=None):
        self.contexts.append(context)
        bonus = len(context.split()) if context else 0
        return np.array([len(h) + bonus for h in headlines], dtype=float)


def test_problems_are_named_per_draft():
    drafts = checked_drafts(["A fine headline", "", "a fine  HEADLINE", "x" * 301, "<b>Bold</b> claim"], 300)
    assert [d.problem is None for d in drafts] == [True, False, False, False, True]
    assert "empty" in drafts[1].problem
    assert drafts[2].problem == "same as draft 1"
    assert "300" in drafts[3].problem
    assert drafts[4].text == "Bold claim"
    assert [d.number for d in scorable(drafts)] == [1, 5]


def test_ranking_orders_drafts_and_win_probabilities_sum_to_one():
    drafts = scorable(checked_drafts(["Short", "A much longer headline", "Medium one"]))
    ranked = ranking(LengthScorer(), drafts)
    assert ranked["draft"].tolist() == [1, 2, 3]  # input order kept
    assert ranked["rank"].tolist() == [3, 1, 2]
    assert ranked["win_probability"].sum() == pytest.approx(1.0)
    assert ranked["win_probability"].idxmax() == ranked["rank"].idxmin()


def test_ranking_passes_the_excerpt_on_and_treats_blank_as_none():
    drafts = scorable(checked_drafts(["Short", "A much longer headline"]))
    scorer = LengthScorer()
    ranking(scorer, drafts, "  The story in brief  ")
    ranking(scorer, drafts, "   ")
    assert scorer.contexts == ["The story in brief", None]  # the drafts are scored once per ranking
