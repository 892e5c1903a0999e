"""The outcomes CSV checks as first written, one row at a time in Python: the reference the
column-at-a-time checks of core.data.outcomes_csv.load_outcomes must agree with, word for word
(tests/test_loaders.py compares both on generated files). Too slow for a 50 MB file (about
25 s), which is why the loader no longer runs it."""

from __future__ import annotations

import pandas as pd

from core.basics.arms import ARM_COLUMNS, LoadReport, count_problems
from core.basics.text import clean_headline, headline_problems
from core.data import csv_file
from core.data.loaders import DataFormatError, Loaded, _count_or_none, require_columns, typed_arms
from core.data.outcomes_csv import (
    OUTCOMES_REQUIRED,
    RowsRefused,
    _optional_column,
    _outcome_dates,
    _refuse_duplicate_columns,
    outcomes_test_problems,
)


def load_outcomes(source: bytes, source_name: str = "outcomes") -> Loaded:
    """The plain outcomes CSV: test_id, headline, impressions, clicks [, image_id, date, excerpt].

    Strict, for the command line and the app alike: a file with any problem is refused whole,
    so nothing of it is written anywhere. Problems of the file (not UTF-8 text, a column missing
    or twice, no rows) raise :class:`DataFormatError`; problems of rows and tests raise
    :class:`RowsRefused`, whose ``problems`` name row, column and what is wrong, in row order.
    """
    try:
        records = csv_file.rows(csv_file.decode(csv_file.read_bytes(source)))
    except csv_file.NotCsvText as exc:
        raise DataFormatError(f"Outcomes CSV refused: {exc}") from exc
    if not records or not any(cell.strip() for row in records for cell in row):
        raise DataFormatError("Outcomes CSV refused: the file is empty (no header, no rows)")
    header = [name.strip() for name in records[0]]
    _refuse_duplicate_columns(header)
    require_columns(pd.DataFrame(columns=header), OUTCOMES_REQUIRED, "Outcomes CSV")
    problems: list[tuple[int, str]] = []
    kept: list[list[str]] = []
    bad_tests: set[str] = set()  # tests with a bad row: their shape is not judged on the rest
    test_column = header.index("test_id")
    for row, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is not an arm
        found = _outcome_row_problems(row, cells, header)
        problems += [(row, p) for p in found]
        if found:
            bad_tests.add(cells[test_column].strip() if test_column < len(cells) else "")
        else:
            kept.append([str(row), *cells, *[""] * (len(header) - len(cells))])
    if not kept and not problems:
        raise DataFormatError("Outcomes CSV refused: the file has a header but no rows")
    frame = pd.DataFrame(kept, columns=["row", *header])
    frame["row"] = frame["row"].astype(int)
    frame["headline"] = frame["headline"].map(clean_headline)
    frame["test_id"] = frame["test_id"].str.strip()
    dates = _outcome_dates(frame)
    bad_dates = dates.isna() & frame.get("date", pd.Series("", index=frame.index)).str.strip().ne("")
    problems += [(row, f"row {row}, column date: not a date") for row in frame.loc[bad_dates, "row"]]
    problems += outcomes_test_problems(frame[~frame["test_id"].isin(bad_tests)])
    if problems:
        raise RowsRefused([p for _, p in sorted(problems, key=lambda item: item[0])])
    arms = pd.DataFrame(
        {
            "test_id": source_name + ":" + frame["test_id"],
            "headline": frame["headline"],
            "excerpt": _optional_column(frame, "excerpt"),
            "image_id": _optional_column(frame, "image_id"),
            "lede_id": None,
            "impressions": frame["impressions"].map(_count_or_none),
            "clicks": frame["clicks"].map(_count_or_none),
            "date": dates.dt.normalize(),
            "source": source_name,
        },
        columns=ARM_COLUMNS,
    )
    return Loaded(typed_arms(arms), LoadReport(rows_read=len(frame)))


def _outcome_row_problems(row: int, cells: list[str], header: list[str]) -> list[str]:
    """What is wrong with one row of an outcomes CSV, each naming row and column; [] if nothing."""
    if len(cells) > len(header):
        return [f"row {row}: {len(cells)} cells but the header names {len(header)} columns"]
    problems = []
    for name, cell in zip(header, cells):
        control = csv_file.CONTROL_CHARACTER.search(cell)
        if control:
            code = ord(control.group())
            problems.append(
                f"row {row}, column {name}: control character U+{code:04X} at character {control.start() + 1}"
            )
    if problems:
        return problems
    value = dict(zip(header, cells))
    if not value.get("test_id", "").strip():
        problems.append(f"row {row}, column test_id: empty test id")
    problems += [f"row {row}, column headline: {p}" for p in headline_problems(value.get("headline", ""))]
    problems += [
        f"row {row}, column {p.column}: {p.message}"
        for p in count_problems(value.get("impressions", ""), value.get("clicks", ""))
    ]
    return problems
