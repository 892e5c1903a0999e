"""Headline text: cleaning for the model, normalising for leakage checks, validation."""

from __future__ import annotations

import html
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TAG = re.compile(r"<[^>]*>")
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Markup that only formats text (Ars titles carry <em>); anything else is suspicious.
_INLINE_TAG = re.compile(r"^</?(em|i|b|strong|span|br|sup|sub)\b[^>]*>$", re.IGNORECASE)
_BREAK_TAG = re.compile(r"^</?br\b", re.IGNORECASE)
# A character reference as html.unescape reads one: &amp; &#38; &#x26; (the ';' optional for some).
_REFERENCE = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def _drop_tag(match: re.Match) -> str:
    # Inline formatting sits inside a sentence ("<em>Fargo</em>’s"): remove it without a gap.
    # Any other tag (<br>, <p>, <script>) may separate words, so it becomes a space.
    tag = match.group(0)
    return "" if _INLINE_TAG.match(tag) and not _BREAK_TAG.match(tag) else " "


def clean_headline(raw: object) -> str:
    """Plain text the model sees: entities decoded, tags removed, spaces collapsed."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    text = str(raw)
    if "<" in text:
        text = _TAG.sub(_drop_tag, text)
    text = html.unescape(text)
    # str.split() splits on exactly what \s matches (str.isspace): runs collapsed, ends dropped,
    # several times faster than a regex substitution on every space of a big import.
    cleaned = " ".join(text.split())
    return text if cleaned == text else cleaned  # most are clean: one string in memory, not two


def normalise_headline(raw: object) -> str:
    """Key for near-identical headlines: case folded, letters (of any script, with their accents)
    and digits only, one space between words: "Owls WIN!" and "owls win" share a key.

    A headline of no letter or digit at all ("!!!", "🐙🐙") keys as its own folded text, so two
    such headlines are told apart rather than both keyed "".
    """
    text = unicodedata.normalize("NFC", clean_headline(raw)).casefold()
    if text.isascii():
        key = _NON_WORD.sub(" ", text).strip()
    else:
        key = " ".join("".join(c if _is_word(c) else " " for c in text).split())
    return key or text


def _is_word(character: str) -> bool:
    # A mark (an accent, an Indic vowel sign) belongs to the letter before it.
    return character.isalnum() or unicodedata.category(character).startswith("M")


# Every character str.isspace (and so str.split and \s) counts as a space: all below U+3001.
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# What clean_headline may change: markup, entities, a space that is not " ", two spaces, a space
# at either end. A headline without any of these is its own clean text.
_NOT_CLEAN = "[<&" + _SPACES.replace(" ", "") + "]|  |^ | $"  # literal characters: Python re and RE2 alike


def clean_headlines(headlines: pd.Series) -> pd.Series:
    """``clean_headline`` of every headline, a column at a time: equal, element for element, to
    ``headlines.map(clean_headline)`` (as text); only the headlines it would change go through it."""
    text = headlines.astype("str")
    dirty = text.str.contains(_NOT_CLEAN, regex=True).to_numpy(dtype=bool, na_value=True)
    if dirty.any():
        text = text.copy()
        text[dirty] = [clean_headline(raw) for raw in headlines[dirty]]
    return text


# What normalise_headline cannot do a column at a time (an RE2 pattern, for pyarrow): markup and
# entities (cleaned first), and any character beyond ASCII that may be part of a word: a letter,
# a digit or a mark of any script. The bytes of the others (punctuation, symbols, spaces,
# controls) are never letters or digits, as the key treats them.
_NOT_PLAIN = r"[<&]|[^\x00-\x7f\p{P}\p{S}\p{Z}\p{C}]"
_KEY_BLOCK = 1 << 16  # headlines per block of the byte arrays (a few MB each)


def normalise_headlines(headlines: pd.Series) -> pd.Series:
    """``normalise_headline`` of every headline, a column at a time: equal, element for element,
    to ``headlines.map(normalise_headline)``, ten times faster on a big import.

    Headlines of ASCII letters and digits (with any punctuation, symbols or spaces) and without
    markup or entities are keyed from their UTF-8 bytes with numpy: cleaning them changes only
    spaces, which the key turns to one space anyway, and their other bytes are never letters or
    digits. The rest (a letter, digit or mark beyond ASCII; a key that comes out empty; anything
    not text) go through ``normalise_headline`` one by one.
    """
    if not pd.api.types.is_string_dtype(headlines) or headlines.isna().any():
        return headlines.map(normalise_headline)
    array = pa.array(headlines.astype("str"))
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]  # concatenated frames
    keys = [
        _keys(chunk.slice(start, _KEY_BLOCK).cast(pa.large_string()))
        for chunk in chunks
        for start in range(0, len(chunk), _KEY_BLOCK)
    ]
    return pd.Series(
        pd.array(pa.chunked_array(keys, type=pa.large_string()), dtype="str"), index=headlines.index
    )


def _keys(block: pa.LargeStringArray) -> pa.LargeStringArray:
    keys = _ascii_keys(block)
    # An empty key: the headline's own text instead, unless it is blank (normalise_headline).
    slow = pc.or_(pc.match_substring_regex(block, _NOT_PLAIN), pc.equal(pc.binary_length(keys), 0))
    if pc.any(slow).as_py():  # a block at a time: never a copy of the whole column
        values = [normalise_headline(raw) for raw in pc.filter(block, slow).to_pylist()]
        keys = pc.replace_with_mask(keys, slow, pa.array(values, type=pa.large_string()))
    return keys


def _ascii_keys(array: pa.LargeStringArray) -> pa.LargeStringArray:
    """The key of each string from its bytes: A-Z lowered, letters and digits kept, every run of
    other bytes one space, none at either end."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    first, last = int(offsets[0]), int(offsets[-1])
    data = (
        np.frombuffer(array.buffers()[2], dtype=np.uint8)[first:last]
        if last > first
        else np.empty(0, np.uint8)
    )
    offsets, lengths = offsets - first, np.diff(offsets)
    lower = data + ((data - 65) < 26).view(np.uint8) * np.uint8(32)  # uint8 arithmetic wraps
    word = ((lower - 48) < 10) | ((lower - 97) < 26)
    after_word = np.zeros(len(data), dtype=bool)
    after_word[1:] = word[:-1]
    after_word[offsets[:-1][lengths > 0]] = False  # a string's first byte follows none of its own
    keep = word | after_word  # letters and digits, and the first byte of each run of others
    out = np.where(word, lower, np.uint8(32))[keep]
    sizes = np.diff(np.searchsorted(np.flatnonzero(keep), offsets))  # bytes kept per string
    ends = np.cumsum(sizes) - 1
    trailing = (sizes > 0) & (out[np.maximum(ends, 0)] == 32) if len(out) else np.zeros(len(sizes), bool)
    if trailing.any():  # a run of others at the end: its space goes
        out = np.delete(out, ends[trailing])
        sizes[trailing] -= 1
    new_offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(
        len(array), pa.py_buffer(new_offsets), pa.py_buffer(out.tobytes())
    )


def markup_tags(raw: str) -> list[str]:
    """Tags in the text that are more than inline formatting (e.g. <script>)."""
    return [t for t in _TAG.findall(raw or "") if not _INLINE_TAG.match(t)]


def formatting_tags(raw: str) -> list[str]:
    """Inline formatting tags in the text (<b>, </em>), which ``clean_headline`` drops."""
    return [t for t in _TAG.findall(raw or "") if _INLINE_TAG.match(t)]


def character_references(raw: str) -> dict[str, str]:
    """Each HTML character reference in the text that ``clean_headline`` decodes, with what it
    becomes: {"&amp;": "&"}; in the order they first appear."""
    found = (m.group(0) for m in _REFERENCE.finditer(raw or ""))
    return {ref: html.unescape(ref) for ref in found if html.unescape(ref) != ref}


def headline_changes(raw: str) -> list[str]:
    """What ``clean_headline`` changes in the text, each in plain words, for a note beside the
    plain text kept: ["its markup (<script>, </script>) is dropped", "“&amp;” is read as “&”"].
    Spacing is not named (it never changes what a reader sees)."""
    changes = []
    if markup := markup_tags(raw):
        changes.append(f"its markup ({', '.join(markup)}) is dropped")
    if formatting := formatting_tags(raw):
        changes.append(f"its formatting ({', '.join(formatting)}) is dropped")
    for reference, character in character_references(raw).items():
        changes.append(f"“{reference}” is read as {'a space' if character.isspace() else f'“{character}”'}")
    return changes


def headline_problems(raw: object, max_chars: int = 300) -> list[str]:
    """Reasons a headline cannot be scored or stored; empty when it is fine."""
    text = clean_headline(raw)
    if not text:
        return ["empty headline"]
    if len(text) > max_chars:
        return [f"headline too long ({len(text)} characters, at most {max_chars})"]
    return []


MAX_NAME_CHARS = 100  # a person's name as stored (created_by, recorded_by, by: String(100) columns)


def name_problem(name: object) -> str | None:
    """Why a person's name (who saved, recorded, deleted or promoted) cannot be stored, or None.
    Empty is fine here; where a name is required, the caller says so."""
    text = str(name or "").strip()
    if len(text) > MAX_NAME_CHARS:
        return f"the name is {len(text):,} characters long; at most {MAX_NAME_CHARS} fit"
    if any(not c.isprintable() for c in text):
        return "the name has a line break or another control character"
    return None
