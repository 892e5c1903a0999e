"""Headline text: cleaning for the model, normalising for leakage checks, validation."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Markup that only formats text (Ars titles carry <em>); anything else is suspicious.
_INLINE_TAG = re.compile(r"^</?(em|i|b|strong|span|br|sup|sub)\b[^>]*>$", re.IGNORECASE)
_BREAK_TAG = re.compile(r"^</?br\b", re.IGNORECASE)


def _drop_tag(match: re.Match) -> str:
    # Inline formatting sits inside a sentence ("<em>Fargo</em>’s"): remove it without a gap.
    # Any other tag (<br>, <p>, <script>) may separate words, so it becomes a space.
    tag = match.group(0)
    return "" if _INLINE_TAG.match(tag) and not _BREAK_TAG.match(tag) else " "


def clean_headline(raw: object) -> str:
    """Plain text the model sees: entities decoded, tags removed, spaces collapsed."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    text = html.unescape(_TAG.sub(_drop_tag, str(raw)))
    return _SPACE.sub(" ", text).strip()


def normalise_headline(raw: object) -> str:
    """Key for near-identical headlines: lower case, letters and digits only."""
    return _NON_WORD.sub(" ", clean_headline(raw).lower()).strip()


def markup_tags(raw: str) -> list[str]:
    """Tags in the text that are more than inline formatting (e.g. <script>)."""
    return [t for t in _TAG.findall(raw or "") if not _INLINE_TAG.match(t)]


def headline_problems(raw: object, max_chars: int = 300) -> list[str]:
    """Reasons a headline cannot be scored or stored; empty when it is fine."""
    text = clean_headline(raw)
    if not text:
        return ["empty headline"]
    if len(text) > max_chars:
        return [f"headline too long ({len(text)} characters, at most {max_chars})"]
    return []
