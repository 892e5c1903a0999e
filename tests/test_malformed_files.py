"""Malformed outcomes files through both doors: ``python -m core import FILE --format outcomes``
and the Record outcome upload (load_outcomes + plan_upload). Each is refused whole, with a message
naming what is wrong and where, and the database is left as it was. Also: imports of one file at
once are idempotent, and CSV exports neutralise formulas."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.basics.settings import load_settings
from core.basics.tables import csv_bytes, spreadsheet_safe
from core.cli.main import main
from core.data import csv_file
from core.data import importer as data_importer
from core.data.loaders import DataFormatError
from core.data.outcomes_csv import RowsRefused, load_outcomes
from core.newsroom.history import EXPORT_COLUMNS, export_csv
from core.newsroom.upload import plan_upload, record_upload
from db import experiments
from db import imports as db_imports
from db.engine import get_sessionmaker, transaction
from db.migrate import upgrade
from db.schema import Arm, Import, Outcome, Test
from tests.databases import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent
HEADER = "test_id,headline,impressions,clicks\n"
GOOD = "t0,Alpha wins,100,10\nt0,Beta wins,100,12\n"  # rows 2 and 3


def rows(*lines: str) -> bytes:
    """HEADER, the good test t0 (rows 2-3), a good first arm of t1 (row 4), then ``lines`` (row 5 on)."""
    return (HEADER + GOOD + "t1,Gamma wins,100,10\n" + "".join(f"{line}\n" for line in lines)).encode()


def arm(impressions: str, clicks: str, headline: str = "Delta wins", test: str = "t1") -> bytes:
    return rows(f"{test},{headline},{impressions},{clicks}")


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("outcomes.csv", HEADER + GOOD)
    return buffer.getvalue()


TEXT = HEADER + GOOD + "t1,Gamma wins,100,10\nt1,Delta wins,100,11\n"

# name -> (bytes, fragments the message must hold). Row 5 is the bad row unless said otherwise.
CORPUS: dict[str, tuple[bytes, list[str]]] = {
    # counts of every kind, per column
    "impressions-text": (arm("12a", "5"), ["row 5, column impressions", "is not a number ('12a')"]),
    "impressions-empty": (arm("", "5"), ["row 5, column impressions", "missing"]),
    "impressions-negative": (arm("-3", "5"), ["row 5, column impressions", "must not be negative (-3)"]),
    "impressions-fraction": (arm("1.5", "1"), ["row 5, column impressions", "must be a whole number (1.5)"]),
    "impressions-inf": (arm("inf", "1"), ["row 5, column impressions", "not a finite number (inf)"]),
    "impressions-nan": (arm("nan", "1"), ["row 5, column impressions", "is not a number ('nan')"]),
    "impressions-1e30": (arm("1e30", "1"), ["row 5, column impressions", "written out in full (1e30)"]),
    "impressions-dot": (
        arm("12.000", "1"),
        ["row 5, column impressions", "ambiguous (12.000): is it 12,000 or 12?"],
    ),
    "impressions-comma": (
        arm('"1,5"', "1"),  # quoted, as a spreadsheet writes it
        ["row 5, column impressions", "a comma may only separate thousands"],
    ),
    "impressions-huge-int": (arm("9" * 25, "1"), ["row 5, column impressions", "is too large"]),
    "impressions-a-trillion": (  # 13 digits: past the plain-number fast path's 12
        arm("1000000000000", "1"),
        ["row 5, column impressions", "is too large (1000000000000): a headline test has far fewer"],
    ),
    "impressions-zero": (arm("0", "0"), ["row 5, column impressions", "must be above 0"]),
    "clicks-text": (arm("100", "lots"), ["row 5, column clicks", "is not a number ('lots')"]),
    "clicks-empty": (arm("100", ""), ["row 5, column clicks", "missing"]),
    "clicks-negative": (arm("100", "-1"), ["row 5, column clicks", "must not be negative (-1)"]),
    "clicks-fraction": (arm("100", "2.5"), ["row 5, column clicks", "must be a whole number (2.5)"]),
    "clicks-inf": (arm("100", "-inf"), ["row 5, column clicks", "not a finite number (-inf)"]),
    "clicks-1e30": (arm("100", "1e30"), ["row 5, column clicks", "written out in full (1e30)"]),
    "clicks-above-impressions": (
        arm("100", "101"),
        ["row 5, column clicks", "clicks (101) above impressions (100)"],
    ),
    # headlines and ids
    "headline-empty": (arm("100", "5", ""), ["row 5, column headline", "empty headline"]),
    "headline-blank": (arm("100", "5", "   "), ["row 5, column headline", "empty headline"]),
    "headline-only-markup": (
        arm("100", "5", "<script></script>"),
        ["row 5, column headline", "empty headline"],
    ),
    "headline-huge": (arm("100", "5", "word " * 2000), ["row 5, column headline", "headline too long"]),
    "test-id-empty": (rows(" ,Delta wins,100,5"), ["row 5, column test_id", "empty test id"]),
    "date-bad": (
        (HEADER.strip() + ",date\nt0,A,10,1,2024-01-02\nt0,B,10,1,2024-13-45\n").encode(),
        ["row 3, column date", "not a date"],
    ),
    "too-many-cells": (
        rows("t1,Delta wins,100,5,extra"),
        ["row 5", "5 cells but the header names 4 columns"],
    ),
    # control characters
    "nul-in-headline": (arm("100", "5", "Delta\x00 wins"), ["row 5, column headline", "U+0000"]),
    "nul-in-clicks": (arm("100", "5\x00"), ["row 5, column clicks", "U+0000"]),
    "bell-in-headline": (arm("100", "5", "Delta\x07 wins"), ["row 5, column headline", "U+0007"]),
    "escape-in-test-id": (arm("100", "5", test="t\x1b1"), ["row 5, column test_id", "U+001B"]),
    "del-in-headline": (arm("100", "5", "Delta\x7f"), ["row 5, column headline", "U+007F"]),
    # tests that are not tests
    "duplicate-headline": (
        rows("t1,Gamma wins,100,11"),
        ["test t1, rows 4, 5, column headline", "same headline"],
    ),
    "normalised-duplicate": (
        rows("t1,gamma WINS!,100,11"),
        ["rows 4, 5, column headline", "“Gamma wins” / “gamma WINS!”"],
    ),
    "one-arm-test": (rows(), ["test t1, row 4", "only one headline"]),
    "all-one-arm": ((HEADER + "a,One,10,1\nb,Two,10,1\n").encode(), ["test a, row 2", "test b, row 3"]),
    # encodings
    "latin-1": (
        TEXT.replace("Delta", "Caf\u00e9").encode("latin-1"),
        ["not UTF-8", "byte offset 104 (line 5)", "Save As, “CSV UTF-8 (Comma delimited)”"],
    ),
    "windows-1252-quote": (
        ("\u201cQuoted\u201d".join(TEXT.split("Delta"))).encode("cp1252"),
        ["not UTF-8", "(line 5)"],
    ),
    "utf-8-truncated": (TEXT.encode() + b"t2,Caf\xc3", ["not UTF-8", "(line 6)"]),
    "utf-16-le-no-bom": (TEXT.encode("utf-16-le"), ["UTF-16", "without a byte-order mark"]),
    "utf-16-be-no-bom": (TEXT.encode("utf-16-be"), ["UTF-16", "without a byte-order mark"]),
    "utf-16-bom-bad-row": (
        (HEADER + GOOD + "t1,Gamma wins,100,10\nt1,Delta wins,100,101\n").encode("utf-16"),
        ["row 5, column clicks", "clicks (101) above impressions (100)"],
    ),
    "utf-16-bom-broken": (TEXT.encode("utf-16") + b"\x00", ["not valid UTF-16", "byte offset"]),
    # not text at all
    "zip": (zip_bytes(), ["not a text CSV file", "zip archive"]),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ["not a text CSV file", "PNG image"]),
    "gzip": (gzip.compress(TEXT.encode()), ["not a text CSV file", "gzip"]),
    "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", ["not a text CSV file", "PDF"]),
    "random-binary": (bytes((i * 97 + 13) % 256 for i in range(4096)), ["not a text CSV file"]),
    "all-nul": (b"\x00" * 1000, ["not a text CSV file"]),
    # structure
    "empty": (b"", ["the file is empty"]),
    "blank-lines": (b"\n\r\n  \n", ["the file is empty"]),
    "header-only": (HEADER.encode(), ["header but no rows"]),
    "header-and-blank-lines": ((HEADER + "\n\n").encode(), ["header but no rows"]),
    "semicolons": (
        TEXT.replace(",", ";").encode(),
        ["missing required columns", "separated by semicolons: save it with commas", "CSV UTF-8"],
    ),
    "one-long-garbage-header": (
        b"D" * 5000 + b"\n" + b"x" * 10 + b"\n",
        ["missing required columns", "(found: " + "D" * 39 + "…)"],
    ),
    "many-columns": (
        (",".join(f"c{i}" for i in range(40)) + "\n" + ",".join("1" * 40) + "\n").encode(),
        ["(found: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 and 28 more)"],
    ),
    "missing-column": (
        b"test_id,headline,impressions\nt1,A,10\nt1,B,10\n",
        ["missing required column: clicks"],
    ),
    "missing-columns": (
        b"test_id,title,clicks\nt1,A,1\n",
        ["missing required columns: headline, impressions"],
    ),
    "duplicate-column": (
        b"test_id,headline,impressions,clicks,clicks\nt1,A,10,1,9\nt1,B,10,1,9\n",
        ["column clicks appears more than once"],
    ),
    "duplicate-columns-padded": (
        b"test_id, headline ,headline,impressions,clicks\nt1,A,B,10,1\n",
        ["column headline appears more than once"],
    ),
    "unterminated-quote": ((HEADER + 't1,"Delta wins,100,5\n').encode(), ["cannot read the file as CSV"]),
    "stray-quote": ((HEADER + 't1,"Delta" wins,100,5\n').encode(), ["cannot read the file as CSV", "line 2"]),
}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """One migrated database holding one good import, shared by the corpus (nothing may change it)."""
    folder = tmp_path_factory.mktemp("malformed")
    settings = load_settings(database_url=fresh_database_url(folder, "lab.db"))
    upgrade(settings)
    good = folder / "good.csv"
    good.write_text(TEXT)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEADLINE_LAB_DATABASE_URL", settings.sqlalchemy_url)
        assert main(["import", str(good), "--format", "outcomes"]) == 0
    return settings


def snapshot(settings) -> tuple:
    """Everything an import or an upload could write: row counts and every arm."""
    with get_sessionmaker(settings).begin() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(m)) for m in (Import, Test, Arm, Outcome)
        )
        arms = session.execute(select(Arm.headline, Arm.impressions, Arm.clicks).order_by(Arm.id)).all()
    return counts, arms


def cli_import(settings, path: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("HEADLINE_LAB_DATABASE_URL", settings.sqlalchemy_url)
    code = main(["import", str(path), "--format", "outcomes"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("name", list(CORPUS))
def test_malformed_file_is_refused_whole_by_the_command_line_and_the_app(
    name, database, tmp_path, monkeypatch, capsys
):
    data, fragments = CORPUS[name]
    before = snapshot(database)

    # the app's door
    with pytest.raises(DataFormatError) as refused:
        plan_upload(load_outcomes(data, source_name="csv").arms, {})
    app_message = str(refused.value)
    for fragment in fragments:
        assert fragment in app_message, app_message

    # the command line's door: exit 2, one line on stderr, the same words, nothing written
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    code, out, err = cli_import(database, path, monkeypatch, capsys)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert app_message in err
    assert snapshot(database) == before


def test_row_problems_list_every_problem_in_row_order():
    data = rows("t1,Delta,100,101", "t2,,0,5", "t2,Eps,5,x")
    with pytest.raises(RowsRefused) as refused:
        load_outcomes(data)
    assert refused.value.problems == [
        "row 5, column clicks: clicks (101) above impressions (100)",
        "row 6, column headline: empty headline",
        "row 6, column impressions: impressions must be above 0",
        "row 7, column clicks: clicks is not a number ('x')",
    ]


def test_a_test_with_a_bad_row_is_not_half_stored_and_the_corrected_file_imports(
    database, tmp_path, monkeypatch, capsys
):
    """Audit #1: a bad row of test t9 used to be skipped, t9 stored with one arm, and the
    corrected file then added nothing ("already in the database")."""
    bad = tmp_path / "t9.csv"
    bad.write_text(HEADER + "t9,Owls win,100,10\nt9,Owls lose,100,500\nt8,Cats win,10,1\nt8,Dogs win,10,2\n")
    before = snapshot(database)
    code, _, err = cli_import(database, bad, monkeypatch, capsys)
    assert code == 2 and "row 3, column clicks: clicks (500) above impressions (100)" in err
    assert snapshot(database) == before  # no imports row, no t8 either: the file is refused whole

    fixed = tmp_path / "t9-fixed.csv"
    fixed.write_text(bad.read_text().replace(",500", ",50"))
    code, out, _ = cli_import(database, fixed, monkeypatch, capsys)
    assert code == 0 and "2 tests and 4 arms added" in out
    with get_sessionmaker(database).begin() as session:
        t9 = session.scalar(select(Test).where(Test.external_id == "outcomes:t9"))
        assert [(a.headline, a.clicks) for a in t9.arms] == [("Owls win", 10), ("Owls lose", 50)]


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_file_read_in_small_pieces_reads_as_one_piece(name):
    """A big file is decoded and split into records a megabyte at a time: pieces of any size
    give the same records, or the same refusal, as one piece (cut inside a character, a \\r\\n
    or a quoted cell, they would not)."""

    def read(size: int) -> tuple:
        try:
            blocks = csv_file.record_blocks(csv_file.decode_pieces(data, size), 2)
            return "records", [record for block in blocks for record in block]
        except csv_file.NotCsvText as exc:
            return "refused", str(exc)

    for bom in (b"", codecs.BOM_UTF8):
        data = bom + CORPUS[name][0]
        whole = read(1 << 20)
        for size in (1, 2, 3, 7, 16):
            assert read(size) == whole, size


def test_lines_of_pieces_are_the_lines_of_the_whole_text():
    text = 'a,b\r\n"x\ry",z\n\n\r\r\nq\u2028w,\u0085e\x0c\n"multi\nline",v\r'
    whole = list(io.StringIO(text, newline=""))
    for size in range(1, len(text) + 2):
        assert list(csv_file._lines(text, size)) == whole, size


def test_utf8_with_bom_and_utf16_with_bom_are_read_as_utf8():
    text = HEADER + "t1,Caf\u00e9 \u201cwins\u201d,100,10\nt1,Caf\u00e9 loses,100,5\n"
    expected = ["Caf\u00e9 \u201cwins\u201d", "Caf\u00e9 loses"]
    for data in (text.encode("utf-8-sig"), text.encode("utf-16"), text.encode("utf-8")):
        arms = load_outcomes(data).arms
        assert arms["headline"].tolist() == expected
        assert arms["test_id"].tolist() == ["outcomes:t1", "outcomes:t1"]  # no BOM glued to the id


def test_html_in_a_headline_is_kept_as_text_without_its_tags():
    data = (HEADER + "t1,<b>Owls</b> <script>alert(1)</script> win,100,10\nt1,Owls lose,100,5\n").encode()
    assert load_outcomes(data).arms["headline"].tolist() == ["Owls alert(1) win", "Owls lose"]


# --- one file imported at once ------------------------------------------------------------------


def test_four_processes_importing_one_file_import_it_once(tmp_path):
    """Audit #5: three of four simultaneous imports used to exit 1 with a traceback."""
    settings = load_settings(database_url=fresh_database_url(tmp_path, "race.db"))
    upgrade(settings)
    path = tmp_path / "race.csv"
    path.write_text(TEXT)
    env = {**os.environ, "HEADLINE_LAB_DATABASE_URL": settings.sqlalchemy_url}
    command = [sys.executable, "-m", "core", "import", str(path), "--format", "outcomes"]
    runs = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [(run.wait(), *run.communicate()) for run in runs]

    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    assert not any("Traceback" in err for _, _, err in results)
    outs = [out for _, out, _ in results]
    assert sum("2 tests and 4 arms added" in out for out in outs) == 1, outs
    assert sum("imported before" in out for out in outs) == 3, outs
    assert snapshot(settings)[0] == (1, 2, 4, 0)


def test_an_import_that_loses_the_race_on_the_hash_reports_already_imported(tmp_path, monkeypatch):
    """The race made certain: the second import's check runs before the first commits."""
    settings = load_settings(database_url=fresh_database_url(tmp_path, "lost.db"))
    upgrade(settings)
    first = data_importer.import_once(settings, TEXT.encode(), "outcomes", "a.csv")
    real = db_imports.find_import
    blind = iter([None, None])  # the loser's two checks (import_file, import_arms) miss the winner
    monkeypatch.setattr(data_importer, "find_import", lambda s, h: next(blind, None) or real(s, h))
    monkeypatch.setattr(db_imports, "find_import", lambda s, h: next(blind, None) or real(s, h))

    again = data_importer.import_once(settings, TEXT.encode(), "outcomes", "b.csv")

    assert again.result.already_imported and again.result.import_id == first.result.import_id
    assert snapshot(settings)[0] == (1, 2, 4, 0)


def _store(session, planned_test):
    experiments.create_test(session, planned_test.headlines, created_by="upload")


def test_the_same_upload_recorded_twice_or_at_once_creates_each_test_once(tmp_path):
    """Audit #5: four simultaneous uploads of one CSV used to create four copies of each test."""
    settings = load_settings(database_url=fresh_database_url(tmp_path, "upload.db"))
    upgrade(settings)
    data = TEXT.encode()
    planned, problems = plan_upload(load_outcomes(data, source_name="csv").arms, {})
    assert problems == [] and len(planned) == 2
    start = threading.Barrier(4)
    results: list[bool] = []

    def upload():
        start.wait()
        results.append(record_upload(lambda: transaction(settings), data, "results.csv", planned, _store))

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, False, False, True]
    assert snapshot(settings)[0] == (1, 2, 4, 0)
    assert record_upload(lambda: transaction(settings), data, "again.csv", planned, _store) is False
    assert snapshot(settings)[0] == (1, 2, 4, 0)


def test_an_upload_that_loses_the_race_on_the_hash_writes_nothing(tmp_path, monkeypatch):
    settings = load_settings(database_url=fresh_database_url(tmp_path, "upload-race.db"))
    upgrade(settings)
    data = TEXT.encode()
    planned, _ = plan_upload(load_outcomes(data, source_name="csv").arms, {})
    assert record_upload(lambda: transaction(settings), data, "a.csv", planned, _store) is True
    real = db_imports.find_import
    blind = iter([None])  # the claim's check misses the winner: its insert must fail, not duplicate
    monkeypatch.setattr(db_imports, "find_import", lambda s, h: next(blind, None) or real(s, h))

    assert record_upload(lambda: transaction(settings), data, "b.csv", planned, _store) is False
    assert snapshot(settings)[0] == (1, 2, 4, 0)


# --- CSV exports ----------------------------------------------------------------------------------

FORMULAS = ["=1+2", "+1+2", "-1+2", "@editor", '=HYPERLINK("http://x","click")', "\t=1", "\r=1"]


def test_history_export_writes_formula_like_headlines_as_text():
    """Audit #4: History's CSV export wrote =1+2, @editor and =HYPERLINK(...) raw."""
    judged = pd.DataFrame({column: ["plain"] * len(FORMULAS) for column in EXPORT_COLUMNS})
    judged["predicted_headline"] = FORMULAS
    judged["winner_headline"] = "Owls - the sequel"  # a dash inside is no formula
    judged["p_value"] = -0.5  # numbers are numbers, even negative ones

    exported = pd.read_csv(io.BytesIO(export_csv(judged)), dtype=str, keep_default_na=False)

    assert exported["model_pick"].tolist() == ["'" + f for f in FORMULAS]
    assert set(exported["significant_winner"]) == {"Owls - the sequel"}
    assert set(exported["p_value"]) == {"-0.5"}


def test_spreadsheet_safe_cells():
    assert [spreadsheet_safe(v) for v in ["=x", "a=b", "", 3, -3.5, None]] == [
        "'=x",
        "a=b",
        "",
        3,
        -3.5,
        None,
    ]
    assert csv_bytes(pd.DataFrame({"=h": ["@x"]})).decode() == "'=h\r\n'@x\r\n"


def test_the_plan_names_the_rows_of_the_file_blank_lines_counted():
    data = b"test_id,headline,impressions,clicks\n\n\nP,Owls win,100,10\n\nP,Bats win,100,5\nQ,Cats,50,5\nQ,Dogs,50,4\n"
    loaded = load_outcomes(data, source_name="csv")
    planned, problems = plan_upload(loaded.arms, {}, loaded.rows)
    assert problems == [] and [t.rows for t in planned] == [[4, 6], [7, 8]]  # as a spreadsheet shows them
    assert [t.rows for t in plan_upload(loaded.arms, {})[0]] == [[2, 3], [4, 5]]  # arms from elsewhere
