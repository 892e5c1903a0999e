"""The two archives as pair tables and the one train/validation split everything uses.

Training, evaluation and the ablations all call :func:`dataset_split`, so every figure in
the project is measured on the same held-out tests.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from core.basics.settings import Settings
from core.data.loaders import Loaded, load_ars, load_upworthy
from core.data.pairs import build_pairs, swap_sides
from core.data.splits import Split, newest_cutoff, split_by_test, split_by_time

DATASETS = ("upworthy", "ars")
ARCHIVE_NAMES = {"upworthy": "Upworthy", "ars": "Ars Technica"}  # as editors read them


def archive_name(source: str) -> str:
    """The archive's name as editors read it; any other source (a newsroom's) as it is."""
    return ARCHIVE_NAMES.get(source, source)


# Which archive tests a model trains on: "test" the training side of the split by test (the
# validation side stays clean for champion/challenger and History's backtest); "forward" the
# tests before the forward cutoff; "all" every test.
ARCHIVE_SPLITS = ("test", "forward", "all")


def archive_path(name: str, settings: Settings) -> Path:
    """The file an archive is read from."""
    paths = {"upworthy": settings.upworthy_parquet, "ars": settings.ars_csv}
    if name not in paths:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    return Path(paths[name])


def present_archives(settings: Settings) -> list[str]:
    """The archives (as in DATASETS) whose file is there."""
    return [n for n in DATASETS if archive_path(n, settings).is_file()]


def missing_archives(settings: Settings) -> dict[str, Path]:
    """The archives whose file is not there, by name as editors read it: training, evaluation and
    the champion comparison cannot run without them."""
    present = present_archives(settings)
    return {archive_name(n): archive_path(n, settings) for n in DATASETS if n not in present}


def missing_archives_words(missing: dict[str, Path]) -> str:
    """Which archive files are missing and who can fix it, for a page: "(Upworthy: /x/y.parquet).
    Ask whoever runs Headline Lab to set HEADLINE_LAB_SHARED_DATA to the folder that holds them." """
    where = "; ".join(f"{name}: {path}" for name, path in missing.items())
    return f"({where}). Ask whoever runs Headline Lab to set HEADLINE_LAB_SHARED_DATA to the folder that holds them."


def load_arms(name: str, settings: Settings) -> Loaded:
    path = archive_path(name, settings)  # refuses an unknown name
    return load_upworthy(path) if name == "upworthy" else load_ars(path)


@cache
def dataset_pairs(name: str, settings: Settings) -> pd.DataFrame:
    """Headline pairs of one archive, a/b sides shuffled with the settings' seed."""
    return swap_sides(build_pairs(load_arms(name, settings).arms, settings), settings.seed)


@cache
def dataset_split(name: str, settings: Settings) -> Split:
    """Split by headline-linked test groups.

    Validation drops Upworthy pairs from the window the archive's authors found not properly
    randomised; training keeps them (they are flagged, and train.py can down-weight them).
    """
    split = split_by_test(dataset_pairs(name, settings), settings.validation_fraction, settings.seed)
    valid = split.valid[~split.valid["unrandomised"]].reset_index(drop=True)
    return Split(split.train, valid, split.dropped_for_leakage)


@cache
def forward_split(name: str, settings: Settings) -> Split:
    """Older tests against the newest ``settings.forward_fraction`` of the archive's tests.

    The forward side is what the product faces: tests newer than any it trained on. Its pairs
    sharing a headline with older tests are dropped, and so are Upworthy's unrandomised ones.
    """
    pairs = dataset_pairs(name, settings)
    split = split_by_time(pairs, newest_cutoff(pairs, settings.forward_fraction))
    valid = split.valid[~split.valid["unrandomised"]].reset_index(drop=True)
    return Split(split.train, valid, split.dropped_for_leakage, split.dropped_undated, split.cutoff)


def archive_training_pairs(name: str, settings: Settings, split: str) -> pd.DataFrame:
    """The archive pairs a model trains on under ``split`` (one of ARCHIVE_SPLITS)."""
    if split == "test":
        return dataset_split(name, settings).train
    if split == "forward":
        return forward_split(name, settings).train
    if split == "all":
        return dataset_pairs(name, settings)
    raise ValueError(f"unknown archive split {split!r}; expected one of {', '.join(ARCHIVE_SPLITS)}")


def held_out_split(name: str, settings: Settings, split: str) -> Split | None:
    """The split whose validation side a model trained under ``split`` never saw (None for "all")."""
    if split == "all":
        return None
    return forward_split(name, settings) if split == "forward" else dataset_split(name, settings)
