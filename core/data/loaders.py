"""Loaders for the three A/B formats, each returning one tidy table of arms.

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
from core.basics.text import clean_headline, headline_problems, normalise_headline
from core.data import csv_file

OUTCOMES_REQUIRED = ["test_id", "headline", "impressions", "clicks"]
OUTCOMES_OPTIONAL = ["image_id", "date", "excerpt"]
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


class RowsRefused(DataFormatError):
    """Rows or tests of an outcomes CSV are wrong: the file is refused whole.

    ``problems``: every problem, in row order, each naming row, column and what is wrong.
    """

    SHOWN = 10  # problems in the one-line message (the command line's); ``problems`` has all

    def __init__(self, problems: list[str]):
        self._problems = list(problems)
        more = len(problems) - self.SHOWN
        listed = "; ".join(problems[: self.SHOWN]) + (f"; and {more} more" if more > 0 else "")
        super().__init__(f"Outcomes CSV refused, nothing written: {len(problems)} problem(s): {listed}")

    @property
    def problems(self) -> list[str]:
        return self._problems


@dataclass
class Loaded:
    arms: pd.DataFrame
    report: LoadReport


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


def _require(frame: pd.DataFrame, required: list[str], what: str) -> None:
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


def _frame(records: list[dict] | pd.DataFrame) -> pd.DataFrame:
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
    _require(frame, UPWORTHY_REQUIRED, f"Upworthy file {path.name}")
    report = LoadReport(rows_read=len(frame))
    return Loaded(_frame(_upworthy_records(frame, report, row_offset)), report)


def load_ars(path: str | Path) -> Loaded:
    """Ars Technica's two-headline tests; a row with a bad arm is skipped whole."""
    frame = _read_csv(path)
    _require(frame, ARS_REQUIRED, f"Ars Technica file {Path(path).name}")
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
    return Loaded(_frame(records), report)


def load_outcomes(source: str | Path | bytes | io.IOBase, source_name: str = "outcomes") -> Loaded:
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
    _require(pd.DataFrame(columns=header), OUTCOMES_REQUIRED, "Outcomes CSV")
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
    return Loaded(_frame(arms), LoadReport(rows_read=len(frame)))


def _refuse_duplicate_columns(header: list[str]) -> None:
    twice = sorted({name for name in header if header.count(name) > 1 and name})
    if twice:
        raise DataFormatError(
            f"Outcomes CSV refused: column(s) {', '.join(twice)} appear more than once in the header; "
            "keep one of each"
        )


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


def outcomes_test_problems(arms: pd.DataFrame) -> list[tuple[int, str]]:
    """(first row, problem) for each test of an outcomes table that is not a test.

    ``arms`` has ``test_id``, cleaned ``headline`` and spreadsheet ``row`` columns. A test needs
    two or more headlines, all different once case, spacing and punctuation are ignored
    (core.basics.text.normalise_headline): "Owls win!" and "owls WIN" are one headline twice.
    """
    keyed = arms.assign(key=arms["headline"].map(normalise_headline))
    sizes = keyed.groupby("test_id", sort=False)["row"].transform("size")
    problems = [
        (row, f"test {name}, row {row}: only one headline; a test needs two or more")
        for name, row in zip(keyed.loc[sizes < 2, "test_id"], keyed.loc[sizes < 2, "row"])
    ]
    repeated = keyed[keyed.duplicated(["test_id", "key"], keep=False) & (sizes >= 2)]
    for (name, _), same in repeated.groupby(["test_id", "key"], sort=False):
        shown = " / ".join(f"“{h}”" for h in same["headline"])
        problems.append(
            (
                same["row"].iloc[0],
                f"test {name}, rows {', '.join(map(str, same['row']))}, column headline: "
                f"the same headline twice ({shown}; case and punctuation are ignored)",
            )
        )
    return problems


def _outcome_dates(frame: pd.DataFrame) -> pd.Series:
    if "date" not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    text = frame["date"].str.strip().replace("", None)
    return pd.to_datetime(text, errors="coerce", format="mixed")


def _optional_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    text = frame[column].str.strip()
    return text.where(text != "", None)
