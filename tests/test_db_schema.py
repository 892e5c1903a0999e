import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from core.basics.settings import REPO_ROOT, load_settings
from db import experiments
from db.engine import get_engine, get_sessionmaker
from db.migrate import current_revision, head_revision, upgrade
from db.schema import Arm, Base, ModelVersion, Test
from tests.databases import fresh_database_url

TABLES = {"imports", "tests", "arms", "predictions", "outcomes", "model_versions", "model_events"}


@pytest.fixture
def db_settings(tmp_path):
    """A migrated database: SQLite, or PostgreSQL under scripts/check_postgres.sh."""
    settings = load_settings(database_url=fresh_database_url(tmp_path))
    upgrade(settings)
    return settings


@pytest.fixture
def sqlite_settings(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'var' / 'lab.db'}")
    upgrade(settings)
    return settings


def test_upgrade_creates_every_table_in_a_fresh_file(tmp_path):
    path = tmp_path / "not" / "there" / "lab.db"
    settings = load_settings(database_url=f"sqlite:///{path}")
    assert current_revision(settings) is None

    upgrade(settings)

    assert path.is_file()
    assert set(inspect(get_engine(settings)).get_table_names()) == TABLES | {"alembic_version"}
    assert current_revision(settings) == head_revision() is not None


def test_processes_starting_together_on_a_fresh_file_all_upgrade_it(tmp_path):
    # The app and `python -m core import` may start at once; neither may fail creating tables.
    url = fresh_database_url(tmp_path)
    code = f"from core.basics.settings import load_settings; from db.migrate import upgrade; upgrade(load_settings(database_url={url!r}))"
    starters = [
        subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=60)[1] for p in starters]

    assert [p.returncode for p in starters] == [0, 0, 0], errors
    assert current_revision(load_settings(database_url=url)) == head_revision()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_settings):
    with get_engine(sqlite_settings).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_upgrade_again_keeps_the_data(db_settings):
    with get_sessionmaker(db_settings).begin() as session:
        session.add(Test(external_id="editor:1", source="editor"))

    upgrade(db_settings)

    with get_sessionmaker(db_settings).begin() as session:
        assert session.scalars(select(Test.external_id)).all() == ["editor:1"]


def test_the_migration_creates_what_the_models_describe(db_settings):
    with get_engine(db_settings).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_timestamps_come_back_as_the_same_instant_in_utc(db_settings):
    summer = timezone(timedelta(hours=2))
    created = datetime(2024, 6, 1, 12, 30, tzinfo=summer)
    with get_sessionmaker(db_settings).begin() as session:
        session.add(Test(external_id="editor:1", source="editor", created_at=created))

    with get_sessionmaker(db_settings).begin() as session:
        stored = session.scalar(select(Test.created_at))
    assert stored == created
    assert stored.tzinfo == UTC and stored.hour == 10


def test_naive_timestamps_are_refused(db_settings):
    with (
        pytest.raises(StatementError, match="naive datetime"),
        get_sessionmaker(db_settings).begin() as session,
    ):
        session.add(Test(external_id="editor:1", source="editor", created_at=datetime(2024, 6, 1)))


def test_the_database_refuses_arms_of_a_missing_test(db_settings):
    with (
        pytest.raises(IntegrityError, match="(?i)foreign key"),
        get_sessionmaker(db_settings).begin() as session,
    ):
        session.add(Arm(test_id=999, position=0, headline="Orphan"))


def test_the_database_refuses_more_clicks_than_impressions(db_settings):
    with pytest.raises(IntegrityError, match="(?i)check"), get_sessionmaker(db_settings).begin() as session:
        test = Test(external_id="editor:1", source="editor")
        test.arms = [Arm(position=0, headline="A", impressions=10, clicks=11)]
        session.add(test)


def test_the_database_refuses_a_second_active_model(db_settings):
    def model(version):
        return ModelVersion(version=version, path="p", base_model="b", status="active")

    with pytest.raises(IntegrityError, match="(?i)unique"), get_sessionmaker(db_settings).begin() as session:
        session.add_all([model("v1"), model("v2")])


def test_upgrading_a_0001_database_keeps_its_outcomes_and_marks_old_predictions_as_forecasts(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(settings, "0001")
    now = datetime.now(UTC).isoformat()
    with get_engine(settings).begin() as connection:
        for statement in (
            f"INSERT INTO tests (id, external_id, source, created_at) VALUES (1, 'editor:a', 'editor', '{now}')",
            "INSERT INTO arms (id, test_id, position, headline, impressions, clicks) VALUES (1, 1, 0, 'A', 100, 9)",
            "INSERT INTO arms (id, test_id, position, headline, impressions, clicks) VALUES (2, 1, 1, 'B', 100, 3)",
            "INSERT INTO predictions (test_id, arm_id, model_version, score, win_probability, created_at) "
            f"VALUES (1, 1, 'v1', 0.4, 0.6, '{now}')",
            "INSERT INTO outcomes (test_id, recorded_at, significant, predicted_arm_id, model_version) "
            f"VALUES (1, '{now}', 0, 1, 'v1')",
            f"INSERT INTO outcomes (test_id, recorded_at, significant) VALUES (1, '{now}', 0)",
        ):
            connection.exec_driver_sql(statement)

    upgrade(settings)

    assert current_revision(settings) == head_revision()
    with get_engine(settings).connect() as connection:
        predictions = connection.exec_driver_sql("SELECT at_recording FROM predictions").all()
        outcomes = connection.exec_driver_sql(
            "SELECT prediction_at_recording FROM outcomes ORDER BY id"
        ).all()
    assert predictions == [(0,)]
    assert outcomes == [(0,), (None,)]  # a forecast; the second outcome had no prediction


def test_upgrading_a_0003_database_numbers_its_editor_tests_in_the_order_saved(tmp_path):
    settings = load_settings(database_url=fresh_database_url(tmp_path))
    upgrade(settings, "0003_editor_desk")
    now = datetime.now(UTC).isoformat()
    rows = [("upworthy:1", "NULL"), ("editor:2", "NULL"), ("upworthy:3", "NULL")]
    rows += [("editor:4", f"'{now}'"), ("editor:5", "NULL")]  # editor:4 was deleted
    with get_engine(settings).begin() as connection:
        for external, deleted in rows:  # ids from the database, in this order
            connection.exec_driver_sql(
                "INSERT INTO tests (external_id, source, created_at, deleted_at) "
                f"VALUES ('{external}', '{external.split(':')[0]}', '{now}', {deleted})"
            )

    upgrade(settings)

    with get_sessionmaker(settings).begin() as session:
        numbers = dict(session.execute(select(Test.external_id, Test.number).order_by(Test.id)).all())
        new = experiments.create_test(session, ["A", "B"])
    assert numbers == {"upworthy:1": None, "editor:2": 1, "upworthy:3": None, "editor:4": 2, "editor:5": 3}
    assert new.number == 4
    with pytest.raises(IntegrityError), get_sessionmaker(settings).begin() as session:
        session.add(Test(external_id="editor:x", source="editor", number=3))  # never two #3s
