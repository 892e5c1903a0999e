"""Train/validation splits that never put one test, or one headline, on both sides."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.basics.text import normalise_headline


@dataclass
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    # Validation pairs dropped because a headline of theirs also sits in train (time split).
    dropped_for_leakage: int = 0
    # Pairs on neither side because they have no date (time split).
    dropped_undated: int = 0


def test_groups(pairs: pd.DataFrame) -> pd.Series:
    """Group id per pair: tests linked by any shared normalised headline form one group.

    Union-find over tests; splitting whole groups guarantees no headline text on both sides.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for col in ("headline_a", "headline_b"):
        for test, text in zip(pairs["test_id"], pairs[col].map(normalise_headline)):
            ra, rb = find(test), find("h:" + text)
            if ra != rb:
                parent[ra] = rb
    return pairs["test_id"].map(find)


def shared_headlines(train: pd.DataFrame, valid: pd.DataFrame) -> set[str]:
    """Normalised headlines that appear on both sides of a split (should be empty)."""

    def texts(frame: pd.DataFrame) -> set[str]:
        return set(frame["headline_a"].map(normalise_headline)) | set(
            frame["headline_b"].map(normalise_headline)
        )

    return texts(train) & texts(valid)


def split_by_test(pairs: pd.DataFrame, valid_fraction: float, seed: int) -> Split:
    """Random split of headline-linked test groups; about valid_fraction of pairs held out."""
    groups = test_groups(pairs)
    unique = groups.unique()
    order = np.random.default_rng(seed).permutation(len(unique))
    sizes = groups.value_counts().reindex(unique[order]).to_numpy()
    # Fill validation group by group until it holds the wanted share of pairs.
    held = set(unique[order][np.cumsum(sizes) <= valid_fraction * len(pairs)])
    mask = groups.isin(held).to_numpy()
    return Split(pairs[~mask].reset_index(drop=True), pairs[mask].reset_index(drop=True))


def split_by_time(pairs: pd.DataFrame, cutoff: str) -> Split:
    """Train before cutoff, validate from it; validation pairs sharing a train headline dropped.

    Undated pairs cannot be placed in time: they go to neither side, and are counted.
    """
    dates = pd.to_datetime(pairs["date"])
    train, valid = pairs[dates < cutoff], pairs[dates >= cutoff]
    undated = int(dates.isna().sum())
    leaked = shared_headlines(train, valid)
    keep = ~(
        valid["headline_a"].map(normalise_headline).isin(leaked)
        | valid["headline_b"].map(normalise_headline).isin(leaked)
    )
    return Split(
        train.reset_index(drop=True), valid[keep].reset_index(drop=True), int((~keep).sum()), undated
    )
