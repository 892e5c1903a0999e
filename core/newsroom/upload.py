"""An outcomes CSV planned before anything is written: which rows form which test, which saved
test each one completes, and every problem that refuses the file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.basics.text import normalise_headline, normalise_headlines
from core.data.outcomes_csv import outcomes_test_problems
from db.imports import claim_import, find_import


@dataclass(frozen=True)
class UploadedTest:
    """One test of an outcomes CSV, ready to record."""

    csv_test_id: str
    rows: list[int]  # spreadsheet row numbers (header = row 1), in the order of ``headlines``
    headlines: list[str]  # the saved test's arm order when matched, else the file's order
    counts: list[tuple[int, int]]
    saved_test_id: int | None  # the saved test with exactly these headlines; None: a new test
    # Optional columns, stored when the upload creates a new test (a saved test keeps its own).
    excerpt: str | None = None  # the test's story excerpt: the first one given in its rows
    image_ids: list[str | None] | None = None  # per headline, in the order of ``headlines``
    dates: list[date | None] | None = None  # per headline: when the test ran


def plan_upload(
    arms: pd.DataFrame, saved_tests: Mapping[int, Sequence[str]], rows: Sequence[int] | None = None
) -> tuple[list[UploadedTest], list[str]]:
    """Group a loaded outcomes CSV (no skipped rows) into tests and match each to a saved test.

    ``rows``: each arm's row in the file (``Loaded.rows``); without them, rows 2, 3, … in order.
    ``saved_tests`` maps test id -> arm headlines in arm order, in order of preference (a
    CSV test takes the first saved test with the same set of headlines). Returns the tests,
    and problems with row numbers (one headline only, a headline twice: the rule of
    core.data.outcomes_csv.outcomes_test_problems); no tests when there are problems.
    """
    by_key: dict[frozenset[str], int] = {}
    for test_id, headlines in saved_tests.items():
        by_key.setdefault(frozenset(normalise_headline(h) for h in headlines), test_id)
    # The file's own row numbers (blank lines counted) when the loader kept them.
    numbers = list(rows) if rows is not None else list(range(2, len(arms) + 2))
    frame = arms.assign(row=numbers, key=normalise_headlines(arms["headline"]))
    # load_outcomes refuses these already; checked again (same rule) for arms from elsewhere.
    found = outcomes_test_problems(frame.assign(test_id=frame["test_id"].str.split(":", n=1).str[-1]))
    problems = [problem for _, problem in sorted(found, key=lambda item: item[0])]
    if problems:
        return [], problems
    planned = []
    for csv_id, group in frame.groupby("test_id", sort=False):
        name = str(csv_id).split(":", 1)[-1]
        saved_id = by_key.get(frozenset(group["key"]))
        if saved_id is not None:  # the saved test's arm order
            position = {normalise_headline(h): i for i, h in enumerate(saved_tests[saved_id])}
            group = group.sort_values("key", key=lambda keys: keys.map(position))
        planned.append(
            UploadedTest(
                csv_test_id=name,
                rows=group["row"].tolist(),
                headlines=group["headline"].tolist(),
                counts=list(zip(group["impressions"].tolist(), group["clicks"].tolist())),
                saved_test_id=saved_id,
                excerpt=next((e for e in group.get("excerpt", []) if isinstance(e, str) and e), None),
                image_ids=_optional_values(group, "image_id"),
                dates=_optional_values(group, "date"),
            )
        )
    return planned, problems


def _optional_values(group: pd.DataFrame, column: str) -> list | None:
    """A column's values in row order, None for blanks; None when the file has no such values."""
    if column not in group or group[column].isna().all():
        return None
    return [None if pd.isna(v) else v for v in group[column]]


# --- storing ----------------------------------------------------------------------------

UPLOAD_SOURCE = "outcomes upload"  # imports.source of files recorded on Record outcome


def recorded_before(session: Session, data: bytes) -> datetime | None:
    """When a file with exactly these bytes was recorded, or None. The same contents are recorded
    once (``record_upload``), so the page says so before offering to record: a plan can still have
    work in such a file, for a test deleted or an outcome undone since it was recorded."""
    earlier = find_import(session, hashlib.sha256(data).hexdigest())
    return earlier.imported_at if earlier is not None else None


def record_upload(
    transaction: Callable[[], AbstractContextManager[Session]],
    data: bytes,
    filename: str,
    planned: Sequence[UploadedTest],
    store: Callable[[Session, UploadedTest], object],
) -> bool:
    """Store every planned test of an uploaded file in one transaction, once per file contents.

    The file's sha256 goes into the imports table first (the rule ``python -m core import``
    follows): the same bytes uploaded again, or by several editors at the same moment, are
    recorded once. Returns False, having written nothing, when they were recorded before.
    ``store(session, test)`` records one planned test.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    arms = sum(len(t.headlines) for t in planned)
    try:
        with transaction() as session:
            if not claim_import(session, UPLOAD_SOURCE, filename, sha256, arms, len(planned), arms):
                return False
            for test in planned:
                store(session, test)
    except IntegrityError:
        # Another upload of the same bytes committed between our check and our claim.
        with transaction() as session:
            if find_import(session, sha256) is not None:
                return False
        raise
    return True
