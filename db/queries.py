"""Query functions: each takes a Session first and leaves the transaction to the caller.

Callers open the transaction at the edge (``with Session.begin() as session:``), so an
exception raised here rolls back everything the call wrote. Inputs are checked only where
the data's integrity demands it, and a bad input raises ValueError before anything is written.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Select, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from core.basics.arms import ARM_COLUMNS, LoadReport, count_problems, whole_number
from db.schema import (
    MODEL_ACTIONS,
    Arm,
    Import,
    ModelEvent,
    ModelVersion,
    Outcome,
    Prediction,
    Test,
    utcnow,
)

ACTIVATE_ACTIONS = ("promote", "rollback", "override")
# Row numbers kept per skip reason in imports.skipped (the count is always complete).
SKIPPED_ROWS_KEPT = 100
# Ids per IN (...) lookup, well under every backend's parameter limit.
LOOKUP_CHUNK = 500


# --- imports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    tests_added: int
    arms_added: int
    already_imported: bool  # this file (same sha256) was imported before: nothing added
    tests_existing: int = 0  # tests in the file that were already in the database
    import_id: int | None = None  # the imports row of this file (new or earlier)


def find_import(session: Session, sha256: str) -> Import | None:
    return session.scalar(select(Import).where(Import.sha256 == sha256))


def import_arms(
    session: Session, arms: pd.DataFrame, source: str, filename: str, sha256: str, report: LoadReport
) -> ImportResult:
    """Add the tests of a tidy arms frame (``core.data.loaders.ARM_COLUMNS``) that are not stored yet.

    Idempotent twice over: a file whose sha256 was imported adds nothing, and a test whose
    external id exists is not added again, whichever file brings it. Arms keep the frame's
    order within their test (``position`` 0, 1, ...).
    """
    earlier = find_import(session, sha256)
    if earlier is not None:
        return ImportResult(0, 0, already_imported=True, import_id=earlier.id)
    file_tests = arms["test_id"].unique().tolist()
    existing = _existing_external_ids(session, file_tests)
    new_arms = arms[~arms["test_id"].isin(existing)]
    record = Import(
        source=source,
        filename=filename,
        sha256=sha256,
        rows_read=report.rows_read,
        tests_added=len(file_tests) - len(existing),
        arms_added=len(new_arms),
        rows_skipped=report.n_skipped,
        skipped={
            reason: {"count": len(rows), "rows": rows[:SKIPPED_ROWS_KEPT]}
            for reason, rows in report.skipped.items()
        },
    )
    session.add(record)
    session.flush()
    if len(new_arms):
        test_ids = _insert_tests(session, new_arms, record.id)
        # Bulk executemany: the 19,414-arm archive goes in well under a second.
        session.execute(insert(Arm), _arm_rows(new_arms, test_ids))
    return ImportResult(record.tests_added, record.arms_added, False, len(existing), record.id)


def _existing_external_ids(session: Session, external_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = external_ids[start : start + LOOKUP_CHUNK]
        found.update(session.scalars(select(Test.external_id).where(Test.external_id.in_(chunk))))
    return found


def _insert_tests(session: Session, arms: pd.DataFrame, import_id: int) -> dict[str, int]:
    """Insert one test per external id; returns external id -> database id."""
    now = utcnow()
    firsts = arms.drop_duplicates("test_id")
    rows = [
        {"external_id": external_id, "source": source, "import_id": import_id, "created_at": now}
        for external_id, source in zip(firsts["test_id"], firsts["source"])
    ]
    inserted = session.execute(insert(Test).returning(Test.external_id, Test.id), rows)
    return dict(inserted.all())


def _arm_rows(arms: pd.DataFrame, test_ids: dict[str, int]) -> list[dict[str, Any]]:
    frame = pd.DataFrame(
        {
            "test_id": arms["test_id"].map(test_ids),
            "position": arms.groupby("test_id", sort=False).cumcount(),
            "headline": arms["headline"],
            "excerpt": arms["excerpt"],
            "image_id": arms["image_id"],
            "lede_id": arms["lede_id"],
            "impressions": arms["impressions"],
            "clicks": arms["clicks"],
            "date": pd.to_datetime(arms["date"]).dt.date,
        }
    )
    # Plain Python values (int, str, date, None) for the driver: no numpy scalars, no NaN/NaT.
    plain = frame.astype(object)
    return plain.where(frame.notna(), None).to_dict("records")


def arms_frame(session: Session, sources: Iterable[str] | str | None = None) -> pd.DataFrame:
    """Every arm with a result, as the loaders' tidy table (exactly ``ARM_COLUMNS``).

    This is the training data from the database: imported archives plus editor tests whose
    outcome was recorded. ``sources`` keeps only those test sources (e.g. ["upworthy", "editor"]).
    """
    query = (
        select(
            Test.external_id,
            Arm.headline,
            # Editor tests keep the story excerpt on the test, archive arms on the arm.
            func.coalesce(Arm.excerpt, Test.excerpt),
            Arm.image_id,
            Arm.lede_id,
            Arm.impressions,
            Arm.clicks,
            Arm.date,
            Test.source,
        )
        .join(Arm.test)
        .where(Arm.impressions.is_not(None), Arm.clicks.is_not(None))
        .order_by(Test.id, Arm.position)
    )
    if sources is not None:
        query = query.where(Test.source.in_([sources] if isinstance(sources, str) else list(sources)))
    frame = pd.DataFrame(session.execute(query).all(), columns=ARM_COLUMNS)
    frame["impressions"] = frame["impressions"].astype("int64")
    frame["clicks"] = frame["clicks"].astype("int64")
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    return frame


# --- editor tests ----------------------------------------------------------------------


def create_test(
    session: Session,
    headlines: Sequence[str],
    excerpt: str | None = None,
    created_by: str | None = None,
    model_version: str | None = None,
    scores: Sequence[float] | None = None,
    win_probabilities: Sequence[float] | None = None,
    note: str | None = None,
    predicted_at_recording: bool = False,
    image_ids: Sequence[str | None] | None = None,
    dates: Sequence[date | None] | None = None,
) -> Test:
    """Save an editor's test: its arms (in the order given) and the model's predictions.

    Predictions are stored when ``model_version``, ``scores`` and ``win_probabilities`` are
    given (one score and one probability per headline); leave all three out to save none.
    ``predicted_at_recording``: the test is saved as its outcome is recorded, so the
    predictions were made after it ran (kept out of live accuracy by default).
    ``image_ids`` and ``dates``: per headline, when known (an uploaded outcomes CSV).
    """
    cleaned = [str(h).strip() for h in headlines]
    if len(cleaned) < 2:
        raise ValueError(f"a test needs at least two headlines, got {len(cleaned)}")
    empty = [i + 1 for i, h in enumerate(cleaned) if not h]
    if empty:
        raise ValueError(f"headline(s) {', '.join(map(str, empty))} are empty")
    predicted = _checked_predictions(len(cleaned), model_version, scores, win_probabilities)

    test = Test(
        external_id=f"editor:{uuid.uuid4()}",
        source="editor",
        excerpt=(excerpt or "").strip() or None,
        created_by=created_by,
        note=note,
        arms=[
            Arm(position=i, headline=h, image_id=image, date=day)
            for i, (h, image, day) in enumerate(
                zip(
                    cleaned,
                    _per_arm(image_ids, len(cleaned), "image ids"),
                    _per_arm(dates, len(cleaned), "dates"),
                )
            )
        ],
        outcomes=[],  # set, so the new test can be read after the session closes
    )
    test.predictions = [
        Prediction(
            arm=arm,
            model_version=model_version,
            score=score,
            win_probability=probability,
            at_recording=predicted_at_recording,
        )
        for arm, (score, probability) in zip(test.arms, predicted)
    ]
    session.add(test)
    session.flush()
    return test


def _per_arm(values: Sequence | None, n_arms: int, name: str) -> list:
    if values is None:
        return [None] * n_arms
    if len(values) != n_arms:
        raise ValueError(f"{n_arms} headlines but {len(values)} {name}")
    return [None if v is None or v == "" else v for v in values]


def _checked_predictions(
    n_arms: int,
    model_version: str | None,
    scores: Sequence[float] | None,
    win_probabilities: Sequence[float] | None,
) -> list[tuple[float, float]]:
    given = [model_version is not None, scores is not None, win_probabilities is not None]
    if not any(given):
        return []
    if not all(given):
        raise ValueError("give model_version, scores and win_probabilities together, or none of them")
    if len(scores) != n_arms or len(win_probabilities) != n_arms:
        raise ValueError(
            f"{n_arms} headlines but {len(scores)} scores and {len(win_probabilities)} win probabilities"
        )
    pairs = [(float(s), float(p)) for s, p in zip(scores, win_probabilities)]
    for score, probability in pairs:
        if not math.isfinite(score):
            raise ValueError(f"score {score} is not a finite number")
        _check_probability("win probability", probability)
    return pairs


def get_test(session: Session, test_id: int | str) -> Test | None:
    """A test by database id (int) or external id (str, e.g. "editor:...")."""
    if isinstance(test_id, str):
        return session.scalar(select(Test).where(Test.external_id == test_id))
    return session.get(Test, test_id)


def list_tests(
    session: Session,
    sources: Iterable[str] | None = ("editor",),
    has_outcome: bool | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> list[Test]:
    """Tests, newest first, with arms, predictions and outcomes loaded.

    ``sources=None`` lists every source (the archives hold thousands of tests); ``has_outcome``
    True/False keeps only tests with/without a recorded outcome.
    """
    query = select(Test).order_by(Test.created_at.desc(), Test.id.desc()).offset(offset).limit(limit)
    if sources is not None:
        query = query.where(Test.source.in_(list(sources)))
    if has_outcome is not None:
        recorded = exists().where(Outcome.test_id == Test.id)
        query = query.where(recorded if has_outcome else ~recorded)
    return list(session.scalars(query))


# --- outcomes --------------------------------------------------------------------------


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

    Sets the arms' impressions and clicks and adds an outcome row; recording again adds
    another row (the latest counts) and overwrites the arms' numbers.
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
        _check_probability("p-value", p_value)
    if predicted_win_probability is not None:
        _check_probability("predicted win probability", predicted_win_probability)

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
    )
    test.outcomes.append(outcome)
    session.flush()
    return outcome


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


def _check_probability(name: str, value: float) -> None:
    if not 0.0 <= float(value) <= 1.0:  # NaN fails too
        raise ValueError(f"{name} must be between 0 and 1, got {value}")


OUTCOME_COLUMNS = [
    "test_id",
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


def _outcomes_query(model_version: str | None) -> Select:
    latest = select(func.max(Outcome.id)).group_by(Outcome.test_id)
    winner, predicted = aliased(Arm), aliased(Arm)
    n_arms = select(func.count(Arm.id)).where(Arm.test_id == Test.id).scalar_subquery()
    query = (
        select(
            Test.id,
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
        .join(Outcome.test)
        .outerjoin(winner, winner.id == Outcome.winner_arm_id)
        .outerjoin(predicted, predicted.id == Outcome.predicted_arm_id)
        .where(Test.source == "editor", Outcome.id.in_(latest))
        .order_by(Outcome.recorded_at, Outcome.id)
    )
    if model_version is not None:
        query = query.where(Outcome.model_version == model_version)
    return query


# --- model registry --------------------------------------------------------------------


def add_model_version(
    session: Session,
    version: str,
    path: str | Path,
    base_model: str,
    data_fingerprint: dict[str, Any],
    git_commit: str | None,
    settings: dict[str, Any],
    metrics: dict[str, Any],
    by: str | None = None,
    note: str | None = None,
) -> ModelVersion:
    """Register a trained model as a candidate (and log a "register" event)."""
    if not version.strip():
        raise ValueError("model version must not be empty")
    if get_model_version(session, version) is not None:
        raise ValueError(f"model version {version!r} is already registered")
    model = ModelVersion(
        version=version,
        path=str(path),
        base_model=base_model,
        data_fingerprint=data_fingerprint,
        git_commit=git_commit,
        settings=settings,
        metrics=metrics,
        status="candidate",
    )
    session.add(model)
    add_model_event(session, version, "register", by, note)
    session.flush()
    return model


def get_model_version(session: Session, version: str) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.version == version))


def list_model_versions(session: Session, status: str | None = None) -> list[ModelVersion]:
    """Registered models, newest first; ``status`` keeps one of candidate/active/retired."""
    query = select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
    if status is not None:
        query = query.where(ModelVersion.status == status)
    return list(session.scalars(query))


def active_model_version(session: Session) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.status == "active"))


def activate_model_version(
    session: Session, version: str, by: str | None = None, action: str = "promote", note: str | None = None
) -> ModelVersion:
    """Make ``version`` the one active model: the active one is retired in the same
    transaction, and the change is logged as ``action`` (promote, rollback or override)."""
    if action not in ACTIVATE_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIVATE_ACTIONS)}, got {action!r}")
    model = get_model_version(session, version)
    if model is None:
        raise ValueError(f"no model version {version!r}")
    # Retire with one UPDATE before anything else is written: it takes the write lock, so of
    # two promotions at once the second waits and then retires the first's model.
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.status == "active", ModelVersion.version != version)
        .values(status="retired")
    )
    model.status = "active"
    model.promoted_at = utcnow()
    add_model_event(session, version, action, by, note)
    session.flush()
    return model


def add_model_event(
    session: Session, version: str, action: str, by: str | None = None, note: str | None = None
) -> ModelEvent:
    if action not in MODEL_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(MODEL_ACTIONS)}, got {action!r}")
    event = ModelEvent(version=version, action=action, by=by, note=note, at=utcnow())
    session.add(event)
    return event


def model_events(session: Session, version: str | None = None, limit: int | None = None) -> list[ModelEvent]:
    """The registry's audit log, newest first; ``version`` keeps that model's events."""
    query = select(ModelEvent).order_by(ModelEvent.at.desc(), ModelEvent.id.desc()).limit(limit)
    if version is not None:
        query = query.where(ModelEvent.version == version)
    return list(session.scalars(query))
