"""Imported files and the archive arms they brought: one row per file (by content hash), tests and
arms inserted in bulk, and the arms read back as one tidy frame."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from core.basics.arms import ARM_COLUMNS, LoadReport
from db.schema import (
    Arm,
    Import,
    Test,
    utcnow,
)

# Row numbers kept per skip reason in imports.skipped (the count is always complete).
SKIPPED_ROWS_KEPT = 100
# Ids per IN (...) lookup, well under every backend's parameter limit.
LOOKUP_CHUNK = 500
# Arms per executemany: a big file's arms are never all Python values at once.
INSERT_CHUNK = 20_000


@dataclass(frozen=True)
class ImportResult:
    tests_added: int
    arms_added: int
    already_imported: bool  # this file (same sha256) was imported before: nothing added
    tests_existing: int = 0  # tests in the file that were already in the database
    import_id: int | None = None  # the imports row of this file (new or earlier)


def find_import(session: Session, sha256: str) -> Import | None:
    return session.scalar(select(Import).where(Import.sha256 == sha256))


def claim_import(
    session: Session,
    source: str,
    filename: str,
    sha256: str,
    rows_read: int,
    tests_added: int,
    arms_added: int,
) -> bool:
    """Record a file whose tests the caller stores in this same transaction; False (nothing
    written) when a file with this sha256 was recorded before. Two sessions racing both pass the
    check: the second one's flush or commit raises IntegrityError (imports.sha256 is unique), and
    its transaction, this claim included, rolls back whole."""
    if find_import(session, sha256) is not None:
        return False
    session.add(
        Import(
            source=source,
            filename=filename,
            sha256=sha256,
            rows_read=rows_read,
            tests_added=tests_added,
            arms_added=arms_added,
            rows_skipped=0,
            skipped={},
        )
    )
    session.flush()
    return True


def import_arms(
    session: Session, arms: pd.DataFrame, source: str, filename: str, sha256: str, report: LoadReport
) -> ImportResult:
    """Add the tests of a tidy arms frame (``core.data.loaders.ARM_COLUMNS``) that are not stored yet.

    Idempotent twice over: a file whose sha256 was imported adds nothing, and a test whose
    external id exists is not added again, whichever file brings it. Arms keep the frame's
    order within their test (``position`` 0, 1, ...).
    """
    earlier = find_import(session, sha256)
    if earlier is not None:
        return ImportResult(0, 0, already_imported=True, import_id=earlier.id)
    file_tests = arms["test_id"].unique().tolist()
    existing = _existing_external_ids(session, file_tests)
    new_arms = arms[~arms["test_id"].isin(existing)] if existing else arms  # no copy of a big file
    new_arms = new_arms.assign(position=new_arms.groupby("test_id", sort=False).cumcount())
    record = Import(
        source=source,
        filename=filename,
        sha256=sha256,
        rows_read=report.rows_read,
        tests_added=len(file_tests) - len(existing),
        arms_added=len(new_arms),
        rows_skipped=report.n_skipped,
        skipped={
            reason: {"count": len(rows), "rows": rows[:SKIPPED_ROWS_KEPT]}
            for reason, rows in report.skipped.items()
        },
    )
    session.add(record)
    session.flush()
    if len(new_arms):
        test_ids = _insert_tests(session, new_arms, record.id)
        new_arms = new_arms.assign(test_id=new_arms["test_id"].map(test_ids))
        for start in range(0, len(new_arms), INSERT_CHUNK):  # bounded memory for a big file
            _insert_arms(session, new_arms.iloc[start : start + INSERT_CHUNK])
    return ImportResult(record.tests_added, record.arms_added, False, len(existing), record.id)


def _existing_external_ids(session: Session, external_ids: list[str]) -> set[str]:
    found: set[str] = set()
    connection = session.connection()  # Core: a 50 MB file asks a few hundred times
    external_id = Test.__table__.c.external_id
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = external_ids[start : start + LOOKUP_CHUNK]
        found.update(connection.execute(select(external_id).where(external_id.in_(chunk))).scalars())
    return found


def _insert_tests(session: Session, arms: pd.DataFrame, import_id: int) -> dict[str, int]:
    """Insert one test per external id; returns external id -> database id."""
    firsts = arms.drop_duplicates("test_id")
    columns = {
        "external_id": firsts["test_id"].tolist(),
        "source": firsts["source"].tolist(),
        "import_id": import_id,
        "created_at": utcnow(),
    }
    _executemany(session, Test.__table__, columns, len(firsts))
    # The ids read back by import: every test of this import is one of these.
    table = Test.__table__
    query = select(table.c.external_id, table.c.id).where(table.c.import_id == import_id)
    return dict(session.connection().execute(query).all())


def _insert_arms(session: Session, arms: pd.DataFrame) -> None:
    """Insert arms whose ``test_id`` is the database id of their test."""
    columns = {
        "test_id": arms["test_id"],
        "position": arms["position"],
        "headline": arms["headline"],
        "excerpt": arms["excerpt"],
        "image_id": arms["image_id"],
        "lede_id": arms["lede_id"],
        "impressions": arms["impressions"],
        "clicks": arms["clicks"],
        "date": pd.to_datetime(arms["date"]).dt.date,
    }
    # Plain Python values (int, str, date, None) for the driver: no numpy scalars, no NaN/NaT.
    plain = {
        name: column.astype(object).where(column.notna(), None).tolist() for name, column in columns.items()
    }
    _executemany(session, Arm.__table__, plain, len(arms))


def _executemany(session: Session, table: Table, columns: dict[str, Any], n_rows: int) -> None:
    """INSERT ``n_rows`` rows into ``table``, given as columns: a list of plain, hashable values
    each (None for NULL), or one value for every row.

    What ``session.execute(insert(table), list_of_dicts)`` does, without its work per row (a
    dict built and every parameter looked up and converted one at a time: most of the time of a
    50 MB import): each column goes through its type's bind processor as a whole (a repeated
    value once), and the driver gets one executemany of tuples (dicts for named parameters).
    """
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if set(compiled.binds) != set(columns):  # e.g. a column default the statement would fill in
        raise ValueError(f"insert into {table.name} needs {sorted(compiled.binds)}, given {sorted(columns)}")
    values: dict[str, list[Any]] = {}
    for name, column in columns.items():
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if not isinstance(column, list):
            values[name] = [process(column) if process else column] * n_rows
        elif process:  # each distinct value once (a big file has a few hundred dates)
            seen: dict[Any, Any] = {}
            values[name] = [seen[v] if v in seen else seen.setdefault(v, process(v)) for v in column]
        else:
            values[name] = column
    if compiled.positional:
        parameters: list[Any] = list(zip(*(values[name] for name in compiled.positiontup)))
    else:
        parameters = [dict(zip(values, row)) for row in zip(*values.values())]
    connection.exec_driver_sql(compiled.string, parameters)


def arms_frame(session: Session, sources: Iterable[str] | str | None = None) -> pd.DataFrame:
    """Every arm with a result, as the loaders' tidy table (exactly ``ARM_COLUMNS``).

    This is the training data from the database: imported archives plus editor tests whose
    outcome was recorded. ``sources`` keeps only those test sources (e.g. ["upworthy", "editor"]).
    """
    query = (
        select(
            Test.external_id,
            Arm.headline,
            # Editor tests keep the story excerpt on the test, archive arms on the arm.
            func.coalesce(Arm.excerpt, Test.excerpt),
            Arm.image_id,
            Arm.lede_id,
            Arm.impressions,
            Arm.clicks,
            Arm.date,
            Test.source,
            Test.created_at,
        )
        .join(Arm.test)
        .where(Arm.impressions.is_not(None), Arm.clicks.is_not(None), Test.deleted_at.is_(None))
        .order_by(Test.id, Arm.position)
    )
    if sources is not None:
        query = query.where(Test.source.in_([sources] if isinstance(sources, str) else list(sources)))
    frame = pd.DataFrame(session.execute(query).all(), columns=[*ARM_COLUMNS, "created_at"])
    # A test saved on the Compare page (source "editor") has no date per arm: it ran about
    # when it was saved.
    # (Dated in pandas: SQLite cannot cast a timestamp to a date in SQL.)
    created = pd.to_datetime(frame.pop("created_at"), errors="coerce", utc=True).dt.tz_localize(None)
    frame["impressions"] = frame["impressions"].astype("int64")
    frame["clicks"] = frame["clicks"].astype("int64")
    dates = pd.to_datetime(frame["date"], errors="coerce")
    frame["date"] = dates.where(dates.notna() | (frame["source"] != "editor"), created.dt.normalize())
    return frame
