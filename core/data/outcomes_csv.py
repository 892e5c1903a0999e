"""The outcomes CSV, the newsroom's own format: test_id, headline, impressions, clicks
[, image_id, date, excerpt], from any A/B tool's export. Checked strictly, for the command line
and the app alike: a file with any problem is refused whole, each problem naming its row and
column (see :func:`load_outcomes`)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from core.basics.arms import ARM_COLUMNS, LoadReport, count_problems, whole_number
from core.basics.text import clean_headlines, headline_changes, headline_problems, normalise_headlines
from core.basics.words import noun_for, plural
from core.data import csv_file
from core.data.loaders import DataFormatError, Loaded, require_columns, typed_arms

OUTCOMES_REQUIRED = ["test_id", "headline", "impressions", "clicks"]
OUTCOMES_OPTIONAL = ["image_id", "date", "excerpt"]


class RowsRefused(DataFormatError):
    """Rows or tests of an outcomes CSV are wrong: the file is refused whole.

    ``problems``: every problem, in row order, each naming row, column and what is wrong.
    """

    SHOWN = 10  # problems in the one-line message (the command line's); ``problems`` has all

    def __init__(self, problems: list[str]):
        self._problems = list(problems)
        more = len(problems) - self.SHOWN
        listed = "; ".join(problems[: self.SHOWN]) + (f"; and {more} more" if more > 0 else "")
        super().__init__(
            f"Outcomes CSV refused, nothing written: {plural(len(problems), 'problem')}: {listed}"
        )

    @property
    def problems(self) -> list[str]:
        return self._problems


def load_outcomes(source: str | Path | bytes | io.IOBase, source_name: str = "outcomes") -> Loaded:
    """The plain outcomes CSV: test_id, headline, impressions, clicks [, image_id, date, excerpt].

    Strict, for the command line and the app alike: a file with any problem is refused whole,
    so nothing of it is written anywhere. Problems of the file (not UTF-8 text, a column missing
    or twice, no rows) raise :class:`DataFormatError`; problems of rows and tests raise
    :class:`RowsRefused`, whose ``problems`` name row, column and what is wrong, in row order.

    The checks run a column at a time, on blocks of rows (a 50 MB file has 400,000 rows): each
    cell is parsed or cleaned once, and the few cells off the common path get the one-cell rules
    of core.basics (``count_problems``, ``headline_problems``), so the words are always theirs.
    """
    try:
        data = csv_file.read_bytes(source)
        has_control = csv_file.CONTROL_BYTE.search(data) is not None  # most files: no cell to search
        blocks = csv_file.record_blocks(csv_file.decode_pieces(data), ROWS_PER_BLOCK)
        first = next(blocks, [])
        blocks = itertools.chain([first[1:]], blocks)  # the rows after the header
        header = _outcomes_header(first[0] if first else None, blocks)
        problems: list[tuple[int, int, str]] = []
        bad_tests: set[str] = set()
        frames = []
        changed: list[tuple[int, str]] = []
        row = 2
        for block in blocks:
            cells = _OutcomeCells(block, row, header, has_control)
            problems += cells.problems
            bad_tests |= cells.bad_tests
            frames.append(cells.kept_frame())
            changed += cells.changed_headlines()
            row += len(block)
    except csv_file.NotCsvText as exc:
        raise DataFormatError(f"Outcomes CSV refused: {exc}") from exc
    if not sum(map(len, frames)) and not problems:
        raise DataFormatError("Outcomes CSV refused: the file has a header but no rows")
    frame = pd.concat(frames, ignore_index=True)
    del frames
    dates = _outcome_dates(frame)
    bad_dates = dates.isna() & frame.get("date", pd.Series("", index=frame.index)).str.strip().ne("")
    problems += [(row, _DATE, f"row {row}, column date: not a date") for row in frame.loc[bad_dates, "row"]]
    tests = outcomes_test_problems(frame, skip=bad_tests)  # a test with a bad row is not judged
    problems += [(row, _TEST, problem) for row, problem in tests]
    if problems:
        raise RowsRefused([p for *_, p in sorted(problems, key=lambda item: item[:2])])
    arms = pd.DataFrame(
        {
            "test_id": source_name + ":" + frame["test_id"],
            "headline": frame["headline"],
            "excerpt": _optional_column(frame, "excerpt"),
            "image_id": _optional_column(frame, "image_id"),
            "lede_id": None,
            "impressions": frame["impressions"],
            "clicks": frame["clicks"],
            "date": dates.dt.normalize(),
            "source": source_name,
        },
        columns=ARM_COLUMNS,
    )
    report = LoadReport(rows_read=len(frame), changed=changed)
    return Loaded(typed_arms(arms), report, frame["row"].tolist())


def _outcomes_header(first: list[str] | None, rows: Iterator[list[list[str]]]) -> list[str]:
    """The column names of an outcomes CSV, its ``first`` record; DataFormatError (after the
    blocks of ``rows`` are read, so that a file that is not CSV says so first) when they will not do."""
    try:
        blank = first is None or not any(cell.strip() for cell in first)
        if blank and not any(cell.strip() for block in rows for row in block for cell in row):
            raise DataFormatError("Outcomes CSV refused: the file is empty (no header, no rows)")
        header = [name.strip() for name in first or []]
        _refuse_duplicate_columns(header)
        require_columns(pd.DataFrame(columns=header), OUTCOMES_REQUIRED, "Outcomes CSV")
    except DataFormatError:
        for _ in rows:  # NotCsvText, if the file stops being CSV further on
            pass
        raise
    return header


def _refuse_duplicate_columns(header: list[str]) -> None:
    twice = sorted({name for name in header if header.count(name) > 1 and name})
    if twice:
        raise DataFormatError(
            f"Outcomes CSV refused: {noun_for(len(twice), 'column')} {', '.join(twice)} "
            f"{noun_for(len(twice), 'appears', 'appear')} more than once in the header; "
            "keep one of each"
        )


# Where a problem sorts among those of its row: a row's own problems (its cells in column order;
# test_id, headline, impressions, clicks), then its date, then its test's.
_DATE, _TEST = 10, 20
ROWS_PER_BLOCK = 50_000  # rows checked at once: their cells as Python strings, some 40 MB
_HEADLINE_MAX_CHARS = 300  # core.basics.text.headline_problems' default
_PLAIN_COUNT = (
    r"[0-9]{1,12}"  # ASCII digits below MAX_COUNT (10**12): the number is int(cell), nothing to say
)


def _each(function, values: np.ndarray) -> np.ndarray:
    """``function`` of every element of an object array (a C loop, Python's own str methods)."""
    return np.frompyfunc(function, 1, 1)(values) if len(values) else np.array([], dtype=object)


class _OutcomeCells:
    """The rows of an outcomes CSV as columns, checked a column at a time.

    ``problems``: (row, rank, message) for every row with something wrong, in row order. A row
    with more cells than the header says only that; one with control characters names each
    such cell and nothing else; any other says what is wrong with its test id, headline and
    counts. (tests/outcomes_reference.py keeps these rules one row at a time, as they were
    written first; tests/test_loaders.py checks that both say the same of any file.) ``kept``: the rows with nothing
    wrong (a blank line is neither); ``bad_tests``: the test ids of rows with problems, whose
    tests are not judged on the rest of their rows.
    """

    def __init__(self, body: list[list[str]], first_row: int, header: list[str], has_control: bool):
        self.header = header
        width = len(header)
        self.problems: list[tuple[int, int, str]] = []
        self.bad_tests: set[str] = set()
        self.rows = np.arange(first_row, first_row + len(body))
        self.at = at = {name: header.index(name) for name in header}  # column of each name
        lengths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
        skip = np.zeros(len(body), dtype=bool)  # blank lines, and rows refused whole
        for i in np.flatnonzero(lengths != width):  # few: blank lines, rows short or long of cells
            row = body[i]
            if not any(cell.strip() for cell in row):
                skip[i] = True
            elif len(row) > width:
                skip[i] = True
                message = f"row {self.rows[i]}: {len(row)} cells but the header names {width} columns"
                self.problems.append((self.rows[i], 0, message))
                self.bad_tests.add(row[at["test_id"]].strip())
            body[i] = [""] * width if skip[i] else [*row, *[""] * (width - len(row))]
        columns = [np.array(column, dtype=object) for column in zip(*body)] if body else []
        self.columns = columns or [np.array([], dtype=object)] * width
        skip |= self._blank(~skip)
        if has_control:
            skip |= self._control_characters(~skip, at["test_id"])
        self.test_ids = _each(str.strip, self.columns[at["test_id"]])
        self.headlines = clean_headlines(pd.Series(self.columns[at["headline"]], dtype="str"))
        self.impressions, imps_plain = self._counts(self.columns[at["impressions"]])
        self.clicks, clks_plain = self._counts(self.columns[at["clicks"]])
        characters = self.headlines.str.len().to_numpy(dtype=np.int64)
        checks = [  # (rows that may have a problem, what each has), in the order a row names them
            (self.test_ids == "", lambda i: ["column test_id: empty test id"]),
            ((characters == 0) | (characters > _HEADLINE_MAX_CHARS), self._headline_problems),
            (
                ~(imps_plain & clks_plain & (self.impressions > 0) & (self.clicks <= self.impressions)),
                self._count_problems,
            ),
        ]
        bad = np.zeros(len(skip), dtype=bool)
        for rank, (suspect, problems_of) in enumerate(checks, start=1):
            for i in np.flatnonzero(suspect & ~skip):
                found = problems_of(i)
                self.problems += [(self.rows[i], rank, f"row {self.rows[i]}, {problem}") for problem in found]
                bad[i] |= bool(found)
        self.bad_tests.update(self.test_ids[bad])
        self.kept = ~skip & ~bad
        self.problems.sort(key=lambda item: item[:2])

    def _blank(self, candidates: np.ndarray) -> np.ndarray:
        """Rows whose every cell is blank (whitespace only): a blank line is not an arm."""
        blank = candidates.copy()
        for column in self.columns:
            rows = np.flatnonzero(blank)
            if not len(rows):
                break
            blank[rows] = _each(str.strip, column[rows]) == ""
        return blank

    def _control_characters(self, candidates: np.ndarray, test_column: int) -> np.ndarray:
        """Rows with a control character in a cell: named per cell, in column order, and nothing
        else said of those rows."""
        rows = np.zeros(len(candidates), dtype=bool)
        for j, (name, column) in enumerate(zip(self.header, self.columns)):
            matches = _each(csv_file.CONTROL_CHARACTER.search, column)
            for i in np.flatnonzero(candidates & (matches != None)):  # noqa: E711 (element-wise)
                code, where = ord(matches[i].group()), matches[i].start() + 1
                message = f"column {name}: control character U+{code:04X} at character {where}"
                self.problems.append((self.rows[i], j, f"row {self.rows[i]}, {message}"))
                rows[i] = True
        self.bad_tests.update(_each(str.strip, self.columns[test_column][rows]))
        return rows

    @staticmethod
    def _counts(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(numbers, plain): cells of ASCII digits only, read at once (0 elsewhere); the rest
        (blank, "10,234", " 5.0", "lots") are read by the one-cell rule when their row is judged."""
        text = pd.Series(column, dtype="str")
        plain = text.str.fullmatch(_PLAIN_COUNT).to_numpy(dtype=bool, na_value=False)
        numbers = np.zeros(len(column), dtype=np.int64)
        numbers[plain] = text[plain].astype("int64").to_numpy()
        return numbers, plain

    def _headline_problems(self, i: int) -> list[str]:
        return [f"column headline: {p}" for p in headline_problems(self.columns[self.at["headline"]][i])]

    def _count_problems(self, i: int) -> list[str]:
        impressions = self.columns[self.at["impressions"]][i]
        clicks = self.columns[self.at["clicks"]][i]
        problems = count_problems(impressions, clicks)
        if not problems:  # good counts off the plain path ("10,234", "5.0"): their numbers
            self.impressions[i] = whole_number(impressions)[0]
            self.clicks[i] = whole_number(clicks)[0]
        return [f"column {p.column}: {p.message}" for p in problems]

    def changed_headlines(self) -> list[tuple[int, str]]:
        """(row, note) for each kept row whose headline is stored as other text than the file's:
        markup or formatting dropped, a character reference decoded (core.basics.text's rules)."""
        raw = pd.Series(self.columns[self.at["headline"]], dtype="str")
        suspect = raw.str.contains("<", regex=False) | raw.str.contains("&", regex=False)
        notes = []
        for i in np.flatnonzero(suspect.to_numpy(dtype=bool) & self.kept):
            changes = headline_changes(raw.iloc[i])
            if changes:
                kept = self.headlines.iloc[i]
                notes.append(
                    (
                        int(self.rows[i]),
                        f"row {self.rows[i]}, column headline: {'; '.join(changes)}; recorded as “{kept}”",
                    )
                )
        return notes

    def kept_frame(self) -> pd.DataFrame:
        """The rows with nothing wrong: spreadsheet ``row``, stripped ``test_id``, cleaned
        ``headline``, counts as numbers, and the optional columns as text."""
        keep = np.flatnonzero(self.kept)
        frame = pd.DataFrame(
            {
                "row": self.rows[keep],
                "test_id": pd.Series(self.columns[self.at["test_id"]][keep], dtype="str").str.strip(),
                "headline": self.headlines.iloc[keep].reset_index(drop=True),
                "impressions": self.impressions[keep],
                "clicks": self.clicks[keep],
            }
        )
        for name in OUTCOMES_OPTIONAL:
            if name in self.header:
                frame[name] = pd.Series(self.columns[self.at[name]][keep], dtype="str")
        return frame


def outcomes_test_problems(arms: pd.DataFrame, skip: Collection[str] = ()) -> list[tuple[int, str]]:
    """(first row, problem) for each test of an outcomes table that is not a test.

    ``arms`` has ``test_id``, cleaned ``headline`` and spreadsheet ``row`` columns. A test needs
    two or more headlines, all different once case, spacing and punctuation are ignored
    (core.basics.text.normalise_headline): "Owls win!" and "owls WIN" are one headline twice.
    The tests named in ``skip`` are not judged (as if their rows were not there: no copy).
    """
    keyed = arms[["row", "test_id", "headline"]].assign(key=normalise_headlines(arms["headline"]))
    judged = ~keyed["test_id"].isin(skip) if len(skip) else True
    sizes = keyed.groupby("test_id", sort=False)["row"].transform("size")
    alone = (sizes < 2) & judged
    problems = [
        (row, f"test {name}, row {row}: only one headline; a test needs two or more")
        for name, row in zip(keyed.loc[alone, "test_id"], keyed.loc[alone, "row"])
    ]
    repeated = keyed[keyed.duplicated(["test_id", "key"], keep=False) & (sizes >= 2) & judged]
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
