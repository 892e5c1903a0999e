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
    # Time splits: validation holds the tests from this date on ("" for a split by test).
    cutoff: str = ""


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


def newest_cutoff(pairs: pd.DataFrame, fraction: float) -> str:
    """The date from which the newest ``fraction`` of tests ran ("" when that holds no test or all).

    A test's date is its earliest pair's; tests on the cutoff day count as newest.
    """
    test_dates = pd.to_datetime(pairs.groupby("test_id")["date"].min()).dropna().sort_values()
    first_newest = int(round(len(test_dates) * (1 - fraction)))
    if not 0 < first_newest < len(test_dates):
        return ""
    return test_dates.iloc[first_newest].strftime("%Y-%m-%d")


def split_newest(pairs: pd.DataFrame, fraction: float) -> Split:
    """Per source, the newest ``fraction`` of its tests held out; pairs sharing a headline with
    the rest dropped from them.

    Per source, because the archives span different years: the newest tenth of both together
    would be one publication's. Undated pairs stay on the training side.
    """
    first_date = pd.to_datetime(pairs["date"]).groupby(pairs["test_id"]).transform("min")
    held = np.zeros(len(pairs), dtype=bool)
    for rows in pairs.groupby("source").indices.values():
        cutoff = newest_cutoff(pairs.iloc[rows], fraction)
        newest = (first_date.iloc[rows] >= cutoff).to_numpy() if cutoff else np.zeros(len(rows), bool)
        if not newest.all():  # all on one day: no test is newer than another, none is held out
            held[rows] = newest
    return headline_disjoint(pairs[~held], pairs[held])


def split_by_time(pairs: pd.DataFrame, cutoff: str) -> Split:
    """Train before cutoff, validate from it; validation pairs sharing a train headline dropped.

    Undated pairs cannot be placed in time: they go to neither side, and are counted.
    """
    dates = pd.to_datetime(pairs["date"])
    undated = int(dates.isna().sum())
    return headline_disjoint(
        pairs[dates < cutoff], pairs[dates >= cutoff], dropped_undated=undated, cutoff=cutoff
    )


def headline_disjoint(train: pd.DataFrame, valid: pd.DataFrame, **fields) -> Split:
    """A split of train and valid, minus the valid pairs that share a normalised headline with
    train (counted in ``dropped_for_leakage``); ``fields``: the Split's other fields."""
    leaked = shared_headlines(train, valid)
    keep = ~(
        valid["headline_a"].map(normalise_headline).isin(leaked)
        | valid["headline_b"].map(normalise_headline).isin(leaked)
    )
    return Split(
        train.reset_index(drop=True), valid[keep].reset_index(drop=True), int((~keep).sum()), **fields
    )
