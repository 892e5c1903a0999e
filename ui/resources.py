"""Streamlit resources shared by app.py and the pages: settings, database transactions, the model
and LIME explanations, each prepared once per process (or cached per input), and the sidebar."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import streamlit as st
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.basics.settings import Settings, load_settings
from core.data.importer import base_corpus_imported
from core.lifecycle.leftovers import remove_stale_tmp_folders
from core.lifecycle.registry import active_model_dir, serving_model
from core.model.manifest import MANIFEST, ModelLoadError
from core.model.scorer import HeadlineScorer
from core.newsroom.explain import word_weights
from db.engine import masked_url, transaction
from db.migrate import upgrade

# What a database that cannot be opened or written raises (an SQLite folder that cannot be made: OSError).
DATABASE_ERRORS = (SQLAlchemyError, OSError)
LAST_SAVED_TEST = "last_saved_test"  # session key: the test the Compare page saved last


def settings() -> Settings:
    return load_settings()


@contextmanager
def session():
    """A transaction: commits at the end of the ``with`` block, rolls back on an exception.

    A database error (read-only, unreachable) ends the page's run with a plain message.
    """
    try:
        with transaction(settings()) as current:
            yield current
    except DATABASE_ERRORS as exc:
        show_database_error(exc)
        st.stop()


@st.cache_resource(show_spinner="Preparing the database…")
def _prepared_database(url: str) -> subprocess.Popen | None:
    # Keyed by URL: one migration and one archive import per database per process. The
    # migration is quick and every page needs it. The archive import (seconds of Python on a
    # fresh install) runs beside the first page, which needs none of it, in a process of its
    # own at low priority: in a thread it would hold the GIL and stall the page's explanations.
    current = settings()
    upgrade(current)
    if base_corpus_imported(current):
        return None
    archive = subprocess.Popen(
        [sys.executable, "-m", "core", "import", "--base"],
        cwd=current.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.nice(10),
    )
    threading.Thread(target=archive.wait, name="archive-import-reaper", daemon=True).start()
    return archive


def prepare_database() -> subprocess.Popen | None:
    """Migrate the database (once per process) and start importing the bundled archive."""
    return _prepared_database(settings().sqlalchemy_url)


class _ProbeRollback(Exception):
    """Raised inside the probe's transaction so that it is rolled back."""


@st.cache_resource(show_spinner=False, ttl=60)
def _database_problem(url: str) -> str | None:
    current = settings()
    try:
        prepare_database()
        # A write that changes nothing, in a transaction that is rolled back: a read-only file
        # (or a read-only server) fails here rather than in the middle of an editor's save.
        with transaction(current) as probe:
            probe.execute(text("UPDATE alembic_version SET version_num = version_num"))
            raise _ProbeRollback
    except _ProbeRollback:
        return None
    except SQLAlchemyError as exc:
        return database_message(exc)
    except OSError as exc:  # e.g. the SQLite file's folder cannot be created
        return database_message(exc)


def database_problem() -> str | None:
    """Why the database cannot be written (or read) now, or None when it can; checked at most
    once a minute per process."""
    return _database_problem(settings().sqlalchemy_url)


def database_message(exc: Exception) -> str:
    """A plain sentence for a database error: the driver's reason, no SQL, no traceback."""
    original = getattr(exc, "orig", None)
    reason = str(original) if original is not None else type(exc).__name__
    return f"The database at {masked_database_url()} cannot be used: {' '.join(reason.split())}."


def show_database_error(exc: Exception) -> None:
    st.error(
        f"{database_message(exc)} Nothing was saved. Drafts can still be compared on the Compare page; "
        "ask whoever runs Headline Lab to check the database."
    )


def run_page(page) -> None:
    """Run the navigation's page; a database error anywhere in it becomes a plain message."""
    try:
        page.run()
    except DATABASE_ERRORS as exc:
        show_database_error(exc)


@st.cache_resource(show_spinner=False)
def _leftovers_removed(models_dir: str) -> int:
    return len(remove_stale_tmp_folders(settings()))


def remove_leftovers() -> None:
    """Stale models/.tmp-* folders of killed training runs, removed once per process."""
    _leftovers_removed(str(settings().models_dir))


def masked_database_url() -> str:
    return masked_url(settings())


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
        if current.note:
            st.caption(f":orange[{current.note}]")
