"""Streamlit resources shared by app.py and the pages: settings, database transactions, the model
and LIME explanations, each prepared once per process (or cached per input), and the sidebar."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import streamlit as st

from core.basics.settings import Settings, load_settings
from core.data.importer import ensure_base_corpus
from core.lifecycle.registry import active_model_dir
from core.model.manifest import ModelLoadError
from core.model.scorer import HeadlineScorer
from core.newsroom.explain import word_weights
from db.engine import masked_url, transaction
from db.migrate import upgrade

LAST_SAVED_TEST = "last_saved_test"  # session key: the test the Compare page saved last


def settings() -> Settings:
    return load_settings()


def session():
    """A transaction: commits at the end of the ``with`` block, rolls back on an exception."""
    return transaction(settings())


@st.cache_resource(show_spinner="Preparing the database…")
def _prepared_database(url: str) -> str:
    # Keyed by URL: one migration and one archive import per database per process.
    current = settings()
    upgrade(current)
    result = ensure_base_corpus(current)
    return (
        f"{result.tests_added} archive tests imported" if result.tests_added else "archive already imported"
    )


def prepare_database() -> str:
    """Migrate the database and import the bundled archive (once per process)."""
    return _prepared_database(settings().sqlalchemy_url)


def masked_database_url() -> str:
    return masked_url(settings())


@dataclass(frozen=True)
class Model:
    directory: Path
    scorer: HeadlineScorer | None
    error: str | None  # why the model could not be loaded

    @property
    def version(self) -> str:
        return self.scorer.version if self.scorer else "none"


@st.cache_resource(show_spinner="Loading the model…", max_entries=2)
def _scorer(directory: str) -> HeadlineScorer:
    return HeadlineScorer.from_pretrained(directory)


def model() -> Model:
    """The model to serve, loaded once per folder; a model that cannot load carries its error."""
    directory = active_model_dir(settings())
    try:
        return Model(directory, _scorer(str(directory)), None)
    except ModelLoadError as exc:
        return Model(directory, None, str(exc))


@st.cache_data(show_spinner=False, max_entries=5000)
def _cached_weights(
    headline: str, context: str | None, model_key: str, samples: int, seed: int, _scorer: HeadlineScorer
) -> dict:
    return word_weights(headline, partial(_scorer.predict_proba, context=context), samples, seed)


def explanation(headline: str, current: Model, excerpt: str | None = None) -> dict[str, float]:
    """LIME word weights of a headline, cached per (headline, excerpt if the model reads it,
    model folder and version)."""
    config = settings()
    key = f"{current.directory}@{current.version}"
    reads_excerpt = current.scorer.context == "excerpt"
    context = (excerpt or "").strip() or None if reads_excerpt else None
    return _cached_weights(headline, context, key, config.lime_samples, config.lime_seed, current.scorer)


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
