import sys

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from core.basics.settings import Settings
from db.engine import DriverMissing, database_reason, get_engine, masked_url, transaction
from db.migrate import upgrade
from db.schema import Test
from tests.databases import fresh_database_url


def test_masked_url_hides_the_password_and_keeps_the_rest():
    settings = Settings(database_url="postgresql+psycopg://lab:s3cret@db.example:5432/headlines")
    shown = masked_url(settings)
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://lab:***@db.example:5432/headlines"


def test_masked_url_of_the_default_sqlite_file(tmp_path):
    settings = Settings(root=tmp_path)
    assert masked_url(settings) == f"sqlite:///{tmp_path / 'var' / 'headline_lab.db'}"


def test_transaction_commits_at_the_end_and_rolls_back_on_an_exception(tmp_path):
    settings = Settings(database_url=fresh_database_url(tmp_path))
    upgrade(settings)
    with transaction(settings) as session:
        session.add(Test(external_id="editor:1", source="editor", created_by="kept"))
    with pytest.raises(RuntimeError), transaction(settings) as session:
        session.add(Test(external_id="editor:2", source="editor", created_by="rolled back"))
        session.flush()
        raise RuntimeError("page failed half-way")
    with transaction(settings) as session:
        assert session.scalars(select(Test.created_by)).all() == ["kept"]


def test_a_postgresql_url_without_its_driver_installed_is_a_plain_database_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on a machine set up without it
    settings = Settings(database_url="postgresql+psycopg://lab@db.example:5432/no-driver-here")
    with pytest.raises(DriverMissing) as refused:
        get_engine(settings)
    assert database_reason(refused.value) == (
        "its driver psycopg is not installed (pip install -r requirements-postgres.txt)"
    )


def test_another_databases_missing_driver_names_that_driver(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymysql", None)
    with pytest.raises(DriverMissing) as refused:
        get_engine(Settings(database_url="mysql+pymysql://lab@db.example/lab"))
    assert database_reason(refused.value) == "its driver pymysql is not installed (pip install pymysql)"


def test_database_reason_is_the_drivers_words_without_the_sql(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'lab.db'}")
    with pytest.raises(OperationalError) as failed, transaction(settings) as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert database_reason(failed.value) == "no such table: no_such_table"
    missing = FileNotFoundError(2, "No such file or directory", "/nowhere/lab.db")
    assert database_reason(missing) == "No such file or directory: /nowhere/lab.db"
