import numpy as np
import pytest

from core.newsroom.compare import checked_drafts, ranking, scorable, track_record, track_record_in_short


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


def test_drafts_in_other_scripts_are_compared_not_taken_for_duplicates():
    drafts = checked_drafts(
        ["Ученые нашли осьминога в Арктике", "Осьминог в Арктике: что нашли ученые", "🐙"]
    )
    assert [d.problem for d in drafts] == [None, None, None]
    again = checked_drafts(["Ученые нашли осьминога", "ученые нашли осьминога!"])
    assert again[1].problem == "same as draft 1"


def test_a_repeat_is_named_as_the_page_calls_its_lines():
    drafts = checked_drafts(["Cats purr", "Dogs bark", "cats purr!"], 300, "headline")
    assert [d.problem for d in drafts] == [None, None, "same as headline 1"]


def test_ranking_orders_drafts_and_win_probabilities_sum_to_one():
    drafts = scorable(checked_drafts(["Short", "A much longer headline", "Medium one"]))
    ranked = ranking(LengthScorer().score, drafts)
    assert ranked["draft"].tolist() == [1, 2, 3]  # input order kept
    assert ranked["rank"].tolist() == [3, 1, 2]
    assert ranked["win_probability"].sum() == pytest.approx(1.0)
    assert ranked["win_probability"].idxmax() == ranked["rank"].idxmin()


def test_ranking_passes_the_excerpt_on_and_treats_blank_as_none():
    drafts = scorable(checked_drafts(["Short", "A much longer headline"]))
    scorer = LengthScorer()
    ranking(scorer.score, drafts, "  The story in brief  ")
    ranking(scorer.score, drafts, "   ")
    assert scorer.contexts == ["The story in brief", None]  # the drafts are scored once per ranking


VALIDATION = {
    "upworthy": {"pairs": 300, "accuracy": 0.6, "significant_pairs": 100, "accuracy_significant": 0.75},
    "ars": {"pairs": 100, "accuracy": 0.6, "significant_pairs": 100, "accuracy_significant": 0.65},
}


def test_the_track_record_pools_the_archives_then_gives_each_and_names_the_clear_cut_ones():
    line = track_record({"validation_metrics": VALIDATION})
    assert line == (
        "On 400 archive head-to-heads it never trained on, the model picked the winner 60% of the time "
        "(Upworthy 60%, Ars Technica 60%); 70% on the 200 clear-cut ones (Upworthy 75%, Ars Technica 65%; "
        "a significant difference in click rate). A coin flip would be 50%."
    )
    one = track_record({"validation_metrics": {"ars": VALIDATION["ars"]}})
    assert one.startswith(
        "On 100 archive head-to-heads it never trained on, the model picked the winner 60% of the time; "
    )
    assert track_record({}) is None and track_record(None) is None


def test_the_track_record_in_short_is_the_pooled_clear_cut_figure():
    assert track_record_in_short({"validation_metrics": VALIDATION}) == (
        "On past tests it never saw, it picked the clear winner 70% of the time (a coin flip: 50%)."
    )
    no_clear = {"ars": {"pairs": 100, "accuracy": 0.61, "significant_pairs": 0, "accuracy_significant": None}}
    assert track_record_in_short({"validation_metrics": no_clear}) == (
        "On past tests it never saw, it picked the winner 61% of the time (a coin flip: 50%)."
    )
    assert track_record_in_short({}) is None and track_record_in_short(None) is None


def test_the_track_record_adds_how_its_recipe_did_on_newer_tests():
    forward = {
        "archives": {"upworthy": {"accuracy_significant": 0.712}, "ars": {"accuracy_significant": 0.664}}
    }
    line = track_record({"validation_metrics": VALIDATION, "forward_evaluation": forward})
    assert line.endswith(
        "A coin flip would be 50%. On each archive's newest tests, newer than any it learned from (as "
        "yours will be), the same recipe trained on older tests only picked the clear-cut winner "
        "71% (Upworthy) and 66% (Ars Technica)."
    )
