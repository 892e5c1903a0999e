"""The two archives as pair tables and the one train/validation split everything uses.

Training, evaluation and the ablations all call :func:`dataset_split`, so every figure in
the project is measured on the same held-out tests.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from core.basics.settings import Settings
from core.data.loaders import Loaded, load_ars, load_upworthy
from core.data.pairs import build_pairs, swap_sides
from core.data.splits import Split, split_by_test

DATASETS = ("upworthy", "ars")


def load_arms(name: str, settings: Settings) -> Loaded:
    if name == "upworthy":
        return load_upworthy(settings.upworthy_parquet)
    if name == "ars":
        return load_ars(settings.ars_csv)
    raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")


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
