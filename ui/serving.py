"""The model the app serves, loaded once per folder and manifest (st.cache_resource), and what
the sidebar says of it. Kept apart from ui.resources: importing it imports torch (seconds on a
first visit), so the Compare page imports it only after drawing the draft boxes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.lifecycle.registry import active_model_dir, serving_model
from core.model.manifest import MANIFEST, ModelLoadError
from core.model.scorer import HeadlineScorer
from core.newsroom.remembered import Remembered
from ui.resources import DATABASE_ERRORS, database_message, settings


@dataclass(frozen=True)
class Model:
    directory: Path
    scorer: HeadlineScorer | None
    error: str | None  # why the model could not be loaded
    note: str | None = None  # e.g. which model is served while the database is unavailable

    @property
    def version(self) -> str:
        return self.scorer.version if self.scorer else "none"


@st.cache_resource(show_spinner="Loading the model…", max_entries=2)
def _served(url: str, directory: str, manifest_key: str, registry: bool) -> HeadlineScorer:
    # Keyed by the manifest's own sha256 too: an edited manifest is a new key, so it is loaded
    # (and refused) again instead of served from memory. Errors are not cached.
    if registry:
        _, scorer = serving_model(settings())  # the registered manifest and every checksum
        return scorer
    return HeadlineScorer.from_pretrained(directory)  # the manifest's seal and every checksum


def _manifest_key(directory: Path) -> str:
    try:
        return hashlib.sha256((directory / MANIFEST).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def model() -> Model:
    """The model to serve, loaded once per folder and manifest; one that cannot load carries its
    error (never replaced by another model). With the database unreadable the explicit model
    folder or the bundled default is served, and the note says so."""
    config = settings()
    note = None
    try:
        directory, registry = active_model_dir(config), not config.model_dir
    except DATABASE_ERRORS:
        directory, registry = Path(config.model_dir) if config.model_dir else config.default_model_dir, False
        if not config.model_dir:
            note = "the database cannot be read, so the bundled default model is served"
    try:
        scorer = _served(config.sqlalchemy_url, str(directory), _manifest_key(directory), registry)
        return Model(directory, scorer, None, note)
    except ModelLoadError as exc:
        return Model(directory, None, str(exc), note)
    except SQLAlchemyError as exc:
        return Model(directory, None, database_message(exc), note)


@st.cache_resource(show_spinner=False, max_entries=2)
def _remembered_scores(key: str, _scorer: HeadlineScorer) -> Remembered:
    return Remembered(_scorer.score)


def remembered_scores(current: Model) -> Remembered:
    """The served model's ``score`` with a memory shared by every session: on each keystroke
    Compare ranks all the drafts, and only the draft being typed is encoded again (one draft's
    cost, not ten). Keyed by the scorer object too: an edited manifest loads a new one."""
    key = f"{current.directory}@{current.version}@{id(current.scorer)}"
    return _remembered_scores(key, current.scorer)


def show_model_error(current: Model) -> None:
    st.error(
        f"The model could not be loaded, so drafts cannot be scored: {current.error}. "
        "Recording outcomes and the history still work."
    )


def sidebar(current: Model) -> None:
    """Only what an editor needs; the model's folder, version id and the database are on Models."""
    with st.sidebar:
        if current.error:
            st.caption(":red[model not loaded]: drafts cannot be scored (see Models)")
        else:
            st.caption("Model: ready", help="Which version serves, and its record, are on the Models page.")
        if current.note:
            st.caption(f":orange[{current.note}]")
