"""A read-only or unreachable database: the app says so plainly, still scores drafts from the
model alone, and no page shows a traceback."""

from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.basics.settings import REPO_ROOT
from tests.app_env import copy_database, template_database, tiny_model

APP = str(REPO_ROOT / "app.py")
PAGES = ["pages/record_outcome.py", "pages/history.py", "pages/models.py"]
DRAFTS = ["You won't believe what this cat did", "Cat does a thing"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return template_database(tmp_path_factory.mktemp("template") / "lab.db")


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A project root whose bundled default is the tiny model (served from the registry or not)."""
    root = tmp_path / "root"
    (root / "models").mkdir(parents=True)
    shutil.copytree(tiny_model(tmp_path / "tiny"), root / "models" / "default")
    (root / "data").symlink_to(REPO_ROOT / "data")
    monkeypatch.setenv("HEADLINE_LAB_ROOT", str(root))
    monkeypatch.setenv("HEADLINE_LAB_LIME_SAMPLES", "100")
    monkeypatch.delenv("HEADLINE_LAB_MODEL_DIR", raising=False)
    return root


def read_only_url(database: Path) -> str:
    # Tests run as root, which ignores file permissions: SQLite's read-only mode is the same refusal.
    return f"sqlite:///file:{database}?mode=ro&uri=true"


def compare_and_save(at: AppTest) -> AppTest:
    for i, draft in enumerate(DRAFTS):
        at.text_input(key=f"draft_{i}").set_value(draft)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len([m for m in at.markdown if m.value.startswith("**Draft")]) == 2  # scored
    at.button(key="FormSubmitter:save_test-Save as test").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_read_only_database_still_scores_drafts_and_refuses_saving_plainly(
    root, template, tmp_path, monkeypatch
):
    database = copy_database(template, tmp_path / "lab.db")
    monkeypatch.setenv("HEADLINE_LAB_DATABASE_URL", read_only_url(database))

    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.warning) >= 1 and "attempt to write a readonly database" in at.warning[0].value
    assert "drafts can still be compared" in at.warning[0].value

    at = compare_and_save(at)
    assert not at.success
    assert any("cannot be used" in e.value and "Nothing was saved" in e.value for e in at.error)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])


def test_an_unreachable_database_still_scores_drafts_with_the_bundled_model(root, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")  # so the database file can never be opened
    monkeypatch.setenv("HEADLINE_LAB_DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'lab.db'}")

    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "cannot be used" in at.warning[0].value
    assert any("bundled default model is served" in c.value for c in at.sidebar.caption)

    at = compare_and_save(at)
    assert any("Nothing was saved" in e.value for e in at.error)
    for page in PAGES:  # each page on its own (AppTest), without app.py's frame to catch errors
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any("cannot be used" in e.value for e in at.error), page


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


DOWN = [
    "read-only SQLite file",
    "SQLite file that cannot be opened",
    "SQLite folder that does not exist and cannot be made",
    "PostgreSQL server not listening",
    "PostgreSQL driver not installed",
]


def down_url(down: str, template: Path, tmp_path: Path) -> str:
    if down == "read-only SQLite file":
        return read_only_url(copy_database(template, tmp_path / "lab.db"))
    if down == "SQLite file that cannot be opened":
        (tmp_path / "a-file").write_text("not a folder")
        return f"sqlite:///{tmp_path / 'a-file' / 'lab.db'}"
    if down == "SQLite folder that does not exist and cannot be made":
        return "sqlite:////proc/headline-lab-missing/lab.db"  # a missing folder elsewhere is made
    return f"postgresql+psycopg://editor@127.0.0.1:{closed_port()}/headline_lab?connect_timeout=5"


def break_the_driver(down: str, monkeypatch) -> None:
    if down == "PostgreSQL driver not installed":  # as on a machine set up without psycopg
        monkeypatch.setitem(sys.modules, "psycopg", None)


@pytest.mark.parametrize("down", DOWN)
def test_the_models_page_says_what_is_wrong_what_still_works_and_what_to_do(
    down, root, template, tmp_path, monkeypatch
):
    monkeypatch.setenv("HEADLINE_LAB_DATABASE_URL", down_url(down, template, tmp_path))
    break_the_driver(down, monkeypatch)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]

    at.switch_page("pages/models.py").run()

    assert not at.exception, [e.value for e in at.exception]
    shown = at.warning if down.startswith("read-only") else at.error
    [message] = [m.value for m in shown if "Compare page" in m.value]
    assert "cannot be used" in message  # what is wrong (the driver's reason follows)
    if down == "PostgreSQL driver not installed":
        assert "its driver psycopg is not installed (pip install -r requirements-postgres.txt)" in message
    assert "Drafts are still scored on the Compare page, by model tiny-test" in message  # what works
    assert "check the database (HEADLINE_LAB_DATABASE_URL)" in message  # what to do
    if down.startswith("read-only"):  # the registry is listed, nothing that writes can be clicked
        assert "readonly database" in message and "retraining, promotion and rollback" in message
        assert at.button and all(button.disabled for button in at.button)
    else:
        assert "The model registry is kept there" in message and not at.button


def test_a_postgresql_server_not_listening_is_down_like_a_file_that_cannot_be_opened(
    root, template, tmp_path, monkeypatch
):
    monkeypatch.setenv(
        "HEADLINE_LAB_DATABASE_URL", down_url("PostgreSQL server not listening", template, tmp_path)
    )

    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "cannot be used" in at.warning[0].value and "drafts can still be compared" in at.warning[0].value
    assert any("bundled default model is served" in c.value for c in at.sidebar.caption)

    at = compare_and_save(at)
    assert any("Nothing was saved" in e.value for e in at.error)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any("cannot be used" in e.value for e in at.error), page


def test_recording_an_outcome_on_a_read_only_database_says_nothing_was_saved(
    root, template, tmp_path, monkeypatch
):
    monkeypatch.setenv(
        "HEADLINE_LAB_DATABASE_URL", read_only_url(copy_database(template, tmp_path / "lab.db"))
    )
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/record_outcome.py").run()
    at.text_area(key="new_headlines").set_value("\n".join(DRAFTS)).run()
    for i in range(2):
        at.text_input(key=f"outcome_new_impressions_{i}").set_value("1000")
        at.text_input(key=f"outcome_new_clicks_{i}").set_value(str(10 + i))
    at.button(key="FormSubmitter:outcome_new-Record outcome").click().run()

    assert not at.exception, [e.value for e in at.exception]
    assert not at.success
    assert any("cannot be used" in e.value and "Nothing was saved" in e.value for e in at.error)
