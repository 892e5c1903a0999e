"""A recorded A/B result: click rates, the winner, and how the model's prediction fared.

The winner is the arm with the best click rate when a two-proportion z-test against the
runner-up is significant; with k > 2 arms the p-value is Bonferroni-corrected for the k - 1
comparisons the best arm could have won. The model "hit" only when there is a significant
winner and it was the model's top-ranked arm; without one the call is undecided (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.basics.arms import MAX_COUNT
from core.basics.stats import impressions_needed, two_proportion_p_value, wilson_interval
from core.basics.words import roughly


@dataclass(frozen=True)
class OutcomeSummary:
    headlines: list[str]
    impressions: list[int]
    clicks: list[int]
    rates: list[float]
    low: list[float]  # Wilson 95% interval of each rate
    high: list[float]
    best: int  # index of the arm with the highest observed click rate
    runner_up: int
    p_value: float  # best vs runner-up, Bonferroni-corrected when k > 2
    significant: bool
    winner: int | None  # ``best`` when significant, else None
    predicted_probabilities: list[float] | None  # the model's win probability per arm, if saved
    predicted: int | None  # the model's top-ranked arm; None without predictions
    predicted_win_probability: float | None  # the model's win probability of the winner
    model_correct: bool | None  # None: no predictions, or no significant winner yet
    more_impressions: list[int] | None  # per arm, for a clear result; None if decided or unknowable
    # The model scored the headlines only as this outcome was recorded (uploaded, or typed in on
    # Record outcome without a saved test): after the test ran, so not a forecast.
    after_the_test: bool = False

    @property
    def verdict(self) -> str:
        if self.winner is None:
            return "no significant winner yet"
        return f"winner: {self.headlines[self.winner]}"

    @property
    def pick_head_to_head(self) -> float | None:
        """The model's chance that its pick beats its second choice head to head, from the saved
        win shares (p1 / (p1 + p2), as Compare's call); None without predictions."""
        if self.predicted_probabilities is None or len(self.predicted_probabilities) < 2:
            return None
        first, second = sorted(self.predicted_probabilities, reverse=True)[:2]
        return first / (first + second) if first + second > 0 else None

    def model_verdict(self, too_close_below: float = 0.0) -> str:
        """The model's call in words; a pick whose lead Compare called too close to call
        (head to head under ``too_close_below``) is said to be a lean, not a prediction."""
        if self.predicted is None:
            return "no model prediction was saved"
        if self.model_correct is None:
            return "not judged yet: the test has no clear (significant) winner yet"
        picked = self.headlines[self.predicted]
        if self.after_the_test:  # scored as the outcome was recorded: a pick, not a prediction
            first = "its top pick, scored after the test ran, was"
            return f"{first} the winner" if self.model_correct else f"{first} another headline, “{picked}”"
        h2h = self.pick_head_to_head
        if h2h is not None and h2h < too_close_below:
            towards = "it" if self.model_correct else f"another headline, “{picked}”,"
            call = (
                f"the model leaned towards {towards} but had called the drafts too close to call "
                f"({h2h:.0%} head to head)"
            )
        else:
            call = (
                "the model predicted it"
                if self.model_correct
                else f"the model picked another headline, “{picked}”"
            )
        return call

    @property
    def after_the_test_note(self) -> str | None:
        """Why this call is not a forecast, when the model scored the headlines only as the outcome
        was recorded; said apart from the call, which it made too long to read (walk-through)."""
        if not self.after_the_test or self.predicted is None:
            return None
        return (
            "The model scored these headlines only now, after the test ran: not a forecast, so History "
            "leaves it out of the model's accuracy unless asked."
        )

    def table(self) -> pd.DataFrame:
        """One row per arm, as editors read it: counts, the click rate and the range it very
        likely lies in (its 95% interval, as text), then the model's win probability when one
        was saved and the impressions each arm still needs for a clear result when any arm
        needs more. A column with nothing to say is left out, so no cell is empty."""
        table = pd.DataFrame(
            {
                "headline": self.headlines,
                "impressions": self.impressions,
                "clicks": self.clicks,
                "click rate": self.rates,
                "likely range": [f"{low:.1%}–{high:.1%}" for low, high in zip(self.low, self.high)],
            }
        )
        if self.predicted_probabilities is not None:
            table["model's chance"] = self.predicted_probabilities
        if self.more_impressions is not None and any(self.more_impressions) and not self.beyond_any_test:
            table["more needed"] = [roughly(n) for n in self.more_impressions]  # an estimate
        return table

    @property
    def beyond_any_test(self) -> bool:
        """A clear result would need a trillion impressions or more per headline: no test gets
        that many, so for the newsroom these headlines are equally good."""
        return self.more_impressions is not None and max(self.more_impressions) >= MAX_COUNT


def summarise(
    headlines: Sequence[str],
    counts: Sequence[tuple[int, int]],
    predicted_probabilities: Sequence[float] | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> OutcomeSummary:
    """The outcome of one test from valid counts (see :func:`parse_counts`).

    ``predicted_probabilities``: the model's win probability per arm when the test was
    saved (None when it was saved without a model).
    """
    if len(headlines) < 2 or len(counts) != len(headlines):
        raise ValueError(f"need two or more arms with counts, got {len(headlines)} and {len(counts)}")
    imps = np.array([c[0] for c in counts], dtype=float)
    clicks = np.array([c[1] for c in counts], dtype=float)
    rates = clicks / imps
    low, high = wilson_interval(clicks, imps)
    order = np.argsort(-rates, kind="stable")  # ties: the earlier arm first
    best, runner_up = int(order[0]), int(order[1])
    p_value = corrected_p_value(clicks, imps, best, runner_up)
    significant = p_value < alpha
    winner = best if significant else None
    predicted = _predicted_arm(predicted_probabilities, len(headlines))
    return OutcomeSummary(
        headlines=list(headlines),
        impressions=[int(i) for i in imps],
        clicks=[int(c) for c in clicks],
        rates=rates.tolist(),
        low=low.tolist(),
        high=high.tolist(),
        best=best,
        runner_up=runner_up,
        p_value=p_value,
        significant=significant,
        winner=winner,
        predicted_probabilities=None if predicted is None else [float(p) for p in predicted_probabilities],
        predicted=predicted,
        predicted_win_probability=(
            float(predicted_probabilities[winner]) if winner is not None and predicted is not None else None
        ),
        model_correct=None if winner is None or predicted is None else predicted == winner,
        more_impressions=None
        if significant
        else more_impressions_needed(
            rates[best], rates[runner_up], imps, alpha / (len(headlines) - 1), power
        ),
    )


def chance_in_words(p_value: float) -> str:
    """The p-value as an editor reads it: how often a gap this large turns up by chance alone,
    were the headlines equally good."""
    if p_value < 0.001:
        odds = "less than 1 time in 1,000"
    elif p_value < 0.5:
        odds = f"about 1 time in {roughly(round(1 / p_value)):,}"  # "714" claimed a precision it has not
    elif p_value < 0.9:
        odds = "more often than not"
    else:
        odds = "almost always"
    return f"if the headlines were equally good, a gap this large would turn up by chance {odds}"


def corrected_p_value(clicks: np.ndarray, imps: np.ndarray, best: int, runner_up: int) -> float:
    """Two-proportion z-test p-value of best vs runner-up, times the k - 1 comparisons (capped at 1)."""
    raw = float(two_proportion_p_value(clicks[best], imps[best], clicks[runner_up], imps[runner_up]))
    return min(1.0, raw * (len(imps) - 1))


def more_impressions_needed(
    best_rate: float, runner_up_rate: float, imps: np.ndarray, alpha: float, power: float = 0.8
) -> list[int] | None:
    """Impressions each arm still needs for the observed gap to be significant; None when the
    observed rates are equal (no sample size can separate them)."""
    needed = impressions_needed(float(best_rate), float(runner_up_rate), alpha=alpha, power=power)
    if not math.isfinite(needed):
        return None
    return [max(0, int(needed) - int(n)) for n in imps]


def _predicted_arm(probabilities: Sequence[float] | None, n_arms: int) -> int | None:
    if probabilities is None:
        return None
    if len(probabilities) != n_arms:
        raise ValueError(f"{n_arms} arms but {len(probabilities)} predicted probabilities")
    return int(np.argmax(probabilities))


# --- outcomes CSV -----------------------------------------------------------------------
