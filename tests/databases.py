"""Where tests keep their database: a SQLite file by default.

With HEADLINE_LAB_TEST_POSTGRES set to a server URL (e.g.
``postgresql+psycopg://postgres@localhost:5433``), every call makes a fresh, empty
PostgreSQL database instead: ``scripts/check_postgres.sh`` starts a throwaway server and
runs the database tests on it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

POSTGRES_ENV = "HEADLINE_LAB_TEST_POSTGRES"


def fresh_database_url(folder: Path, name: str = "lab.db") -> str:
    """A URL of a new empty database: folder/name on SQLite, or a new PostgreSQL database."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        return f"sqlite:///{folder / name}"
    database = f"lab_{uuid.uuid4().hex[:16]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    return make_url(server).set(database=database).render_as_string(hide_password=False)
