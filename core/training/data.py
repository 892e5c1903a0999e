"""The pairs a run trains on: archive training splits plus editors' pairs, each with a weight
and a target, and the dev part (the newest tests, or random test groups) that early stopping
and calibration use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.basics.settings import Settings
from core.data.datasets import archive_training_pairs
from core.data.splits import Split, split_by_test, split_newest
from core.training.config import TrainConfig


def training_pairs(
    config: TrainConfig,
    settings: Settings,
    extra: pd.DataFrame | None = None,
    archive: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Archive pairs (the chosen archives' split, or ``archive`` when given) plus extra
    (editors') pairs, with weight and target columns."""
    if archive is None:
        frames = [archive_training_pairs(name, settings, config.split) for name in config.datasets]
    else:
        frames = [archive.assign(editor=False)]
    if extra is not None and len(extra):
        frames.append(extra.assign(editor=True))
    pairs = pd.concat(frames, ignore_index=True)
    if "editor" not in pairs:
        pairs["editor"] = False
    pairs["editor"] = pairs["editor"].fillna(False).astype(bool)
    from_archive = ~pairs["editor"]
    if config.max_train_pairs and from_archive.sum() > config.max_train_pairs:
        # The cap thins the archive only: the few editor outcomes are what a retrain is for.
        keep = pairs[from_archive].sample(config.max_train_pairs, random_state=data_seed_of(config))
        pairs = pd.concat([keep, pairs[~from_archive]], ignore_index=True)
    return pairs.assign(weight=pair_weights(pairs, config), target=pair_targets(pairs, config))


def data_seed_of(config: TrainConfig) -> int:
    """The seed that picks the training sample and the dev split."""
    return config.seed if config.data_seed is None else config.data_seed


def pair_weights(pairs: pd.DataFrame, config: TrainConfig) -> np.ndarray:
    weight = np.ones(len(pairs))
    if config.pair_weighting == "significance":
        weight = significance_weights(pairs)
    weight = np.where(pairs["unrandomised"].to_numpy(bool), weight * config.unrandomised_weight, weight)
    weight = weight * recency_weights(pairs, config.recency_half_life_days)
    return np.where(pairs["editor"].to_numpy(bool), weight * config.editor_weight, weight)


def significance_weights(pairs: pd.DataFrame) -> np.ndarray:
    """|2 P(a better) − 1| per pair: a clear result teaches more than a coin flip. (n,)"""
    return np.abs(2 * pairs["prob_a_better"].to_numpy(float) - 1)


def recency_weights(pairs: pd.DataFrame, half_life_days: float) -> np.ndarray:
    """0.5 ** (days before the source's newest pair / half-life); 1 without a half-life or a date."""
    if half_life_days <= 0:
        return np.ones(len(pairs))
    dates = pd.to_datetime(pairs["date"])
    age = (dates.groupby(pairs["source"]).transform("max") - dates).dt.days.to_numpy(float)
    return np.where(np.isnan(age), 1.0, 0.5 ** (np.nan_to_num(age) / half_life_days))


def pair_targets(pairs: pd.DataFrame, config: TrainConfig) -> np.ndarray:
    return pairs["prob_a_better" if config.soft_labels else "label"].to_numpy(float)


def pairs_fit_dev(
    config: TrainConfig,
    settings: Settings,
    extra_pairs: pd.DataFrame | None = None,
    train_pairs: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(all training pairs with weight and target, the part trained on, the dev part).

    The dev part is the newest tests of each source (``dev_split="time"``) or random test
    groups drawn with :func:`data_seed_of` (``"test"``).
    """
    pairs = training_pairs(config, settings, extra_pairs, archive=train_pairs)
    split = dev_split(pairs, config)
    if len(split.valid) == 0:  # tiny data: early-stop on the training pairs themselves
        return pairs, split.train, split.train
    return pairs, split.train, split.valid


def dev_split(pairs: pd.DataFrame, config: TrainConfig) -> Split:
    if config.dev_split == "time" and "date" in pairs and pairs["date"].notna().any():
        return split_newest(pairs, config.dev_fraction)
    if config.dev_split == "time":  # undated pairs (synthetic tests): no newest part to hold out
        return split_by_test(pairs, config.dev_fraction, data_seed_of(config))
    if config.dev_split == "test":
        return split_by_test(pairs, config.dev_fraction, data_seed_of(config))
    raise ValueError(f"unknown dev split {config.dev_split!r}; expected 'time' or 'test'")
