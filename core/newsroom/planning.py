"""Plan the A/B test before it runs: how many impressions each headline needs so that the
difference the model predicts would show as significant.

The model predicts who wins, not by how much. The size comes from the archive: across its
validation pairs, the log ratio of the two click rates grows with the model's score margin,
log(rate_a / rate_b) ~ k * (s_a - s_b); k is fitted once per model (least squares through the
origin). The predicted relative lift of draft a over b is then exp(k * margin) - 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.basics.settings import Settings
from core.basics.stats import impressions_needed
from core.data.datasets import dataset_split, present_archives
from core.newsroom.compare import Scorer
from db.experiments import list_tests


def lift_per_margin(scorer: Scorer, pairs: pd.DataFrame) -> float:
    """k in log(rate_a / rate_b) ~ k * (s_a - s_b), over archive pairs with clicks on both sides."""
    usable = pairs[(pairs["clicks_a"] > 0) & (pairs["clicks_b"] > 0)]
    margin = scorer.score(list(usable["headline_a"])) - scorer.score(list(usable["headline_b"]))
    rate_a = usable["clicks_a"] / usable["impressions_a"]
    rate_b = usable["clicks_b"] / usable["impressions_b"]
    log_ratio = np.log(rate_a.to_numpy(float) / rate_b.to_numpy(float))
    denominator = float(np.sum(margin**2))
    return float(np.sum(margin * log_ratio) / denominator) if denominator > 0 else 0.0


def typical_click_rate(impressions: pd.Series, clicks: pd.Series) -> float | None:
    """The median click rate of a set of arms (None for none): the newsroom's usual rate."""
    rates = (clicks / impressions)[impressions > 0]
    return float(rates.median()) if len(rates) else None


def sample_plan(
    ranked: pd.DataFrame,
    drafts: list[int],
    base_rate: float,
    k: float,
    reference: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Per chosen draft (against the best of them): predicted click rate and lift, and the
    impressions each headline needs to detect that lift (Bonferroni over the k - 1 comparisons
    with the best, as the verdict counts them).

    base_rate: the click rate of a typical headline, whose score is ``reference`` (the scorer's
    reference_score). Anchored there, not on the weakest chosen draft, a draft's predicted rate
    stays put when other drafts are picked or dropped (it moved from 1.73% to 1.94% before).
    """
    chosen = ranked[ranked["draft"].isin(drafts)].sort_values("score", ascending=False)
    rates = np.clip(base_rate * np.exp(k * (chosen["score"].to_numpy(float) - reference)), 0.0, 1.0)
    corrected = alpha / max(1, len(chosen) - 1)
    best = rates[0]
    needed = [math.nan] + [impressions_needed(best, r, corrected, power) for r in rates[1:]]
    return pd.DataFrame(
        {
            "draft": chosen["draft"].to_numpy(),
            "predicted click rate": rates,
            "lift of the leader over it": [math.nan] + [best / r - 1 for r in rates[1:]],
            "impressions per headline": needed,
        }
    )


def archive_sample(settings: Settings, n: int = 600) -> pd.DataFrame:
    """A fixed sample of the validation pairs (tests no model trained on) of the archives whose
    files are there (at least one must be: see core.data.datasets.missing_archives)."""
    present = present_archives(settings)
    pairs = pd.concat([dataset_split(name, settings).valid for name in present], ignore_index=True)
    return pairs.sample(min(n, len(pairs)), random_state=settings.seed)


def archive_click_rate(pairs: pd.DataFrame) -> float | None:
    """The archive's median click rate over both arms of the pairs."""
    impressions = pd.concat([pairs["impressions_a"], pairs["impressions_b"]], ignore_index=True)
    clicks = pd.concat([pairs["clicks_a"], pairs["clicks_b"]], ignore_index=True)
    return typical_click_rate(impressions, clicks)


def newsroom_click_rate(session: Session) -> float | None:
    """The median click rate of the newsroom's own recorded tests (None before the first)."""
    arms = [a for t in list_tests(session, has_outcome=True, limit=None) for a in t.arms if a.impressions]
    if not arms:
        return None
    return typical_click_rate(
        pd.Series([a.impressions for a in arms], dtype=float),
        pd.Series([a.clicks for a in arms], dtype=float),
    )
