"""Learning from each recorded outcome, as the Record outcome page shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from core.lifecycle import jobs, learning
from ui import resources

RECENT = timedelta(minutes=15)  # a finished update is mentioned for this long


def learn_from_outcomes(by: str | None) -> None:
    """Start a fast update of the model from the outcomes recorded so far (in the background)."""
    settings = resources.settings()
    if not settings.learn_after_recording:
        return
    try:
        learning.start_update(settings, by)
    except OSError as exc:  # no process could be started: the outcome itself is stored
        st.warning(
            f"The model could not start learning from this outcome ({exc}). Retrain it on the Models page."
        )


def learning_note() -> None:
    """One line on the newest update: running, or what it did."""
    settings = resources.settings()
    status = learning.latest_update(settings)
    if status is None:
        return
    if status["state"] in jobs.RUNNING and status.get("alive", True):
        st.info(
            "The model is learning from the outcomes recorded so far (about a minute). The updated model "
            "appears on the Models page"
            + (
                ", and serves by itself if it predicts at least as well."
                if settings.auto_promote_updates
                else "."
            )
        )
        return
    finished = datetime.fromisoformat(status.get("updated_at") or status["started_at"])
    if datetime.now(UTC) - finished > RECENT:
        return
    if status["state"] == "done":
        st.caption(f"Learning from outcomes: {status.get('message', '')}.")
    else:
        st.caption(
            "The model could not learn from the latest outcomes; retraining on the Models page still works."
        )
