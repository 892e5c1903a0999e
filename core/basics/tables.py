"""Tables in and out: checks on the columns of an uploaded table (worded the same wherever a file
is read), and CSV written for spreadsheets with formula-like cells neutralised."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from core.basics.words import noun_for


def missing_columns_message(columns: Iterable[object], required: list[str], what: str) -> str | None:
    """ "<what> is missing required columns: a, b (found: x, y)", or None when all are there.

    The columns found are shown short (a binary file's "header" can be thousands of characters);
    a header that names the columns with semicolons or tabs between them says so.
    """
    found = [str(c) for c in columns]
    missing = [c for c in required if c not in found]
    if not missing:
        return None
    names = noun_for(len(missing), "column")
    message = f"{what} is missing required {names}: {', '.join(missing)} (found: {_shown_columns(found)})"
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        if any(separator in c and any(m in c for m in missing) for c in found):
            return (
                f"{message}. Its columns seem separated by {name}: save it with commas "
                "(in Excel: Save As, “CSV UTF-8 (Comma delimited)”)"
            )
    return message


SHOWN_COLUMNS, SHOWN_CHARACTERS = 12, 40


def _shown_columns(found: list[str]) -> str:
    if not found:
        return "none"
    short = [
        c if len(c) <= SHOWN_CHARACTERS else c[: SHOWN_CHARACTERS - 1] + "…" for c in found[:SHOWN_COLUMNS]
    ]
    more = len(found) - SHOWN_COLUMNS
    return ", ".join(short) + (f" and {more:,} more" if more > 0 else "")


# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (tab and carriage return too: some of them strip it and read what follows).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with ' so it shows as text.

    Numbers are left alone (a negative number is a number, not a formula); so is other text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV bytes for download, every formula-like text cell neutralised.

    Every CSV the app or the command line writes for people to open goes through here.
    """
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_safe)
    safe.columns = [spreadsheet_safe(str(c)) for c in safe.columns]
    # CRLF line ends (RFC 4180): a cell holding a bare CR or LF is then quoted, not split.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
