"""The newsroom's tests as pages use them: save drafts with the model's predictions, find tests,
read outcomes. Every page reaches the database through these (db.queries below them)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy.orm import Session

from core.newsroom.compare import Scorer, checked_drafts, ranking
from db import experiments, outcomes
from db.schema import Test


def save_ranked_drafts(
    session: Session,
    ranked: pd.DataFrame,
    model_version: str,
    excerpt: str | None = None,
    created_by: str | None = None,
) -> Test:
    """A test of the drafts as ranked on Compare, with the scores and win probabilities shown."""
    return experiments.create_test(
        session,
        ranked["headline"].tolist(),
        excerpt=excerpt,
        created_by=created_by,
        model_version=model_version,
        scores=ranked["score"].tolist(),
        win_probabilities=ranked["win_probability"].tolist(),
    )


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
    ranked = ranking(scorer, checked_drafts(list(headlines)), excerpt)
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


def editor_tests(session: Session, with_outcome: bool | None = None) -> list[Test]:
    """Every editor test (saved on Compare or recorded), newest first."""
    return experiments.list_tests(session, has_outcome=with_outcome, limit=None)


def recorded_outcomes(session: Session, model_version: str | None = None) -> pd.DataFrame:
    """One row per recorded outcome with the prediction it is judged against."""
    return outcomes.outcomes_frame(session, model_version=model_version)


def predicting_versions(session: Session) -> list[str]:
    """Model versions that made a prediction for some recorded outcome, sorted."""
    return sorted(recorded_outcomes(session)["model_version"].dropna().unique())
