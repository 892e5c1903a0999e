"""A recorded A/B result: click rates, the winner, and how the model's prediction fared.

The winner is the arm with the best click rate when a two-proportion z-test against the
runner-up is significant; with k > 2 arms the p-value is Bonferroni-corrected for the k - 1
comparisons the best arm could have won. The model "hit" only when there is a significant
winner and it was the model's top-ranked arm; without one the call is undecided (None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.basics.arms import LoadReport, whole_number
from core.basics.arms import count_problems as arm_count_problems
from core.basics.stats import impressions_needed, two_proportion_p_value, wilson_interval
from core.basics.text import normalise_headline
from db import queries


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

    @property
    def verdict(self) -> str:
        if self.winner is None:
            return "no significant winner yet"
        return f"winner: {self.headlines[self.winner]}"

    @property
    def model_verdict(self) -> str:
        if self.predicted is None:
            return "no model prediction was saved"
        if self.model_correct is None:
            return "undecided (no significant winner yet)"
        return "the model predicted it" if self.model_correct else "the model picked another headline"

    def table(self) -> pd.DataFrame:
        """One row per arm: counts, click rate with its 95% interval, the model's win
        probability, and the impressions it still needs for a clear result."""
        n = len(self.headlines)
        return pd.DataFrame(
            {
                "headline": self.headlines,
                "impressions": self.impressions,
                "clicks": self.clicks,
                "click rate": self.rates,
                "95% low": self.low,
                "95% high": self.high,
                "model win probability": self.predicted_probabilities or [None] * n,
                "more impressions needed": self.more_impressions or [None] * n,
            }
        )


def count_problems(entries: Sequence[tuple[object, object]]) -> list[str]:
    """Field-level messages for (impressions, clicks) entries, one per bad field; [] when all fine.

    Entries are numbered from 1 ("headline 2: ...") as the page shows them.
    """
    return [
        f"headline {number}: {problem.message}"
        for number, (impressions, clicks) in enumerate(entries, start=1)
        for problem in arm_count_problems(impressions, clicks)
    ]


def parse_counts(entries: Sequence[tuple[object, object]]) -> list[tuple[int, int]]:
    """(impressions, clicks) as ints; raises ValueError listing every problem."""
    problems = count_problems(entries)
    if problems:
        raise ValueError("; ".join(problems))
    return [(whole_number(i)[0], whole_number(c)[0]) for i, c in entries]


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


@dataclass(frozen=True)
class UploadedTest:
    """One test of an outcomes CSV, ready to record."""

    csv_test_id: str
    rows: list[int]  # spreadsheet row numbers (header = row 1), in the order of ``headlines``
    headlines: list[str]  # the saved test's arm order when matched, else the file's order
    counts: list[tuple[int, int]]
    saved_test_id: int | None  # the saved test with exactly these headlines; None: a new test
    # Optional columns, stored when the upload creates a new test (a saved test keeps its own).
    excerpt: str | None = None  # the test's story excerpt: the first one given in its rows
    image_ids: list[str | None] | None = None  # per headline, in the order of ``headlines``
    dates: list[date | None] | None = None  # per headline: when the test ran


def skipped_row_messages(report: LoadReport) -> list[str]:
    """Every skipped row of an outcomes CSV with its reason, in row order."""
    rows = sorted((row, reason) for reason, numbers in report.skipped.items() for row in numbers)
    return [f"row {row}: {reason}" for row, reason in rows]


def plan_upload(
    arms: pd.DataFrame, saved_tests: Mapping[int, Sequence[str]]
) -> tuple[list[UploadedTest], list[str]]:
    """Group a loaded outcomes CSV (no skipped rows) into tests and match each to a saved test.

    ``saved_tests`` maps test id -> arm headlines in arm order, in order of preference (a
    CSV test takes the first saved test with the same set of headlines). Returns the tests,
    and problems with row numbers (one headline only, a headline twice); record nothing
    when there are problems.
    """
    by_key: dict[frozenset[str], int] = {}
    for test_id, headlines in saved_tests.items():
        by_key.setdefault(frozenset(normalise_headline(h) for h in headlines), test_id)
    planned, problems = [], []
    frame = arms.assign(row=range(2, len(arms) + 2), key=arms["headline"].map(normalise_headline))
    for csv_id, group in frame.groupby("test_id", sort=False):
        name = str(csv_id).split(":", 1)[-1]
        group_problems = _group_problems(name, group)
        problems.extend(group_problems)
        if group_problems:
            continue
        saved_id = by_key.get(frozenset(group["key"]))
        if saved_id is not None:  # the saved test's arm order
            position = {normalise_headline(h): i for i, h in enumerate(saved_tests[saved_id])}
            group = group.sort_values("key", key=lambda keys: keys.map(position))
        planned.append(
            UploadedTest(
                csv_test_id=name,
                rows=group["row"].tolist(),
                headlines=group["headline"].tolist(),
                counts=list(zip(group["impressions"].tolist(), group["clicks"].tolist())),
                saved_test_id=saved_id,
                excerpt=next((e for e in group.get("excerpt", []) if isinstance(e, str) and e), None),
                image_ids=_optional_values(group, "image_id"),
                dates=_optional_values(group, "date"),
            )
        )
    return planned, problems


def _optional_values(group: pd.DataFrame, column: str) -> list | None:
    """A column's values in row order, None for blanks; None when the file has no such values."""
    if column not in group or group[column].isna().all():
        return None
    return [None if pd.isna(v) else v for v in group[column]]


def _group_problems(name: str, group: pd.DataFrame) -> list[str]:
    rows = group["row"].tolist()
    if len(group) < 2:
        return [f"test {name} (row {rows[0]}): only one headline; a test needs two or more"]
    repeated = group[group["key"].duplicated(keep=False)]
    return [
        f"test {name}: rows {', '.join(map(str, same['row']))} have the same headline"
        for _, same in repeated.groupby("key", sort=False)
    ]


# --- storing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedPrediction:
    """What the model said about a test, as saved with it."""

    model_version: str | None  # None when the arms' latest predictions disagree on the version
    win_probabilities: list[float]  # per arm, in arm order
    at_recording: bool  # made as the outcome was recorded, i.e. after the test ran


def saved_prediction(test: Any) -> SavedPrediction | None:
    """The prediction saved with a test; None when not every arm has one. The latest
    prediction of each arm counts."""
    latest = {p.arm_id: p for p in test.predictions}
    if not test.arms or any(arm.id not in latest for arm in test.arms):
        return None
    chosen = [latest[arm.id] for arm in test.arms]
    versions = {p.model_version for p in chosen}
    return SavedPrediction(
        model_version=chosen[0].model_version if len(versions) == 1 else None,
        win_probabilities=[p.win_probability for p in chosen],
        at_recording=any(bool(p.at_recording) for p in chosen),
    )


def record(
    session: Session,
    test: Any,
    counts: Sequence[tuple[int, int]],
    recorded_by: str | None = None,
    alpha: float = 0.05,
) -> OutcomeSummary:
    """Summarise valid counts (one per arm, in arm order) against the test's saved predictions
    and store the outcome in the caller's transaction."""
    saved = saved_prediction(test)
    predicted = saved.win_probabilities if saved else None
    summary = summarise([arm.headline for arm in test.arms], counts, predicted, alpha)
    arm_ids = [arm.id for arm in test.arms]

    def arm_id(index: int | None) -> int | None:
        return None if index is None else arm_ids[index]

    queries.record_outcome(
        session,
        test.id,
        dict(zip(arm_ids, counts)),
        recorded_by=recorded_by,
        p_value=summary.p_value,
        significant=summary.significant,
        winner_arm_id=arm_id(summary.winner),
        predicted_arm_id=arm_id(summary.predicted),
        model_version=saved.model_version if saved else None,
        predicted_win_probability=summary.predicted_win_probability,
        model_correct=summary.model_correct,
        prediction_at_recording=saved.at_recording if saved else None,
    )
    return summary
