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
import re
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
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise NotCsvText(f"not a text CSV file: it is {what}")
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).removeprefix("\ufeff")
            except UnicodeDecodeError as exc:
                raise NotCsvText(
                    f"not valid {encoding.upper()} text at byte offset {exc.start}; save the file as CSV UTF-8"
                ) from exc
    head = data[:4096]
    if head and head.count(b"\x00") * 10 >= len(head) * 9:
        raise NotCsvText("not a text CSV file: it is NUL bytes")
    if len(head) >= 4 and head.count(b"\x00") * 3 >= len(head):
        if head[1::2].count(b"\x00") * 2 >= len(head[1::2]) or head[0::2].count(b"\x00") * 2 >= len(
            head[0::2]
        ):
            raise NotCsvText("looks like UTF-16 text without a byte-order mark; save the file as CSV UTF-8")
        raise NotCsvText("not a text CSV file: it is mostly NUL bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
        if controls * 10 > len(head):
            raise NotCsvText("not a text CSV file: it holds binary data") from exc
        bad = data[exc.start : exc.start + 1].hex().upper()
        raise NotCsvText(
            f"not UTF-8 text: byte 0x{bad} at byte offset {exc.start} (line {_line_of(data, exc.start)}) "
            "is not UTF-8 (Latin-1 or Windows-1252?); save the file as CSV UTF-8"
        ) from exc


def rows(text: str) -> list[list[str]]:
    """Every record of the text, blank lines as [] so that index + 1 is the spreadsheet row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(reader)
    except csv.Error as exc:
        raise NotCsvText(f"cannot read the file as CSV at line {reader.line_num}: {exc}") from exc
