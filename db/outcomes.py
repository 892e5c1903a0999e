"""Recorded outcomes of tests: counts checked and stored in one step, read back with the
prediction each is judged against."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from core.basics.arms import count_problems, whole_number
from db.experiments import check_probability
from db.schema import (
    Arm,
    Outcome,
    Prediction,
    Test,
    utcnow,
)


def record_outcome(
    session: Session,
    test_id: int,
    results: Mapping[int, tuple[int, int]],
    recorded_by: str | None = None,
    p_value: float | None = None,
    significant: bool = False,
    winner_arm_id: int | None = None,
    predicted_arm_id: int | None = None,
    model_version: str | None = None,
    predicted_win_probability: float | None = None,
    model_correct: bool | None = None,
    prediction_at_recording: bool | None = None,
) -> Outcome:
    """Record a test's real result: ``results`` maps every arm id to (impressions, clicks).

    Sets the arms' impressions and clicks and adds an outcome row that keeps those counts;
    recording again (a correction) adds another row and overwrites the arms' numbers, so every
    earlier recording stays in ``Test.outcome_log`` (see :func:`undo_last_outcome`).
    """
    test = session.get(Test, test_id)
    if test is None:
        raise ValueError(f"no test with id {test_id}")
    arms = {arm.id: arm for arm in test.arms}
    counts = _checked_results(test_id, arms, results)
    for label, arm_id in (("winner", winner_arm_id), ("predicted", predicted_arm_id)):
        if arm_id is not None and arm_id not in arms:
            raise ValueError(f"{label} arm {arm_id} is not an arm of test {test_id}")
    if p_value is not None:
        check_probability("p-value", p_value)
    if predicted_win_probability is not None:
        check_probability("predicted win probability", predicted_win_probability)

    # Everything is checked: only now write, so a bad call leaves nothing behind.
    for arm_id, (impressions, clicks) in counts.items():
        arms[arm_id].impressions, arms[arm_id].clicks = impressions, clicks
    outcome = Outcome(
        test_id=test_id,
        recorded_by=recorded_by,
        p_value=p_value,
        significant=bool(significant),
        winner_arm_id=winner_arm_id,
        predicted_arm_id=predicted_arm_id,
        model_version=model_version,
        predicted_win_probability=predicted_win_probability,
        model_correct=model_correct,
        prediction_at_recording=None if predicted_arm_id is None else bool(prediction_at_recording),
        counts=[[arm.id, *counts[arm.id]] for arm in test.arms],
    )
    test.outcomes.append(outcome)
    session.flush()
    return outcome


def undo_last_outcome(session: Session, test_id: int, undone_by: str | None) -> Outcome:
    """Undo a test's latest recording (kept in the log as undone, by whom and when): the arms get
    the previous recording's counts back, or none when it was the first."""
    test = session.get(Test, test_id)
    if test is None or not test.outcomes:
        raise ValueError(f"the test with id {test_id} has no recorded outcome to undo")
    last = test.outcomes[-1]
    last.undone_at, last.undone_by = utcnow(), undone_by
    session.flush()
    session.expire(test, ["outcomes", "outcome_log"])  # reloaded without the undone one
    previous = test.outcomes[-1] if test.outcomes else None
    restored = {arm_id: (i, c) for arm_id, i, c in (previous.counts or [])} if previous else {}
    for arm in test.arms:
        arm.impressions, arm.clicks = restored.get(arm.id, (None, None))
    session.flush()
    return last


def _checked_results(
    test_id: int, arms: Mapping[int, Arm], results: Mapping[int, tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    unknown = sorted(set(results) - set(arms))
    if unknown:
        raise ValueError(f"arm(s) {unknown} are not arms of test {test_id}")
    missing = sorted(set(arms) - set(results))
    if missing:
        raise ValueError(f"no impressions and clicks for arm(s) {missing} of test {test_id}")
    counts = {}
    for arm_id, (impressions, clicks) in results.items():
        if any(isinstance(v, str) for v in (impressions, clicks)):  # callers parse text first
            raise ValueError(f"arm {arm_id}: impressions and clicks must be numbers, not text")
        problems = count_problems(impressions, clicks)
        if problems:
            raise ValueError(f"arm {arm_id}: " + "; ".join(p.message for p in problems))
        counts[arm_id] = (whole_number(impressions)[0], whole_number(clicks)[0])
    return counts


OUTCOME_COLUMNS = [
    "test_id",
    "test_number",  # the number editors see (schema.Test.number); test_id is the database's
    "external_id",
    "created_at",
    "created_by",
    "n_arms",
    "outcome_id",
    "recorded_at",
    "recorded_by",
    "p_value",
    "significant",
    "winner_arm_id",
    "winner_headline",
    "predicted_arm_id",
    "predicted_headline",
    "model_version",
    "predicted_win_probability",
    "model_correct",
    "prediction_at_recording",
]


def outcomes_frame(session: Session, model_version: str | None = None) -> pd.DataFrame:
    """Editor tests with a recorded outcome, one row per test (its latest outcome), oldest
    recording first, with what the model predicted: for accuracy over time and calibration.

    Columns: :data:`OUTCOME_COLUMNS`. ``model_version`` keeps the outcomes of that model's
    predictions only. ``model_correct`` is a nullable boolean (empty: not judged).
    """
    frame = pd.DataFrame(session.execute(_outcomes_query(model_version)).all(), columns=OUTCOME_COLUMNS)
    frame["significant"] = frame["significant"].astype(bool)
    frame["model_correct"] = frame["model_correct"].astype("boolean")
    frame["prediction_at_recording"] = frame["prediction_at_recording"].astype("boolean")
    for column in ("p_value", "predicted_win_probability"):
        frame[column] = frame[column].astype("float64")
    for column in ("created_at", "recorded_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


ARM_ROW_COLUMNS = [
    "test_id",
    "test_number",
    "arm_id",
    "headline",
    "impressions",  # the counts of the latest recording (Arm's), empty if a test has none
    "clicks",
    "model_version",  # of the arm's latest prediction; empty without one
    "win_probability",
    "at_recording",
    "significant",  # of the test's latest outcome
    "winner_arm_id",
]


def recorded_arms_frame(session: Session) -> pd.DataFrame:
    """One row per headline of each editor test with a recorded outcome (not deleted): its
    counts, its latest prediction and its test's latest outcome; tests newest first, headlines
    in their order. Columns: :data:`ARM_ROW_COLUMNS`.

    One query: loading the tests as objects, with their arms, predictions and outcomes, took
    1.1-1.7 s for 5,000 tests on History."""
    latest_prediction = (
        select(Prediction.arm_id, func.max(Prediction.id).label("id"))
        .group_by(Prediction.arm_id)
        .subquery("latest_prediction")
    )
    prediction = aliased(Prediction)
    query = (
        _with_latest_outcome(
            select(
                Test.id,
                Test.number,
                Arm.id,
                Arm.headline,
                Arm.impressions,
                Arm.clicks,
                prediction.model_version,
                prediction.win_probability,
                prediction.at_recording,
                Outcome.significant,
                Outcome.winner_arm_id,
            )
        )
        .join(Arm, Arm.test_id == Test.id)
        .outerjoin(latest_prediction, latest_prediction.c.arm_id == Arm.id)
        .outerjoin(prediction, prediction.id == latest_prediction.c.id)
        .order_by(Test.created_at.desc(), Test.id.desc(), Arm.position)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=ARM_ROW_COLUMNS)
    frame["win_probability"] = frame["win_probability"].astype("float64")
    return frame


def _with_latest_outcome(query: Select) -> Select:
    """``query`` over the editor tests that are not deleted, each joined to its latest outcome
    that was not undone: the outcome that counts, in every History query.

    The latest outcomes are a derived table of ids joined on the id: "outcomes.id IN (this
    list)" made SQLite probe the whole list once per test (3.4 s for 5,000 tests, against 0.1 s)."""
    latest = (
        select(func.max(Outcome.id).label("id"))
        .where(Outcome.undone_at.is_(None))
        .group_by(Outcome.test_id)
        .subquery("latest")
    )
    return (
        query.select_from(latest)
        .join(Outcome, Outcome.id == latest.c.id)
        .join(Outcome.test)
        .where(Test.source == "editor", Test.deleted_at.is_(None))
    )


def _outcomes_query(model_version: str | None) -> Select:
    winner, predicted = aliased(Arm), aliased(Arm)
    n_arms = select(func.count(Arm.id)).where(Arm.test_id == Test.id).scalar_subquery()
    query = (
        _with_latest_outcome(
            select(
                Test.id,
                Test.number,
                Test.external_id,
                Test.created_at,
                Test.created_by,
                n_arms,
                Outcome.id,
                Outcome.recorded_at,
                Outcome.recorded_by,
                Outcome.p_value,
                Outcome.significant,
                Outcome.winner_arm_id,
                winner.headline,
                Outcome.predicted_arm_id,
                predicted.headline,
                Outcome.model_version,
                Outcome.predicted_win_probability,
                Outcome.model_correct,
                Outcome.prediction_at_recording,
            )
        )
        .outerjoin(winner, winner.id == Outcome.winner_arm_id)
        .outerjoin(predicted, predicted.id == Outcome.predicted_arm_id)
        .order_by(Outcome.recorded_at, Outcome.id)
    )
    if model_version is not None:
        query = query.where(Outcome.model_version == model_version)
    return query
