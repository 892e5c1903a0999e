"""An arm (one headline of an A/B test with its impressions and clicks): the tidy columns every
loader produces, the one rule for valid counts, and the report of rows a loader skipped.

Every path that takes counts (archive loaders, the outcomes CSV, the Record outcome form and the
database layer) checks them here, so they accept and refuse the same things with the same words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from core.basics.words import noun_for, plural

ARM_COLUMNS = [
    "test_id",  # str, unique across sources: "<source>:<id in source>"
    "headline",  # str, cleaned plain text
    "excerpt",  # str or None
    "image_id",  # str or None
    "lede_id",  # str or None: short hash of the lede (Upworthy), so pairs can require equal ledes
    "impressions",  # int > 0
    "clicks",  # int, 0 <= clicks <= impressions
    "date",  # datetime64 (day of the test) or NaT
    "source",  # "upworthy" | "ars" | "outcomes"
]

# Counts at or above a trillion are refused: no headline test has that many impressions, and below
# it every number derived from the counts (rates, sample sizes) stays within 64-bit integers.
MAX_COUNT = 10**12

# Thousands separators a person types or a CMS exports: "12,345", "12 345" (a space, or the
# no-break spaces of French typesetting), "12_345"; one kind per number, groups of three.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?P<sep>[, \u00a0\u202f_])\d{3}(?:(?P=sep)\d{3})*")
# "12.000" is twelve thousand in German and twelve in English: refused rather than guessed.
# With two dots or more ("1.000.000") it can only be thousands.
_DOT_GROUPED = re.compile(r"[+-]?\d{1,3}(?P<groups>(?:\.\d{3})+)")


def whole_number(value: object) -> tuple[int, str | None]:
    """(number, None), or (0, why it is not a non-negative whole number).

    Accepts ints, integral floats and text such as "10,234", "10 234", "1.234.567" or "500.0";
    refuses text, fractions, a comma that does not separate thousands ("1,5"), "12.000" (twelve
    or twelve thousand?), exponents ("1e6"), negatives, infinity, NaN, booleans and anything
    a trillion or more (MAX_COUNT).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0, "missing"
    if isinstance(value, bool):
        return 0, f"is not a number ({value!r})"
    shown = str(value).strip()
    plain, problem = _plain_digits(shown) if isinstance(value, str) else (shown, None)
    if problem:
        return 0, problem
    try:
        number: float | int = int(plain)  # exact, however long
    except ValueError:
        try:
            number = float(plain)
        except ValueError:
            return 0, f"is not a number ({shown!r})"
    if math.isnan(number):
        return 0, f"is not a number ({shown!r})"
    if math.isinf(number):
        return 0, f"is not a finite number ({shown})"
    if number != int(number):
        return 0, f"must be a whole number ({shown})"
    if number < 0:
        return 0, f"must not be negative ({shown})"
    if number >= MAX_COUNT:
        return 0, f"is too large ({shown}): a headline test has far fewer than a trillion"
    return int(number), None


def _plain_digits(shown: str) -> tuple[str, str | None]:
    """Typed text without its thousands separators, or why its separators cannot be read."""
    grouped = _GROUPED.fullmatch(shown)
    if grouped:
        return shown.replace(grouped["sep"], ""), None
    dotted = _DOT_GROUPED.fullmatch(shown)
    if dotted and dotted["groups"].count(".") > 1:
        return shown.replace(".", ""), None
    if dotted:
        whole = int(shown.replace(".", ""))
        return "", f"is ambiguous ({shown}): is it {whole:,} or {int(float(shown))}? Type it without the dot"
    if "," in shown:
        return "", f"must be a whole number ({shown}): a comma may only separate thousands, as in 1,000"
    if re.search(r"\d[eE]", shown):
        return "", f"must be written out in full ({shown}), not with an exponent"
    if "_" in shown:
        return "", f"is not a number ({shown!r})"
    return shown, None


@dataclass(frozen=True)
class CountProblem:
    column: str  # "impressions" or "clicks"
    kind: str  # "unparseable number" | "zero impressions" | "clicks above impressions"
    message: str  # e.g. "clicks (101) above impressions (100)"


def count_problems(impressions: object, clicks: object) -> list[CountProblem]:
    """Why (impressions, clicks) are not a valid arm's counts; [] when they are.

    The rule: impressions a whole number above 0; clicks a whole number from 0 to impressions.
    """
    imps, imps_why = whole_number(impressions)
    clks, clks_why = whole_number(clicks)
    problems = []
    if imps_why:
        problems.append(CountProblem("impressions", "unparseable number", f"impressions {imps_why}"))
    elif imps == 0:
        problems.append(CountProblem("impressions", "zero impressions", "impressions must be above 0"))
    if clks_why:
        problems.append(CountProblem("clicks", "unparseable number", f"clicks {clks_why}"))
    elif not imps_why and imps and clks > imps:
        message = f"clicks ({clks}) above impressions ({imps})"
        problems.append(CountProblem("clicks", "clicks above impressions", message))
    return problems


@dataclass
class LoadReport:
    """Rows a loader read and the rows it skipped, by reason (row numbers count the header as 1)."""

    rows_read: int = 0
    skipped: dict[str, list[int]] = field(default_factory=dict)
    # Rows kept whose headline is stored as other text than the file gives (markup dropped,
    # "&amp;" read as "&"): (row, what changed and the text kept), in row order.
    changed: list[tuple[int, str]] = field(default_factory=list)

    def skip(self, reason: str, row: int) -> None:
        self.skipped.setdefault(reason, []).append(row)

    @property
    def n_skipped(self) -> int:
        return sum(len(rows) for rows in self.skipped.values())

    def summary(self, max_rows: int = 10) -> list[str]:
        """One line per reason: count and the first row numbers."""
        lines = []
        for reason, rows in sorted(self.skipped.items()):
            shown = ", ".join(str(r) for r in rows[:max_rows])
            more = f" and {len(rows) - max_rows} more" if len(rows) > max_rows else ""
            lines.append(f"{reason}: {plural(len(rows), 'row')} ({noun_for(len(rows), 'row')} {shown}{more})")
        return lines

    def changes_summary(self, max_rows: int = 10) -> list[str]:
        """One line per changed headline, the first ``max_rows``, then how many more."""
        lines = [note for _, note in self.changed[:max_rows]]
        if len(self.changed) > max_rows:
            lines.append(f"and {plural(len(self.changed) - max_rows, 'more headline')}")
        return lines
