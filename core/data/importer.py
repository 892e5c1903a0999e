"""Import A/B files into the database, and the ``python -m core import`` command.

``import_file`` reads one file with core.data.loaders (the archives) or core.data.outcomes_csv
and stores its tests; importing the same bytes again, or tests already stored from another file,
adds nothing.
``ensure_base_corpus`` imports the bundled Upworthy archive once; the app calls it at start,
after ``db.migrate.upgrade``.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.basics.arms import LoadReport
from core.basics.settings import Settings
from core.basics.words import noun_for, plural
from core.data.loaders import Loaded, load_ars, load_upworthy
from core.data.outcomes_csv import load_outcomes
from db.engine import get_sessionmaker
from db.imports import ImportResult, find_import, import_arms

FORMATS = ("upworthy", "ars", "outcomes")
# Columns that only one format has, for files whose name says nothing.
_FORMAT_COLUMNS = {"clickability_test_id": "upworthy", "title_a": "ars", "test_id": "outcomes"}


@dataclass(frozen=True)
class FileImport:
    result: ImportResult
    report: LoadReport  # empty when the file was imported before (it is not read again)
    filename: str
    fmt: str
    sha256: str


def import_file(
    session: Session, source: str | Path | bytes, fmt: str, filename: str | None = None
) -> FileImport:
    """Import a file (a path, or the bytes of an upload) in format upworthy | ars | outcomes.

    Raises DataFormatError when the file cannot be read as that format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    filename = filename or (Path(source).name if not isinstance(source, bytes) else "upload")
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = find_import(session, sha256)
    if earlier is not None:  # don't parse what is known
        return FileImport(ImportResult(0, 0, True, import_id=earlier.id), LoadReport(), filename, fmt, sha256)
    loaded = _load(source, data, fmt, filename)
    del data  # 50 MB for a big file, no longer needed while the arms are written
    result = import_arms(session, loaded.arms, fmt, filename, sha256, loaded.report)
    return FileImport(result, loaded.report, filename, fmt, sha256)


def _load(source: str | Path | bytes, data: bytes, fmt: str, filename: str) -> Loaded:
    if fmt == "outcomes":
        return load_outcomes(data)
    loader = load_upworthy if fmt == "upworthy" else load_ars
    if not isinstance(source, bytes):
        return loader(source)
    # These loaders read a path (Upworthy picks parquet or CSV by its suffix): write the
    # upload under its own name, so messages name the file the editor knows.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(filename).name or "upload.csv")
        path.write_bytes(data)
        return loader(path)


def guess_format(filename: str, data: bytes | None = None) -> str | None:
    """Format from the file name, else from the CSV header; None when neither tells."""
    name = Path(filename).name.lower()
    if name.endswith(".parquet") or "upworthy" in name:
        return "upworthy"
    if (
        re.search(r"(^|[^a-z])ars([^a-z]|$)", name)
        or "arsheadlines" in name
        or name == "formatted_headlines.csv"
    ):
        return "ars"
    if "outcome" in name:
        return "outcomes"
    if data is None:
        return None
    try:
        columns = pd.read_csv(io.BytesIO(data), nrows=0, encoding_errors="replace").columns
    except (ValueError, UnicodeDecodeError):
        return None
    for column in (str(c).strip() for c in columns):
        if column in _FORMAT_COLUMNS:
            return _FORMAT_COLUMNS[column]
    return None


def import_once(
    settings: Settings, source: str | Path | bytes, fmt: str, filename: str | None = None
) -> FileImport:
    """``import_file`` in its own transaction, safe when several processes import the same file at
    once: the one that loses the race on imports.sha256 rolls back whole and reports the file as
    imported before (it was, by the winner), never an error."""
    Session = get_sessionmaker(settings)
    try:
        with Session.begin() as session:
            return import_file(session, source, fmt, filename)
    except (IntegrityError, OperationalError):
        # Another process imported it between our check and our insert; theirs counts. (With
        # SQLite a writer that lost may also see "database is locked"; the retry reads theirs.)
        with Session.begin() as session:
            return import_file(session, source, fmt, filename)


def base_corpus_imported(settings: Settings) -> bool:
    """Whether the bundled archive is in the database (the file is hashed, not parsed)."""
    digest = hashlib.sha256(Path(settings.upworthy_parquet).read_bytes()).hexdigest()
    with get_sessionmaker(settings).begin() as session:
        return find_import(session, digest) is not None


def ensure_base_corpus(settings: Settings) -> ImportResult:
    """Import the bundled Upworthy archive unless it is in the database already (cheap then:
    the file is hashed, not parsed). Run ``db.migrate.upgrade(settings)`` first."""
    return import_once(settings, settings.upworthy_parquet, "upworthy").result


def describe(imported: FileImport) -> list[str]:
    """What an import did, in lines for the terminal or a page."""
    result, report = imported.result, imported.report
    if result.already_imported:
        return [f"{imported.filename} was imported before (same contents): nothing added."]
    lines = [
        f"{imported.filename} ({imported.fmt}): {plural(report.rows_read, 'row')} read, "
        f"{plural(result.tests_added, 'test')} and {plural(result.arms_added, 'arm')} added."
    ]
    if result.tests_existing:
        lines.append(
            f"{plural(result.tests_existing, 'test')} {noun_for(result.tests_existing, 'was', 'were')} "
            "already in the database and not added again."
        )
    if report.n_skipped:
        lines.append(f"{plural(report.n_skipped, 'row')} skipped:")
        lines.extend(f"  {line}" for line in report.summary())
    if report.changed:
        lines.append(f"{plural(len(report.changed), 'headline')} stored as plain text:")
        lines.extend(f"  {line}" for line in report.changes_summary())
    return lines
