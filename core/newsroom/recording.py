"""Storing a recorded outcome: the verdict computed, linked to what the model predicted, written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from core.newsroom.verdict import OutcomeSummary, summarise
from db import outcomes


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


def outcome_summary(test: Any, counts: Sequence[tuple[int, int]], alpha: float = 0.05) -> OutcomeSummary:
    """The verdict of counts (one per arm, in arm order) against the test's saved predictions:
    what recording them says, and what a recorded test says when it is picked again."""
    saved = saved_prediction(test)
    predicted = saved.win_probabilities if saved else None
    summary = summarise([arm.headline for arm in test.arms], counts, predicted, alpha)
    return replace(summary, after_the_test=bool(saved and saved.at_recording))


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
    summary = outcome_summary(test, counts, alpha)
    arm_ids = [arm.id for arm in test.arms]

    def arm_id(index: int | None) -> int | None:
        return None if index is None else arm_ids[index]

    outcomes.record_outcome(
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


@dataclass(frozen=True)
class PlannedChange:
    """What recording one uploaded test would do to the database."""

    action: str  # "new test", "first outcome", "unchanged" (skipped) or "replaces"
    old: list[tuple[int, int]] | None  # the counts it would replace, in arm order


def planned_change(test: Any | None, counts: Sequence[tuple[int, int]]) -> PlannedChange:
    """Recording ``counts`` on ``test`` (None: a new test) adds, repeats or replaces an outcome."""
    if test is None:
        return PlannedChange("new test", None)
    if not test.outcomes or any(arm.impressions is None for arm in test.arms):
        return PlannedChange("first outcome", None)
    old = [(arm.impressions, arm.clicks) for arm in test.arms]
    return PlannedChange("unchanged" if old == [tuple(c) for c in counts] else "replaces", old)


def describe_counts(counts: Sequence[tuple[int, int]] | None) -> str:
    """ "1,000 / 120 · 1,000 / 60": impressions / clicks per headline, in order."""
    if not counts:
        return ""
    return " · ".join(f"{i:,} / {c:,}" for i, c in counts)
