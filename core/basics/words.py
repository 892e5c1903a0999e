"""Counts in words: "1 test", "2 tests"; one home for every message that counts something."""

from __future__ import annotations


def noun_for(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``noun`` when ``count`` is exactly one, else its plural (``noun`` + "s" unless given)."""
    return noun if count == 1 else (plural_noun or f"{noun}s")


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``count`` with thousands separators, then the noun in the form the count needs."""
    return f"{count:,} {noun_for(count, noun, plural_noun)}"


def roughly(count: int, digits: int = 2) -> int:
    """``count`` to ``digits`` significant digits (201,501 -> 200,000; 93,220 -> 93,000): for an
    estimate, whose last digits would claim a precision it does not have."""
    if count == 0:
        return 0
    magnitude = len(str(abs(int(count)))) - digits
    return int(round(count, -magnitude)) if magnitude > 0 else int(count)


def article_for(number: str) -> str:
    """The article before a number as it is read aloud: "an 81%", "an 11%", "an 8%", "a 60%"."""
    return "an" if number.startswith(("8", "11", "18")) else "a"
