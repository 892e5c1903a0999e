"""An outcomes CSV planned before anything is written: which rows form which test, which saved
test each one completes, and every problem that refuses the file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core.basics.arms import LoadReport
from core.basics.text import normalise_headline


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


def skipped_row_messages(report: LoadReport) -> list[str]:
    """Every skipped row of an outcomes CSV with its reason, in row order."""
    rows = sorted((row, reason) for reason, numbers in report.skipped.items() for row in numbers)
    return [f"row {row}: {reason}" for row, reason in rows]


def plan_upload(
    arms: pd.DataFrame, saved_tests: Mapping[int, Sequence[str]]
) -> tuple[list[UploadedTest], list[str]]:
    """Group a loaded outcomes CSV (no skipped rows) into tests and match each to a saved test.

    ``saved_tests`` maps test id -> arm headlines in arm order, in order of preference (a
    CSV test takes the first saved test with the same set of headlines). Returns the tests,
    and problems with row numbers (one headline only, a headline twice); record nothing
    when there are problems.
    """
    by_key: dict[frozenset[str], int] = {}
    for test_id, headlines in saved_tests.items():
        by_key.setdefault(frozenset(normalise_headline(h) for h in headlines), test_id)
    planned, problems = [], []
    frame = arms.assign(row=range(2, len(arms) + 2), key=arms["headline"].map(normalise_headline))
    for csv_id, group in frame.groupby("test_id", sort=False):
        name = str(csv_id).split(":", 1)[-1]
        group_problems = _group_problems(name, group)
        problems.extend(group_problems)
        if group_problems:
            continue
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


def _group_problems(name: str, group: pd.DataFrame) -> list[str]:
    rows = group["row"].tolist()
    if len(group) < 2:
        return [f"test {name} (row {rows[0]}): only one headline; a test needs two or more"]
    repeated = group[group["key"].duplicated(keep=False)]
    return [
        f"test {name}: rows {', '.join(map(str, same['row']))} have the same headline"
        for _, same in repeated.groupby("key", sort=False)
    ]


# --- storing ----------------------------------------------------------------------------
