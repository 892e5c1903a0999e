"""What the app tests run against: the tiny test model and a database with the archive imported.

Importing the bundled archive takes a second or two, so it is done once into a template
file, and each test gets its own copy.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.basics.settings import load_settings
from core.data.importer import ensure_base_corpus
from core.model.scorer import HeadlineScorer
from db.migrate import upgrade
from tests.tiny_model import make_tiny_base

TINY_VERSION = "tiny-test"


def tiny_model(folder: Path) -> Path:
    """A saved, randomly initialised scorer over a 2-layer BERT (version ``tiny-test``)."""
    scorer = HeadlineScorer.from_base(make_tiny_base(folder / "base"), precision="fp32")
    return scorer.save_pretrained(folder / "model", manifest={"version": TINY_VERSION})


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def template_database(path: Path) -> Path:
    """A migrated SQLite file with the bundled archive imported."""
    settings = load_settings(database_url=sqlite_url(path))
    upgrade(settings)
    ensure_base_corpus(settings)
    return path


def copy_database(template: Path, path: Path) -> Path:
    """A consistent copy of a SQLite file (WAL included), via SQLite's backup API."""
    source, target = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return path


def app_environment(model_dir: Path, database: Path, lime_samples: int = 100) -> dict[str, str]:
    """Environment variables that point the app at a model and a database."""
    return {
        "HEADLINE_LAB_MODEL_DIR": str(model_dir),
        "HEADLINE_LAB_DATABASE_URL": sqlite_url(database),
        "HEADLINE_LAB_LIME_SAMPLES": str(lime_samples),
    }
