"""The pairs a run trains on: archive training splits plus editors' pairs, each with a weight
and a target, and the dev part (by test group) that early stopping and calibration use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.basics.settings import Settings
from core.data.datasets import dataset_split
from core.data.splits import split_by_test
from core.training.config import TrainConfig


def training_pairs(
    config: TrainConfig, settings: Settings, extra: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Training split of the chosen archives plus extra (editors') pairs, with a weight column."""
    frames = [dataset_split(name, settings).train for name in config.datasets]
    if extra is not None and len(extra):
        frames.append(extra.assign(editor=True))
    pairs = pd.concat(frames, ignore_index=True)
    if "editor" not in pairs:
        pairs["editor"] = False
    pairs["editor"] = pairs["editor"].fillna(False).astype(bool)
    archive = ~pairs["editor"]
    if config.max_train_pairs and archive.sum() > config.max_train_pairs:
        # The cap thins the archive only: the few editor outcomes are what a retrain is for.
        keep = pairs[archive].sample(config.max_train_pairs, random_state=data_seed_of(config))
        pairs = pd.concat([keep, pairs[~archive]], ignore_index=True)
    return pairs.assign(weight=pair_weights(pairs, config), target=pair_targets(pairs, config))


def data_seed_of(config: TrainConfig) -> int:
    """The seed that picks the training sample and the dev split."""
    return config.seed if config.data_seed is None else config.data_seed


def pair_weights(pairs: pd.DataFrame, config: TrainConfig) -> np.ndarray:
    weight = np.ones(len(pairs))
    if config.pair_weighting == "significance":
        weight = np.abs(2 * pairs["prob_a_better"].to_numpy(float) - 1)
    weight = np.where(pairs["unrandomised"].to_numpy(bool), weight * config.unrandomised_weight, weight)
    return np.where(pairs["editor"].to_numpy(bool), weight * config.editor_weight, weight)


def pair_targets(pairs: pd.DataFrame, config: TrainConfig) -> np.ndarray:
    return pairs["prob_a_better" if config.soft_labels else "label"].to_numpy(float)


def pairs_fit_dev(
    config: TrainConfig,
    settings: Settings,
    extra_pairs: pd.DataFrame | None = None,
    train_pairs: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(all training pairs with weight and target, the part trained on, the dev part).

    The dev part is split off by test group with :func:`data_seed`.
    """
    if train_pairs is not None:
        pairs = train_pairs.assign(editor=False)
        pairs = pairs.assign(weight=pair_weights(pairs, config), target=pair_targets(pairs, config))
    else:
        pairs = training_pairs(config, settings, extra_pairs)
    split = split_by_test(pairs, config.dev_fraction, data_seed_of(config))
    if len(split.valid) == 0:  # tiny data: early-stop on the training pairs themselves
        return pairs, split.train, split.train
    return pairs, split.train, split.valid
