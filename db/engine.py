"""The engine and the one sessionmaker, cached per database URL.

Callers open a transaction at the edge and pass the session down::

    Session = get_sessionmaker(settings)
    with Session.begin() as session:  # commits, or rolls back on an exception
        test = experiments.create_test(session, ...)
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.basics.settings import Settings

# A second writer waits this long for the first instead of failing with "database is locked";
# importing a large file holds the write lock for a few seconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000


class DriverMissing(SQLAlchemyError):
    """The URL names a database whose Python driver is not installed (e.g. psycopg for
    PostgreSQL): a database error like any other, so every page and command says so plainly."""


def get_engine(settings: Settings) -> Engine:
    return _engine(settings.sqlalchemy_url)


def get_sessionmaker(settings: Settings) -> sessionmaker[Session]:
    return _sessionmaker(settings.sqlalchemy_url)


def transaction(settings: Settings) -> AbstractContextManager[Session]:
    """A session in a transaction: commits at the end of the ``with`` block, rolls back on an exception."""
    return get_sessionmaker(settings).begin()


def masked_url(settings: Settings) -> str:
    """The database URL with any password replaced by ``***``: safe to show on a page."""
    return make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)


def database_reason(exc: Exception) -> str:
    """Why the database cannot be used, in the driver's own words (e.g. 'attempt to write a
    readonly database') and without the SQL: one line for a page or a command."""
    original = getattr(exc, "orig", None)
    if original is not None:
        reason = str(original)
    elif isinstance(exc, DriverMissing):
        reason = str(exc)
    elif isinstance(exc, OSError) and exc.strerror:  # e.g. the SQLite file's folder cannot be made
        reason = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        reason = type(exc).__name__
    return " ".join(reason.split())


@cache
def _sessionmaker(url: str) -> sessionmaker[Session]:
    # Objects stay readable after commit: pages render what a query returned once the
    # transaction has ended.
    return sessionmaker(_engine(url), expire_on_commit=False)


@cache
def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(url, pool_pre_ping=True)
        except ImportError as exc:  # SQLAlchemy imports the driver here
            driver = exc.name or parsed.get_driver_name()
            # The project pins PostgreSQL's driver; any other database's is the site's choice.
            postgres = parsed.get_backend_name() == "postgresql"
            install = "pip install -r requirements-postgres.txt" if postgres else f"pip install {driver}"
            raise DriverMissing(f"its driver {driver} is not installed ({install})") from exc
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    # WAL: readers never block the writer, and the writer never blocks readers.
    cursor.execute("PRAGMA journal_mode = WAL")
    # Safe with WAL (only a power cut can lose the last commits) and much faster.
    cursor.execute("PRAGMA synchronous = NORMAL")
    # SQLite ignores foreign keys unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
