"""The Record outcome form's numbers: every bad field named, or the counts as ints."""

from __future__ import annotations

from collections.abc import Sequence

from core.basics.arms import count_problems as arm_count_problems
from core.basics.arms import whole_number


def count_problems(entries: Sequence[tuple[object, object]]) -> list[str]:
    """Field-level messages for (impressions, clicks) entries, one per bad field; [] when all fine.

    Entries are numbered from 1 ("headline 2: ...") as the page shows them.
    """
    return [
        f"headline {number}: {problem.message}"
        for number, (impressions, clicks) in enumerate(entries, start=1)
        for problem in arm_count_problems(impressions, clicks)
    ]


def parse_counts(entries: Sequence[tuple[object, object]]) -> list[tuple[int, int]]:
    """(impressions, clicks) as ints; raises ValueError listing every problem."""
    problems = count_problems(entries)
    if problems:
        raise ValueError("; ".join(problems))
    return [(whole_number(i)[0], whole_number(c)[0]) for i, c in entries]
