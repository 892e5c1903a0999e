"""Editor tests: drafts saved with the model's predictions, looked up and listed."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from db.schema import (
    Arm,
    Outcome,
    Prediction,
    Test,
    utcnow,
)

# Any fixed 64-bit number: PostgreSQL advisory-lock key for "numbering a new editor test".
TEST_NUMBER_LOCK_KEY = 0x4845_4144_4E55_4D42
# Ids bound in one "IN (...)": within any SQLite build's limit on bound parameters (999 before 3.32).
IDS_PER_QUERY = 900


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
    _lock_numbering(session)
    # The next number, read in the INSERT itself: SQLite has one writer at a time, so two saves
    # at once cannot both read the same maximum (PostgreSQL queues on the lock above).
    test.number = select(func.coalesce(func.max(Test.number), 0) + 1).scalar_subquery()
    session.add(test)
    session.flush()
    session.refresh(test, ["number"])  # pages use the test after the session has closed
    return test


def _lock_numbering(session: Session) -> None:
    """On PostgreSQL, a transaction-scoped advisory lock: concurrent saves number one by one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(TEST_NUMBER_LOCK_KEY)))


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
        check_probability("win probability", probability)
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

    Deleted tests are left out. ``sources=None`` lists every source (the archives hold thousands of tests); ``has_outcome``
    True/False keeps only tests with/without a recorded outcome.
    """
    query = (
        select(Test)
        .where(Test.deleted_at.is_(None))
        .order_by(Test.created_at.desc(), Test.id.desc())
        .offset(offset)
        .limit(limit)
    )
    if sources is not None:
        query = query.where(Test.source.in_(list(sources)))
    if has_outcome is not None:
        recorded = _has_outcome()
        query = query.where(recorded if has_outcome else ~recorded)
    return list(session.scalars(query))


def _has_outcome():
    """The test has a recording that counts (one not undone)."""
    return exists().where(Outcome.test_id == Test.id, Outcome.undone_at.is_(None))


def editor_test_headlines(session: Session) -> list[tuple]:
    """(test id, number, created_at, created_by, has an outcome, headline) for every headline of
    every editor test that is not deleted: tests newest first, as list_tests, headlines in order.

    One query for a list of tests: loading thousands of tests as objects, with their
    predictions and outcomes, took 1.1-1.7 s a page run."""
    query = (
        select(Test.id, Test.number, Test.created_at, Test.created_by, _has_outcome(), Arm.headline)
        .join(Arm, Arm.test_id == Test.id)
        .where(Test.source == "editor", Test.deleted_at.is_(None))
        .order_by(Test.created_at.desc(), Test.id.desc(), Arm.position)
    )
    return [tuple(row) for row in session.execute(query)]


def tests_by_id(session: Session, test_ids: Iterable[int]) -> dict[int, Test]:
    """The tests with these ids (arms, predictions and outcomes loaded), by id."""
    ids, found = sorted(set(test_ids)), {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[start : start + IDS_PER_QUERY]
        found.update((test.id, test) for test in session.scalars(select(Test).where(Test.id.in_(chunk))))
    return found


def recent_duplicate(
    session: Session,
    headlines: Sequence[str],
    excerpt: str | None,
    model_version: str | None,
    within: timedelta,
) -> Test | None:
    """The newest editor test saved in the last ``within`` with exactly these headlines (in this
    order), this excerpt and predictions by this model version; None when there is none."""
    cleaned = [str(h).strip() for h in headlines]
    excerpt = (excerpt or "").strip() or None
    query = (
        select(Test)
        .where(Test.source == "editor", Test.deleted_at.is_(None), Test.created_at >= utcnow() - within)
        .order_by(Test.id.desc())
    )
    for test in session.scalars(query):
        versions = {p.model_version for p in test.predictions}
        if (
            [a.headline for a in test.arms] == cleaned
            and test.excerpt == excerpt
            and versions == ({model_version} if model_version else set())
        ):
            return test
    return None


def delete_test(session: Session, test_id: int, deleted_by: str | None) -> Test:
    """Mark a test deleted (who, when): it stays in the database for the record but is no longer
    listed, judged in History or trained on."""
    test = session.get(Test, test_id)
    if test is None or test.deleted_at is not None:
        raise ValueError(f"no test with id {test_id} to delete")
    test.deleted_at, test.deleted_by = utcnow(), deleted_by
    session.flush()
    return test


def check_probability(name: str, value: float) -> None:
    if not 0.0 <= float(value) <= 1.0:  # NaN fails too
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
