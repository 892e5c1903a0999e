"""Loaders for the two archives' formats (Upworthy, Ars Technica), each returning one tidy
table of arms, and what every loader shares (the newsroom's own outcomes CSV is read by
core.data.outcomes_csv).

An *arm* is one variant shown in a test. Every loader returns a :class:`Loaded` whose
``arms`` frame has exactly :data:`ARM_COLUMNS`, and a :class:`LoadReport` of the rows it
skipped, per reason, with their row numbers as a spreadsheet shows them (header = row 1).
A file missing required columns raises :class:`DataFormatError` naming them.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from core.basics.arms import ARM_COLUMNS, LoadReport, count_problems, whole_number
from core.basics.tables import missing_columns_message
from core.basics.text import clean_headline, headline_problems

UPWORTHY_REQUIRED = ["clickability_test_id", "headline", "impressions", "clicks"]
ARS_REQUIRED = [
    "ID",
    "title_a",
    "title_b",
    "title_a_impressions",
    "title_b_impressions",
    "title_a_clicks",
    "title_b_clicks",
]


class DataFormatError(ValueError):
    """The file cannot be read as this format at all (unreadable, or columns missing)."""

    @property
    def problems(self) -> list[str]:
        return [str(self)]


@dataclass
class Loaded:
    arms: pd.DataFrame
    report: LoadReport
    # Each arm's row in the file as a spreadsheet numbers it (header = row 1, blank lines counted),
    # where the format keeps them (the outcomes CSV): what the upload plan names.
    rows: list[int] | None = None


def _read_csv(source: str | Path | bytes | io.IOBase) -> pd.DataFrame:
    """Every cell as a string, so parsing problems are found per row, not per file."""
    try:
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding_errors="replace")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise DataFormatError(f"cannot read the file as CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def require_columns(frame: pd.DataFrame, required: list[str], what: str) -> None:
    problem = missing_columns_message(frame.columns, required, what)
    if problem:
        raise DataFormatError(problem)


def _count_or_none(value: object) -> int | None:
    number, problem = whole_number(value)
    return None if problem else number


def _optional(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _arm_problem(headline: object, impressions: object, clicks: object) -> str | None:
    """Why an arm cannot be used, or None."""
    problems = headline_problems(headline)
    if problems:
        return problems[0]
    counts = count_problems(impressions, clicks)
    return counts[0].kind if counts else None


def typed_arms(records: list[dict] | pd.DataFrame) -> pd.DataFrame:
    arms = (
        records
        if isinstance(records, pd.DataFrame)
        else pd.DataFrame.from_records(records, columns=ARM_COLUMNS)
    )
    arms["impressions"] = arms["impressions"].astype("int64")
    arms["clicks"] = arms["clicks"].astype("int64")
    arms["date"] = pd.to_datetime(arms["date"], errors="coerce").astype(
        "datetime64[s]"
    )  # days: one unit everywhere
    return arms


def _lede_id(lede: object) -> str | None:
    text = _optional(lede)
    return hashlib.sha1(text.encode()).hexdigest()[:12] if text else None


def _week_start(test_week: object) -> date | None:
    """First day of an Upworthy YYYYWW week.

    The archive numbers weeks as strftime's ``%Y%U``: weeks start on Sunday, and week 00 holds
    the days of January before the year's first Sunday (e.g. 201400 is 1-4 January 2014).
    """
    value = _count_or_none(test_week)
    if value is None:
        return None
    year, week = divmod(value, 100)
    if not 1 <= year <= 9999 or week > 53:
        return None
    jan1 = date(year, 1, 1)
    first_sunday = jan1 + timedelta(days=(6 - jan1.weekday()) % 7)
    start = jan1 if week == 0 else first_sunday + timedelta(weeks=week - 1)
    return start if start.year == year else None


def _upworthy_records(frame: pd.DataFrame, report: LoadReport, row_offset: int) -> list[dict]:
    records = []
    for i, row in enumerate(frame.to_dict("records")):
        problem = _arm_problem(row["headline"], row["impressions"], row["clicks"])
        if problem:
            report.skip(problem, i + row_offset)
            continue
        when = pd.to_datetime(row.get("created_at") or None, errors="coerce")
        records.append(
            {
                "test_id": f"upworthy:{row['clickability_test_id']}",
                "headline": clean_headline(row["headline"]),
                "excerpt": _optional(clean_headline(row.get("excerpt"))),
                "image_id": _optional(row.get("eyecatcher_id")),
                "lede_id": _lede_id(row.get("lede")),
                "impressions": _count_or_none(row["impressions"]),
                "clicks": _count_or_none(row["clicks"]),
                "date": when.date() if not pd.isna(when) else _week_start(row.get("test_week")),
                "source": "upworthy",
            }
        )
    return records


def load_upworthy(path: str | Path) -> Loaded:
    """The Upworthy Research Archive: original package CSV or its parquet copy."""
    path = Path(path)
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise DataFormatError(f"cannot read {path.name} as parquet: {exc}") from exc
        row_offset = 1  # parquet rows are numbered from 1
    else:
        frame = _read_csv(path)
        row_offset = 2  # header is row 1
    require_columns(frame, UPWORTHY_REQUIRED, f"Upworthy file {path.name}")
    report = LoadReport(rows_read=len(frame))
    return Loaded(typed_arms(_upworthy_records(frame, report, row_offset)), report)


def load_ars(path: str | Path) -> Loaded:
    """Ars Technica's two-headline tests; a row with a bad arm is skipped whole."""
    frame = _read_csv(path)
    require_columns(frame, ARS_REQUIRED, f"Ars Technica file {Path(path).name}")
    report = LoadReport(rows_read=len(frame))
    records = []
    for i, row in enumerate(frame.to_dict("records")):
        arms = []
        for side in "ab":
            imps, clks = row[f"title_{side}_impressions"], row[f"title_{side}_clicks"]
            arms.append((row[f"title_{side}"], imps, clks, _arm_problem(row[f"title_{side}"], imps, clks)))
        problem = next((p for *_, p in arms if p), None)
        if problem:
            report.skip(problem, i + 2)
            continue
        when = pd.to_datetime(row.get("post_date") or None, format="%m/%d/%Y %I:%M:%S %p", errors="coerce")
        for headline, imps, clks, _ in arms:
            records.append(
                {
                    "test_id": f"ars:{row['ID']}",
                    "headline": clean_headline(headline),
                    "excerpt": None,
                    "image_id": None,
                    "lede_id": None,
                    "impressions": _count_or_none(imps),
                    "clicks": _count_or_none(clks),
                    "date": None if pd.isna(when) else when.date(),
                    "source": "ars",
                }
            )
    return Loaded(typed_arms(records), report)
