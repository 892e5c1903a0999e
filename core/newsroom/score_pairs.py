"""``python -m core score-pairs``: add p_a, the probability that headline_a wins, to a CSV.

Input problems are refused with exit code 2 and a message saying what to fix; row
numbers are as a spreadsheet shows them (header = row 1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.basics.tables import missing_columns_message
from core.basics.text import headline_problems
from core.basics.words import plural

REQUIRED = ["headline_a", "headline_b"]
MAX_LISTED = 10


class InputError(ValueError):
    """The input cannot be scored; the message says why."""


def read_pairs(path: Path, max_chars: int) -> pd.DataFrame:
    """The CSV with every cell as text, checked for the two headline columns."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open("rb") as f:
        head = f.read(8192)
    if not head.strip():
        raise InputError(f"{path}: the file is empty; expected a CSV with columns {', '.join(REQUIRED)}")
    if b"\x00" in head:
        raise InputError(f"{path}: not a CSV file (binary content); save it as CSV (UTF-8)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    problem = missing_columns_message(frame.columns, REQUIRED, str(path))
    if problem:
        raise InputError(problem)
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no rows to score")
    problems = [
        f"row {i + 2}: {column}: {problem}"
        for i, row in enumerate(frame[REQUIRED].itertuples(index=False))
        for column, text in zip(REQUIRED, row)
        for problem in headline_problems(text, max_chars)
    ]
    if problems:
        more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise InputError(
            f"{path}: {plural(len(problems), 'unusable headline')}: "
            + "; ".join(problems[:MAX_LISTED])
            + more
        )
    return frame
