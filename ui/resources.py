"""Streamlit resources shared by app.py and the pages: settings, database transactions, the model
and LIME explanations, each prepared once per process (or cached per input), and the sidebar."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.basics.settings import Settings, load_settings
from core.basics.text import MAX_NAME_CHARS
from core.data.importer import base_corpus_imported
from core.lifecycle.leftovers import remove_stale_tmp_folders
from db.engine import database_reason, masked_url, transaction
from db.migrate import upgrade

# What a database that cannot be opened or written raises (an SQLite folder that cannot be made: OSError).
DATABASE_ERRORS = (SQLAlchemyError, OSError)
LAST_SAVED_TEST = "last_saved_test"  # session key: the test the Compare page saved last
# Session key of Compare's "Your name": Record outcome starts its "Recorded by" from it and
# updates it, so an editor gives their name once per visit, not on every form.
EDITOR_NAME = "editor"


def name_box(label: str, **kwargs) -> str:
    """A box for a person's name (who saves, records, deletes, promotes): the browser stops at the
    length the database keeps (core.basics.text.MAX_NAME_CHARS, the one rule for names)."""
    return st.text_input(label, max_chars=MAX_NAME_CHARS, **kwargs)


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
    reason = database_reason(exc)
    return f"The database at {masked_database_url()} cannot be used: {reason}{'' if reason.endswith(('.', '?', '!')) else '.'}"


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
