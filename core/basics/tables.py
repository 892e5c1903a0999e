"""Checks on the columns of an uploaded table, worded the same wherever a file is read."""

from __future__ import annotations

from collections.abc import Iterable


def missing_columns_message(columns: Iterable[object], required: list[str], what: str) -> str | None:
    """ "<what> is missing required column(s): a, b (found: x, y)", or None when all are there."""
    found = [str(c) for c in columns]
    missing = [c for c in required if c not in found]
    if not missing:
        return None
    return f"{what} is missing required column(s): {', '.join(missing)} (found: {', '.join(found) or 'none'})"
