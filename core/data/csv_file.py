"""A CSV file's bytes read strictly as text: UTF-8 (with or without a byte-order mark) or UTF-16
with a byte-order mark; anything else is refused with where it goes wrong, never guessed at.

A byte that is not UTF-8 is never replaced (no U+FFFD stored in place of an accented letter),
archives and images are refused as "not a text CSV file", and the rows come back exactly as the
file has them (a duplicate column name is the caller's to refuse: nothing is renamed).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

# Signatures of files that are certainly not CSV text, with what they are.
_BINARY_SIGNATURES = [
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook is one)"),
    (b"PK\x05\x06", "a zip archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"PAR1", "a parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document"),
    (b"7z\xbc\xaf", "a 7-zip archive"),
]
_UTF16_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Characters no CSV cell should hold: C0 controls except tab, line feed and carriage return; DEL.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same, as bytes of UTF-8 text (where they are never part of a longer character): a file
# without one has no cell to search.
CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class NotCsvText(ValueError):
    """The bytes are not a text CSV file; the message says why and where."""


def read_bytes(source: str | Path | bytes | io.IOBase) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise NotCsvText(f"cannot read {source}: {exc.strerror or exc}") from exc
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> str:
    """The text of a CSV file's bytes, or NotCsvText naming the problem (byte offset and line)."""
    return "".join(decode_pieces(data))


def decode_pieces(data: bytes, size: int = 1 << 20) -> Iterator[str]:
    """``decode(data)`` in pieces of about ``size`` bytes that end just after a line feed: the
    same text, and the same NotCsvText, raised before the first piece. (The whole text of a
    50 MB file is one string of 100 to 200 MB.)"""
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise NotCsvText(f"not a text CSV file: it is {what}")
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding).removeprefix("\ufeff")
            except UnicodeDecodeError as exc:
                raise NotCsvText(
                    f"not valid {encoding.upper()} text at byte offset {exc.start}; save the file as CSV UTF-8"
                ) from exc
            yield text
            return
    head = data[:4096]
    if head and head.count(b"\x00") * 10 >= len(head) * 9:
        raise NotCsvText("not a text CSV file: it is NUL bytes")
    if len(head) >= 4 and head.count(b"\x00") * 3 >= len(head):
        if head[1::2].count(b"\x00") * 2 >= len(head[1::2]) or head[0::2].count(b"\x00") * 2 >= len(
            head[0::2]
        ):
            raise NotCsvText("looks like UTF-16 text without a byte-order mark; save the file as CSV UTF-8")
        raise NotCsvText("not a text CSV file: it is mostly NUL bytes")
    # UTF-8, its byte-order mark dropped. A line feed byte is never part of a longer character,
    # so pieces cut after one decode (and fail) exactly as the whole does.
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    pieces, start = [], bom
    while start < len(data):
        end = data.find(b"\n", start + size)
        end = len(data) if end < 0 else end + 1
        pieces.append((start, end))
        start = end
    for start, end in pieces:  # every byte checked before any text is given
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            # Offsets as data.decode("utf-8-sig") gave them: from after the byte-order mark.
            offset = start - bom + exc.start
            controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
            if controls * 10 > len(head):
                raise NotCsvText("not a text CSV file: it holds binary data") from exc
            bad = data[offset : offset + 1].hex().upper()
            raise NotCsvText(
                f"not UTF-8 text: byte 0x{bad} at byte offset {offset} (line {_line_of(data, offset)}) "
                "is not UTF-8 (Latin-1 or Windows-1252?); save the file as CSV UTF-8 "
                "(in Excel: Save As, “CSV UTF-8 (Comma delimited)”)"
            ) from exc
    for start, end in pieces:
        yield data[start:end].decode("utf-8")


def rows(text: str) -> list[list[str]]:
    """Every record of the text, blank lines as [] so that index + 1 is the spreadsheet row."""
    return [record for block in record_blocks([text], 1 << 16) for record in block]


def record_blocks(pieces: Iterable[str], size: int) -> Iterator[list[list[str]]]:
    """``rows`` of the text given in pieces that each end a line (``decode_pieces``), ``size``
    records at a time: a big file's cells need not all be Python strings at once (and no Python
    code runs per record). NotCsvText where the text stops being CSV."""
    reader = csv.reader(itertools.chain.from_iterable(map(_lines, pieces)), strict=True)
    while True:
        try:
            block = list(itertools.islice(reader, size))
        except csv.Error as exc:
            raise NotCsvText(f"cannot read the file as CSV at line {reader.line_num}: {exc}") from exc
        if not block:
            return
        yield block


def _lines(text: str, chunk: int = 1 << 20) -> Iterator[str]:
    """The lines ``io.StringIO(text, newline="")`` yields (ends kept, split at \\n, \\r or \\r\\n),
    read a megabyte at a time: one StringIO of a 50 MB file holds 200 MB (4 bytes a character).
    Chunks end just after a \\n, so no line and no \\r\\n is ever cut in two."""
    return itertools.chain.from_iterable(io.StringIO(text[a:b], newline="") for a, b in _chunks(text, chunk))


def _chunks(text: str, size: int) -> Iterator[tuple[int, int]]:
    start = 0
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end + 1
        yield start, end
        start = end
