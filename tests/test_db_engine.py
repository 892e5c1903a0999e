import pytest
from sqlalchemy import select

from core.basics.settings import Settings
from db.engine import masked_url, transaction
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
