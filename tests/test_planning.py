"""core.newsroom.planning: how click rates follow score margins, and impressions per headline."""

import math

import numpy as np
import pandas as pd
import pytest

from core.basics.stats import impressions_needed
from core.newsroom.planning import lift_per_margin, sample_plan, typical_click_rate


class TableScorer:
    """Scores looked up in a table: the margins are exactly what the test says."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def score(self, headlines, excerpt=None) -> np.ndarray:
        return np.array([self.scores[h] for h in headlines], dtype=float)


def test_lift_per_margin_recovers_how_click_rates_follow_the_margin():
    rng = np.random.default_rng(0)
    scores = {f"h{i}": float(s) for i, s in enumerate(rng.normal(size=40))}
    k = 0.3
    rows = []
    for i in range(0, 40, 2):
        a, b = f"h{i}", f"h{i + 1}"
        rate_b = 0.02
        rate_a = rate_b * math.exp(k * (scores[a] - scores[b]))  # planted: log ratio = k * margin
        rows.append((a, b, 1_000_000, round(rate_a * 1_000_000), 1_000_000, round(rate_b * 1_000_000)))
    pairs = pd.DataFrame(
        rows, columns=["headline_a", "headline_b", "impressions_a", "clicks_a", "impressions_b", "clicks_b"]
    )
    assert lift_per_margin(TableScorer(scores), pairs) == pytest.approx(k, rel=1e-3)


def test_pairs_without_clicks_on_both_sides_are_left_out_and_no_margin_gives_zero():
    pairs = pd.DataFrame(
        {"headline_a": ["a"], "headline_b": ["b"], "impressions_a": [100], "clicks_a": [0]}
        | {"impressions_b": [100], "clicks_b": [5]}
    )
    assert lift_per_margin(TableScorer({"a": 1.0, "b": 0.0}), pairs) == 0.0


def test_the_plan_puts_the_leader_first_and_sizes_each_comparison_with_it():
    ranked = pd.DataFrame({"draft": [1, 2, 3, 4], "score": [0.0, 2.0, 1.0, 5.0]})
    plan = sample_plan(ranked, drafts=[1, 2, 3], base_rate=0.02, k=0.5, reference=1.0, alpha=0.05)

    assert plan["draft"].tolist() == [2, 3, 1]  # draft 4 was not picked
    rates = plan["predicted click rate"].to_numpy()
    assert rates[1] == pytest.approx(0.02)  # draft 3 scores as a typical headline: the usual rate
    assert rates[0] == pytest.approx(0.02 * math.exp(0.5 * 1.0))
    assert rates[2] == pytest.approx(0.02 * math.exp(-0.5))
    # A draft's predicted rate does not depend on which others are picked (it did: anchored on the weakest).
    fewer = sample_plan(ranked, drafts=[2, 3], base_rate=0.02, k=0.5, reference=1.0)
    assert fewer["predicted click rate"].tolist() == pytest.approx(rates[:2].tolist())
    # the leader's own row has no lift and no sample size (the page shows it blank)
    assert math.isnan(plan["lift of the leader over it"][0]) and math.isnan(
        plan["impressions per headline"][0]
    )
    assert plan["lift of the leader over it"][1] == pytest.approx(math.exp(0.5 * 1.0) - 1)
    # two comparisons with the leader: Bonferroni halves alpha
    assert plan["impressions per headline"][2] == impressions_needed(rates[0], rates[2], 0.025, 0.8)
    assert plan["impressions per headline"][1] > plan["impressions per headline"][2]  # smaller lift


def test_the_usual_click_rate_is_the_median_over_arms_with_impressions():
    impressions = pd.Series([100.0, 200.0, 0.0, 400.0])
    clicks = pd.Series([1.0, 4.0, 0.0, 12.0])
    assert typical_click_rate(impressions, clicks) == pytest.approx(0.02)
    assert typical_click_rate(pd.Series([], dtype=float), pd.Series([], dtype=float)) is None
