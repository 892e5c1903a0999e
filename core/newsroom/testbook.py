"""The newsroom's tests as pages use them: save drafts with the model's predictions, find tests,
read outcomes. Every page reaches the database through these (db.queries below them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

import pandas as pd
from sqlalchemy.orm import Session

from core.newsroom.compare import Scorer, checked_drafts, ranking
from db import experiments, outcomes
from db.schema import Test

DUPLICATE_WINDOW = timedelta(minutes=10)  # a second "Save as test" within this returns the first


def save_ranked_drafts(
    session: Session,
    ranked: pd.DataFrame,
    model_version: str,
    excerpt: str | None = None,
    created_by: str | None = None,
) -> tuple[Test, bool]:
    """A test of the drafts as ranked on Compare, with the scores and win probabilities shown,
    and whether it was saved just now.

    Saving the same drafts (same order and excerpt) with the same model version again within
    :data:`DUPLICATE_WINDOW` (a double click) stores nothing and returns the test saved first,
    with False: the page says it was already saved, however soon the second click came.
    """
    existing = experiments.recent_duplicate(
        session, ranked["headline"].tolist(), excerpt, model_version, DUPLICATE_WINDOW
    )
    if existing is not None:
        return existing, False
    created = experiments.create_test(
        session,
        ranked["headline"].tolist(),
        excerpt=excerpt,
        created_by=created_by,
        model_version=model_version,
        scores=ranked["score"].tolist(),
        win_probabilities=ranked["win_probability"].tolist(),
    )
    return created, True


def new_recorded_test(
    session: Session,
    headlines: Sequence[str],
    created_by: str | None,
    scorer: Scorer | None,
    model_version: str | None,
    excerpt: str | None = None,
    image_ids: Sequence | None = None,
    dates: Sequence | None = None,
) -> Test:
    """A test entered only when its outcome is recorded. The model scores it now, after it ran,
    so the prediction is flagged and History leaves it out of live accuracy."""
    details = {"excerpt": excerpt, "image_ids": image_ids, "dates": dates}
    if scorer is None:
        return experiments.create_test(session, list(headlines), created_by=created_by, **details)
    ranked = ranking(scorer.score, checked_drafts(list(headlines)), excerpt)
    return experiments.create_test(
        session,
        list(headlines),
        created_by=created_by,
        **details,
        model_version=model_version,
        scores=ranked["score"].tolist(),
        win_probabilities=ranked["win_probability"].tolist(),
        predicted_at_recording=True,
    )


def test_by_id(session: Session, test_id: int) -> Test | None:
    return experiments.get_test(session, test_id)


def delete_test(session: Session, test_id: int, deleted_by: str | None) -> Test:
    """Delete a test from the desk: kept for the record (who, when), no longer listed, judged or
    trained on."""
    return experiments.delete_test(session, test_id, deleted_by)


def undo_last_outcome(session: Session, test_id: int, undone_by: str | None) -> None:
    """Undo the latest recording of a test's outcome: the one before counts again (or none)."""
    outcomes.undo_last_outcome(session, test_id, undone_by)


@dataclass(frozen=True)
class OutcomeChange:
    """One recording of a test's outcome, as its change history lists it."""

    at: datetime
    by: str | None
    old: list[tuple[int, int]] | None  # the counts it replaced (None: the first recording)
    new: list[tuple[int, int]] | None  # its counts, in arm order (None: recorded before counts were kept)
    undone_at: datetime | None
    undone_by: str | None


def outcome_changes(test: Test) -> list[OutcomeChange]:
    """Every recording of a test's outcome, oldest first, with the counts it replaced."""
    order = [arm.id for arm in test.arms]
    changes, current = [], None
    for outcome in test.outcome_log:
        by_arm = {arm_id: (i, c) for arm_id, i, c in (outcome.counts or [])}
        new = [by_arm[a] for a in order] if set(order) <= set(by_arm) else None
        changes.append(
            OutcomeChange(
                outcome.recorded_at, outcome.recorded_by, current, new, outcome.undone_at, outcome.undone_by
            )
        )
        if outcome.undone_at is None:
            current = new
    return changes


def current_counts(test: Test) -> list[tuple[int, int]] | None:
    """The counts that count now, in arm order; None before any outcome."""
    if any(arm.impressions is None for arm in test.arms):
        return None
    return [(arm.impressions, arm.clicks) for arm in test.arms]


@dataclass(frozen=True)
class TestEntry:
    """One editor test as a list shows it: enough to name it and to match an upload to it."""

    __test__ = False  # not a pytest test class, despite the name

    id: int
    number: int | None
    created_at: datetime
    created_by: str | None
    has_outcome: bool
    headlines: tuple[str, ...]


def test_entries(session: Session) -> list[TestEntry]:
    """Every editor test (saved on Compare or recorded) that is not deleted, newest first."""
    rows = experiments.editor_test_headlines(session)  # a test's headlines come together, in order
    return [
        TestEntry(test_id, number, created_at, by, bool(recorded), tuple(row[-1] for row in headlines))
        for (test_id, number, created_at, by, recorded), headlines in groupby(rows, key=lambda row: row[:-1])
    ]


def tests_by_id(session: Session, test_ids) -> dict[int, Test]:
    """The tests with these ids, loaded whole (arms, predictions, every recording), by id."""
    return experiments.tests_by_id(session, test_ids)


def recorded_arms(session: Session) -> pd.DataFrame:
    """One row per headline of every editor test with a recorded outcome, for History."""
    return outcomes.recorded_arms_frame(session)


def recorded_outcomes(session: Session, model_version: str | None = None) -> pd.DataFrame:
    """One row per recorded outcome with the prediction it is judged against."""
    return outcomes.outcomes_frame(session, model_version=model_version)


def predicting_versions(session: Session) -> list[str]:
    """Model versions that made a prediction for some recorded outcome, sorted."""
    return sorted(recorded_outcomes(session)["model_version"].dropna().unique())
