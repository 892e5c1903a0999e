"""Alembic migrations, applied from code: the app and ``python -m core import`` call
:func:`upgrade` at start, so a fresh database (or an old one) is brought to head.

New migrations: ``alembic -c db/alembic.ini revision --autogenerate -m "what changed"``
(it compares db.schema with the database that the settings point at).
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.basics.settings import Settings
from db.engine import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Alembic keeps the running migration context in module globals, so one upgrade at a time
# per process; across processes the database lock below does it.
_upgrade_lock = threading.Lock()


# Any fixed 64-bit number: PostgreSQL advisory-lock key for "Headline Lab schema upgrade".
MIGRATION_LOCK_KEY = 0x4845_4144_4C41_42  # "HEADLAB"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(settings: Settings) -> str | None:
    with get_engine(settings).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; a no-op when the database is already there."""
    config = alembic_config()
    with _upgrade_lock, get_engine(settings).connect() as connection:
        if connection.dialect.name == "sqlite":
            # Take the write lock before reading the version, so two processes starting on a
            # fresh file queue up instead of both trying to create the tables. SQLite DDL is
            # transactional, so a failed migration leaves nothing behind.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.begin()
            if connection.dialect.name == "postgresql":
                # The same queueing on PostgreSQL: a transaction-scoped advisory lock (released
                # at commit or rollback) taken by every process that upgrades.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection  # env.py runs on this connection
        command.upgrade(config, revision)
        connection.commit()
