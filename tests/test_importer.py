import sys

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.basics.settings import load_settings
from core.cli.main import main
from core.data.importer import describe, ensure_base_corpus, guess_format, import_file
from core.data.loaders import DataFormatError, load_upworthy
from db import experiments, imports
from db.engine import get_sessionmaker
from db.migrate import upgrade
from db.schema import Arm, Import, Test
from tests.databases import fresh_database_url

ARS_CSV = b"""ID,title_a,title_b,title_a_impressions,title_b_impressions,title_a_clicks,title_b_clicks,post_date
101,Fast <em>chips</em>,Faster chips,1000,1000,30,45,01/02/2020 10:00:00 AM
102,Good one,,500,500,5,6,01/03/2020 10:00:00 AM
103,Bad clicks,Other,100,100,300,2,01/04/2020 10:00:00 AM
"""
OUTCOMES_CSV = b"""test_id,headline,impressions,clicks
t1,First A,100,10
t1,First B,100,12
"""
# Archive counts of the bundled file: every row is a usable arm.
UPWORTHY_TESTS, UPWORTHY_ARMS = 4216, 19414


def counts(settings) -> tuple[int, int, int]:
    with get_sessionmaker(settings).begin() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Import, Test, Arm))


@pytest.fixture
def db_settings(tmp_path):
    settings = load_settings(database_url=fresh_database_url(tmp_path, "lab.db"))
    upgrade(settings)
    return settings


@pytest.fixture(scope="module")
def base_settings(tmp_path_factory):
    """A database holding the bundled archive, imported once for the module (it takes ~2 s)."""
    settings = load_settings(database_url=fresh_database_url(tmp_path_factory.mktemp("base"), "lab.db"))
    upgrade(settings)
    ensure_base_corpus(settings)
    return settings


def test_the_bundled_archive_imports_with_the_right_counts(base_settings):
    assert counts(base_settings) == (1, UPWORTHY_TESTS, UPWORTHY_ARMS)
    with get_sessionmaker(base_settings).begin() as session:
        record = session.scalar(select(Import))
        assert (record.source, record.filename) == ("upworthy", "upworthy_exploratory.parquet")
        assert (record.tests_added, record.arms_added, record.rows_read, record.rows_skipped) == (
            UPWORTHY_TESTS,
            UPWORTHY_ARMS,
            UPWORTHY_ARMS,
            0,
        )


def test_the_archive_comes_back_from_the_database_as_loaded(base_settings):
    loaded = load_upworthy(base_settings.upworthy_parquet).arms
    # The database keeps tests in order of first appearance and arms in file order within one.
    first_seen = pd.Series(pd.factorize(loaded["test_id"])[0], index=loaded.index)
    expected = loaded.loc[first_seen.sort_values(kind="stable").index].reset_index(drop=True)

    with get_sessionmaker(base_settings).begin() as session:
        frame = imports.arms_frame(session, sources=["upworthy"])

    pd.testing.assert_frame_equal(frame, expected)


def test_ensure_base_corpus_twice_adds_nothing(base_settings):
    result = ensure_base_corpus(base_settings)

    assert result.already_imported and (result.tests_added, result.arms_added) == (0, 0)
    assert counts(base_settings) == (1, UPWORTHY_TESTS, UPWORTHY_ARMS)


def test_import_file_reads_an_ars_upload_and_reports_skipped_rows(db_settings):
    with get_sessionmaker(db_settings).begin() as session:
        imported = import_file(session, ARS_CSV, "ars", "ars_tests.csv")
        test = experiments.get_test(session, "ars:101")
        headlines = [arm.headline for arm in test.arms]

    assert (imported.result.tests_added, imported.result.arms_added) == (1, 2)
    assert headlines == ["Fast chips", "Faster chips"]
    assert imported.report.skipped == {"empty headline": [3], "clicks above impressions": [4]}
    assert describe(imported) == [
        "ars_tests.csv (ars): 3 rows read, 1 test and 2 arms added.",
        "2 rows skipped:",
        "  clicks above impressions: 1 row (row 4)",
        "  empty headline: 1 row (row 3)",
    ]


def test_import_file_names_each_outcomes_headline_stored_as_plain_text(db_settings):
    csv = b"test_id,headline,impressions,clicks\nt1,Fish &amp; chips,100,10\nt1,<b>Eels</b>,100,12\n"
    with get_sessionmaker(db_settings).begin() as session:
        imported = import_file(session, csv, "outcomes", "results.csv")
        headlines = [arm.headline for arm in experiments.get_test(session, "outcomes:t1").arms]

    assert headlines == ["Fish & chips", "Eels"]
    assert describe(imported) == [
        "results.csv (outcomes): 2 rows read, 1 test and 2 arms added.",
        "2 headlines stored as plain text:",
        "  row 2, column headline: “&amp;” is read as “&”; recorded as “Fish & chips”",
        "  row 3, column headline: its formatting (<b>, </b>) is dropped; recorded as “Eels”",
    ]


def test_import_file_twice_adds_nothing(db_settings, tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(OUTCOMES_CSV)
    with get_sessionmaker(db_settings).begin() as session:
        first = import_file(session, path, "outcomes")
    with get_sessionmaker(db_settings).begin() as session:
        again = import_file(session, OUTCOMES_CSV, "outcomes", "renamed.csv")  # same bytes

    assert (first.result.tests_added, first.result.arms_added, first.filename) == (1, 2, "results.csv")
    assert again.result.already_imported and again.result.import_id == first.result.import_id
    assert counts(db_settings) == (1, 1, 2)


def test_import_file_names_the_missing_columns(db_settings):
    with (
        pytest.raises(DataFormatError, match="missing required column.*title_b_clicks"),
        get_sessionmaker(db_settings).begin() as session,
    ):
        import_file(session, b"ID,title_a,title_b\n1,a,b\n", "ars", "mine.csv")
    assert counts(db_settings) == (0, 0, 0)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("upworthy_exploratory.parquet", None, "upworthy"),
        ("Upworthy-archive.csv", None, "upworthy"),
        ("ars_2020.csv", None, "ars"),
        ("formatted_headlines.csv", None, "ars"),
        ("outcomes-june.csv", None, "outcomes"),
        ("cars.csv", None, None),
        ("export.csv", b"clickability_test_id,headline,impressions,clicks\n", "upworthy"),
        ("export.csv", ARS_CSV, "ars"),
        ("export.csv", OUTCOMES_CSV, "outcomes"),
        ("export.csv", b"a,b\n1,2\n", None),
    ],
)
def test_guess_format(name, data, expected):
    assert guess_format(name, data) == expected


# --- command line ------------------------------------------------------------------------


@pytest.fixture
def cli_settings(tmp_path, monkeypatch):
    """The CLI reads its settings from the environment, like the app; no upgrade: it runs one."""
    url = f"sqlite:///{tmp_path / 'cli' / 'lab.db'}"
    monkeypatch.setenv("HEADLINE_LAB_DATABASE_URL", url)
    return load_settings(database_url=url)


def test_cli_imports_a_file_once(cli_settings, tmp_path, capsys):
    path = tmp_path / "june_outcomes.csv"
    path.write_bytes(OUTCOMES_CSV)

    assert main(["import", str(path)]) == 0
    first = capsys.readouterr().out
    assert main(["import", "--format", "outcomes", str(path)]) == 0
    second = capsys.readouterr().out

    assert "1 test and 2 arms added" in first
    assert "imported before" in second and "nothing added" in second
    assert counts(cli_settings) == (1, 1, 2)


def test_cli_exits_2_on_a_file_of_the_wrong_format(cli_settings, tmp_path, capsys):
    path = tmp_path / "ars_tests.csv"
    path.write_bytes(OUTCOMES_CSV)

    assert main(["import", str(path)]) == 2

    assert "Ars Technica file ars_tests.csv is missing required column" in capsys.readouterr().err
    assert counts(cli_settings) == (0, 0, 0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import"], "either a file to import or --base"),
        (["import", "--base", "x.csv"], "either a file to import or --base"),
        (["import", "missing.csv"], "no such file"),
    ],
)
def test_cli_exits_2_on_bad_arguments(cli_settings, argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_exits_2_when_the_format_cannot_be_told(cli_settings, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(b"a,b\n1,2\n")

    assert main(["import", str(path)]) == 2
    assert "--format" in capsys.readouterr().err


def test_cli_refuses_in_one_line_when_the_database_driver_is_not_installed(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on a machine set up without it
    monkeypatch.setenv("HEADLINE_LAB_DATABASE_URL", "postgresql+psycopg://lab:s3cret@db.example/lab")
    path = tmp_path / "june_outcomes.csv"
    path.write_bytes(OUTCOMES_CSV)

    assert main(["import", str(path)]) == 2

    assert capsys.readouterr().err == (
        "error: the database at postgresql+psycopg://lab:***@db.example/lab cannot be used: its driver "
        "psycopg is not installed (pip install -r requirements-postgres.txt)\n"
    )


def test_cli_base_imports_the_bundled_archive_once(base_settings, monkeypatch, capsys):
    monkeypatch.setenv("HEADLINE_LAB_DATABASE_URL", base_settings.sqlalchemy_url)

    assert main(["import", "--base"]) == 0

    assert "imported before" in capsys.readouterr().out
    assert counts(base_settings) == (1, UPWORTHY_TESTS, UPWORTHY_ARMS)
