"""Shared fixtures: the real archives, loaded once per test session.

The Upworthy parquet ships in data/; Ars Technica's CSV is read from ../shared/data at test
time (it must never be copied into the repository). Both are required: a missing file is a
test error, not a skip.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.basics.arms import ARM_COLUMNS
from core.basics.settings import Settings
from core.data.datasets import dataset_pairs
from core.data.loaders import Loaded, load_ars, load_upworthy


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def upworthy_path(settings: Settings) -> Path:
    path = settings.upworthy_parquet
    assert path.is_file(), f"bundled Upworthy archive missing: {path}"
    return path


@pytest.fixture(scope="session")
def ars_path(settings: Settings) -> Path:
    path = settings.ars_csv
    assert path.is_file(), f"Ars Technica data missing (expected beside the clone): {path}"
    return path


@pytest.fixture(scope="session")
def upworthy_raw(upworthy_path: Path) -> pd.DataFrame:
    """The parquet as pandas reads it, independent of the loader."""
    return pd.read_parquet(upworthy_path)


@pytest.fixture(scope="session")
def ars_raw(ars_path: Path) -> pd.DataFrame:
    """Ars Technica's CSV as plain strings, independent of the loader."""
    return pd.read_csv(ars_path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def upworthy_loaded(upworthy_path: Path) -> Loaded:
    return load_upworthy(upworthy_path)


@pytest.fixture(scope="session")
def ars_loaded(ars_path: Path) -> Loaded:
    return load_ars(ars_path)


@pytest.fixture(scope="session")
def upworthy_pairs(settings: Settings, upworthy_path: Path) -> pd.DataFrame:
    # dataset_pairs is cached per settings, so this is built once per session.
    return dataset_pairs("upworthy", settings)


def make_arms(rows: list[dict]) -> pd.DataFrame:
    """A tidy arms frame (ARM_COLUMNS) from hand-written rows; unspecified fields are empty."""
    defaults = {
        "excerpt": None,
        "image_id": None,
        "lede_id": None,
        "date": None,
        "source": "upworthy",
    }
    frame = pd.DataFrame.from_records([{**defaults, **row} for row in rows], columns=ARM_COLUMNS)
    frame["impressions"] = frame["impressions"].astype("int64")
    frame["clicks"] = frame["clicks"].astype("int64")
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
