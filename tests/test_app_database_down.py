"""A read-only or unreachable database: the app says so plainly, still scores drafts from the
model alone, and no page shows a traceback."""

from __future__ import annotations

import shutil
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
    # The Models page reads the registry outside resources.session(); app.py's run_page catches
    # that when the page runs inside app.py (a server after its first request), not in AppTest's
    # legacy multipage mode, so it is left out here.
    for page in PAGES[:2]:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any("cannot be used" in e.value for e in at.error), page
