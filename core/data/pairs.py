"""Pairs of arms of one test that differ only in headline, with their outcome statistics."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from core.basics.settings import Settings
from core.basics.stats import prob_a_beats_b, two_proportion_p_value
from core.basics.text import normalise_headline

PAIR_COLUMNS = [
    "test_id",
    "source",
    "date",
    "headline_a",
    "headline_b",
    "excerpt",
    "impressions_a",
    "clicks_a",
    "impressions_b",
    "clicks_b",
    "ctr_a",
    "ctr_b",
    "label",
    "p_value",
    "prob_a_better",
    "significant",
    "unrandomised",
]
# Arms must share these to isolate the headline's effect (image, excerpt, lede).
CONTEXT_COLUMNS = ["image_id", "excerpt", "lede_id"]


def _context_key(arms: pd.DataFrame) -> pd.Series:
    if arms.empty:  # agg(axis=1) on no rows returns a frame, not a series
        return pd.Series("", index=arms.index, dtype=object)
    return (
        arms[CONTEXT_COLUMNS].astype(object).where(arms[CONTEXT_COLUMNS].notna(), "").agg("\x1f".join, axis=1)
    )


def _pair_rows(arms: pd.DataFrame) -> list[dict]:
    rows = []
    keyed = arms.assign(_ctx=_context_key(arms), _norm=arms["headline"].map(normalise_headline))
    # Records built once and grouped by hand: a DataFrame per group took seconds on an archive.
    # Groups in order of first appearance, rows in table order, as groupby(sort=False) gives.
    groups: dict[int, list[dict]] = {}
    number = keyed.groupby(["test_id", "_ctx"], sort=False).ngroup().to_numpy()
    for g, record in zip(number, keyed.to_dict("records")):
        if g >= 0:  # -1: a missing test_id, which groupby leaves out
            groups.setdefault(g, []).append(record)
    for group in groups.values():
        for a, b in combinations(group, 2):
            if a["_norm"] == b["_norm"]:
                continue  # same headline: nothing to learn about headlines
            rows.append(
                {
                    "test_id": a["test_id"],
                    "source": a["source"],
                    "date": a["date"],
                    "headline_a": a["headline"],
                    "headline_b": b["headline"],
                    "excerpt": a["excerpt"],
                    "impressions_a": a["impressions"],
                    "clicks_a": a["clicks"],
                    "impressions_b": b["impressions"],
                    "clicks_b": b["clicks"],
                }
            )
    return rows


def build_pairs(arms: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """All headline pairs within each test and shared context; ties in click rate dropped.

    ``label`` is 1 when headline_a has the higher click rate. ``significant`` is the
    two-sided z-test at ``settings.alpha``. ``unrandomised`` flags Upworthy tests inside the
    window the archive's authors found not properly randomised.
    """
    settings = settings or Settings()
    pairs = pd.DataFrame.from_records(_pair_rows(arms), columns=PAIR_COLUMNS[:10])
    pairs["ctr_a"] = pairs["clicks_a"] / pairs["impressions_a"]
    pairs["ctr_b"] = pairs["clicks_b"] / pairs["impressions_b"]
    pairs = pairs[pairs["ctr_a"] != pairs["ctr_b"]].reset_index(drop=True)
    pairs["label"] = (pairs["ctr_a"] > pairs["ctr_b"]).astype("int64")
    counts = [pairs[c].to_numpy(float) for c in ("clicks_a", "impressions_a", "clicks_b", "impressions_b")]
    pairs["p_value"] = two_proportion_p_value(*counts)
    pairs["prob_a_better"] = prob_a_beats_b(*counts)
    pairs["significant"] = pairs["p_value"] < settings.alpha
    window = pd.to_datetime(pairs["date"]).between(settings.unrandomised_start, settings.unrandomised_end)
    pairs["unrandomised"] = (pairs["source"] == "upworthy") & window
    return pairs[PAIR_COLUMNS]


def swap_sides(pairs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Randomly swap a and b in about half the pairs, so 'always a' is a fair sanity row."""
    flip = np.random.default_rng(seed).random(len(pairs)) < 0.5
    out = pairs.copy()
    for left, right in (
        ("headline_a", "headline_b"),
        ("impressions_a", "impressions_b"),
        ("clicks_a", "clicks_b"),
        ("ctr_a", "ctr_b"),
    ):
        out.loc[flip, left], out.loc[flip, right] = (
            pairs.loc[flip, right].values,
            pairs.loc[flip, left].values,
        )
    out.loc[flip, "label"] = 1 - pairs.loc[flip, "label"]
    out.loc[flip, "prob_a_better"] = 1 - pairs.loc[flip, "prob_a_better"]
    return out


def pair_contexts(pairs: pd.DataFrame) -> list[str | None] | None:
    """The story excerpt each pair's two arms share (None where it has none)."""
    if "excerpt" not in pairs:
        return None
    return [e if isinstance(e, str) else None for e in pairs["excerpt"]]
