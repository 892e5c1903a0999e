"""core.data.pairs: which arms pair up, their labels and flags, and swapping sides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from core.basics.settings import Settings
from core.basics.stats import prob_a_beats_b
from core.basics.text import normalise_headline
from core.data.pairs import PAIR_COLUMNS, build_pairs, swap_sides
from tests.conftest import make_arms

CTX_A = {"image_id": "img-A", "excerpt": "An excerpt", "lede_id": "lede-1"}
CTX_B = {"image_id": "img-B", "excerpt": "An excerpt", "lede_id": "lede-1"}
T1 = {"test_id": "upworthy:t1", "date": "2014-03-03"}


def _hand_built_arms() -> pd.DataFrame:
    """Test t1: 3 headlines x 2 images (image B repeats a headline, and has a tie), plus arms
    whose excerpt or lede differ; t2 shares image A but is another test; t3 has no context."""
    return make_arms(
        [
            {**T1, **CTX_A, "headline": "Dogs are great", "impressions": 1000, "clicks": 120},
            {**T1, **CTX_A, "headline": "Cats are great", "impressions": 1000, "clicks": 60},
            {**T1, **CTX_A, "headline": "Birds are great", "impressions": 1000, "clicks": 110},
            {**T1, **CTX_B, "headline": "Dogs are great", "impressions": 1000, "clicks": 50},
            {**T1, **CTX_B, "headline": "Cats are great", "impressions": 1000, "clicks": 50},  # tie
            {**T1, **CTX_B, "headline": "DOGS are great!", "impressions": 1000, "clicks": 70},  # duplicate
            {
                **T1,
                **CTX_A,
                "excerpt": "Other excerpt",
                "headline": "Fish are great",
                "impressions": 1000,
                "clicks": 90,
            },
            {
                **T1,
                **CTX_A,
                "lede_id": "lede-2",
                "headline": "Eels are great",
                "impressions": 1000,
                "clicks": 95,
            },
            {
                "test_id": "upworthy:t2",
                "date": "2014-03-03",
                **CTX_A,
                "headline": "Frogs",
                "impressions": 900,
                "clicks": 9,
            },
            {
                "test_id": "upworthy:t3",
                "date": "2014-03-04",
                "headline": "Owls rule",
                "impressions": 1000,
                "clicks": 30,
            },
            {
                "test_id": "upworthy:t3",
                "date": "2014-03-04",
                "headline": "Bats rule",
                "impressions": 1000,
                "clicks": 45,
            },
        ]
    )


# (winner, loser), each as (headline, clicks); all arms have 1000 impressions.
EXPECTED = {
    (("Dogs are great", 120), ("Cats are great", 60)),
    (("Dogs are great", 120), ("Birds are great", 110)),
    (("Birds are great", 110), ("Cats are great", 60)),
    (("DOGS are great!", 70), ("Cats are great", 50)),
    (("Bats rule", 45), ("Owls rule", 30)),
}


def _winner_loser(pairs: pd.DataFrame) -> set:
    out = set()
    for row in pairs.itertuples():
        a, b = (row.headline_a, row.clicks_a), (row.headline_b, row.clicks_b)
        out.add((a, b) if row.label == 1 else (b, a))
    return out


def test_hand_built_pairs_are_exactly_the_expected_ones():
    pairs = build_pairs(_hand_built_arms())
    assert list(pairs.columns) == PAIR_COLUMNS
    assert len(pairs) == len(EXPECTED)
    assert _winner_loser(pairs) == EXPECTED
    assert (pairs["impressions_a"] == 1000).all() and (pairs["impressions_b"] == 1000).all()
    np.testing.assert_allclose(pairs["ctr_a"], pairs["clicks_a"] / 1000)
    np.testing.assert_allclose(pairs["ctr_b"], pairs["clicks_b"] / 1000)
    # Context and provenance carried over.
    by_test = pairs.groupby("test_id").size().to_dict()
    assert by_test == {"upworthy:t1": 4, "upworthy:t3": 1}
    t1 = pairs[pairs["test_id"] == "upworthy:t1"]
    assert (t1["excerpt"] == "An excerpt").all()
    assert (t1["date"] == pd.Timestamp("2014-03-03")).all()
    assert pairs.loc[pairs["test_id"] == "upworthy:t3", "excerpt"].isna().all()
    assert (pairs["source"] == "upworthy").all()


def test_hand_built_pairs_statistics():
    pairs = build_pairs(_hand_built_arms())
    for row in pairs.itertuples():
        table = [
            [row.clicks_a, row.impressions_a - row.clicks_a],
            [row.clicks_b, row.impressions_b - row.clicks_b],
        ]
        expected_p = sps.chi2_contingency(table, correction=False).pvalue
        assert row.p_value == pytest.approx(expected_p, rel=1e-7)
        assert row.significant == (expected_p < 0.05)
        # Equal impressions: the side with more clicks is more likely better.
        assert (row.prob_a_better > 0.5) == (row.label == 1)
        assert row.prob_a_better == pytest.approx(
            float(prob_a_beats_b(row.clicks_a, row.impressions_a, row.clicks_b, row.impressions_b))
        )
    significant = {frozenset((r.headline_a, r.headline_b)) for r in pairs.itertuples() if r.significant}
    # 120 vs 60 (z = 4.7) and 110 vs 60 (z = 4.0) in 1000 each; 120 vs 110 (z = 0.7),
    # 70 vs 50 (z = 1.9) and 45 vs 30 (z = 1.8) are not.
    assert significant == {
        frozenset(("Dogs are great", "Cats are great")),
        frozenset(("Birds are great", "Cats are great")),
    }
    # At alpha = 0.1, 70 vs 50 (p = 0.06) and 45 vs 30 (p = 0.08) become significant too.
    loose = build_pairs(_hand_built_arms(), Settings(alpha=0.1))
    assert loose["significant"].sum() == 4


def test_no_pair_of_identical_normalised_headlines():
    arms = make_arms(
        [
            {
                "test_id": "outcomes:x",
                "headline": "Hello, World",
                "impressions": 100,
                "clicks": 5,
                "source": "outcomes",
            },
            {
                "test_id": "outcomes:x",
                "headline": "hello world!",
                "impressions": 100,
                "clicks": 9,
                "source": "outcomes",
            },
            {
                "test_id": "outcomes:x",
                "headline": "<em>Hello</em> world",
                "impressions": 100,
                "clicks": 1,
                "source": "outcomes",
            },
        ]
    )
    assert len(build_pairs(arms)) == 0


def test_build_pairs_with_no_pairs_or_no_arms():
    single = make_arms([{"test_id": "outcomes:x", "headline": "Alone", "impressions": 10, "clicks": 1}])
    for arms in (single, single.iloc[:0]):
        pairs = build_pairs(arms)
        assert list(pairs.columns) == PAIR_COLUMNS
        assert len(pairs) == 0
        assert len(swap_sides(pairs, seed=1)) == 0


def _two_arm_test(test_id: str, when, source: str = "upworthy") -> list[dict]:
    return [
        {
            "test_id": test_id,
            "date": when,
            "source": source,
            "headline": "First one",
            "impressions": 500,
            "clicks": 10,
        },
        {
            "test_id": test_id,
            "date": when,
            "source": source,
            "headline": "Second one",
            "impressions": 500,
            "clicks": 20,
        },
    ]


def test_unrandomised_window_is_upworthy_only_and_inclusive():
    cases = {
        "upworthy:before": ("2013-06-24", "upworthy", False),
        "upworthy:first-day": ("2013-06-25", "upworthy", True),
        "upworthy:inside": ("2013-10-01", "upworthy", True),
        "upworthy:last-day": ("2014-01-10", "upworthy", True),
        "upworthy:after": ("2014-01-11", "upworthy", False),
        "upworthy:no-date": (None, "upworthy", False),
        "ars:inside": ("2013-10-01", "ars", False),
        "outcomes:inside": ("2013-10-01", "outcomes", False),
    }
    arms = make_arms([arm for tid, (when, src, _) in cases.items() for arm in _two_arm_test(tid, when, src)])
    pairs = build_pairs(arms)
    assert len(pairs) == len(cases)
    flags = dict(zip(pairs["test_id"], pairs["unrandomised"]))
    assert flags == {tid: flag for tid, (_, _, flag) in cases.items()}
    # The window comes from the settings.
    moved = build_pairs(arms, Settings(unrandomised_start="2014-01-11", unrandomised_end="2014-12-31"))
    assert dict(zip(moved["test_id"], moved["unrandomised"])) == {
        tid: tid == "upworthy:after" for tid in cases
    }


def _random_pairs(n_tests: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tests):
        for h in range(3):
            imps = int(rng.integers(200, 5000))
            rows.append(
                {
                    "test_id": f"upworthy:r{t}",
                    "date": "2014-05-01",
                    "headline": f"Headline {t}-{h}",
                    "impressions": imps,
                    "clicks": int(rng.binomial(imps, 0.03)),
                }
            )
    return build_pairs(make_arms(rows))


def test_swap_sides_keeps_every_pairs_information():
    pairs = _random_pairs()
    before = pairs.copy()
    swapped = swap_sides(pairs, seed=7)
    pd.testing.assert_frame_equal(pairs, before)  # input untouched
    assert list(swapped.columns) == PAIR_COLUMNS and len(swapped) == len(pairs)
    flipped = (swapped["headline_a"] != pairs["headline_a"]).to_numpy()
    assert 0.35 < flipped.mean() < 0.65
    for side, other in (("a", "b"), ("b", "a")):
        for col in ("headline", "impressions", "clicks", "ctr"):
            np.testing.assert_array_equal(
                swapped[f"{col}_{side}"].to_numpy(),
                np.where(flipped, pairs[f"{col}_{other}"], pairs[f"{col}_{side}"]),
            )
    np.testing.assert_array_equal(swapped["label"], np.where(flipped, 1 - pairs["label"], pairs["label"]))
    np.testing.assert_allclose(
        swapped["prob_a_better"], np.where(flipped, 1 - pairs["prob_a_better"], pairs["prob_a_better"])
    )
    for col in ("test_id", "source", "date", "excerpt", "p_value", "significant", "unrandomised"):
        pd.testing.assert_series_equal(swapped[col], pairs[col])
    # Still self-consistent: the label and probability agree with the (swapped) counts.
    assert (swapped["label"] == (swapped["ctr_a"] > swapped["ctr_b"])).all()
    recomputed = prob_a_beats_b(
        *(swapped[c].to_numpy(float) for c in ("clicks_a", "impressions_a", "clicks_b", "impressions_b"))
    )
    np.testing.assert_allclose(swapped["prob_a_better"], recomputed, atol=1e-6)


def test_swap_sides_is_reproducible_per_seed():
    pairs = _random_pairs()
    pd.testing.assert_frame_equal(swap_sides(pairs, seed=3), swap_sides(pairs, seed=3))
    assert not swap_sides(pairs, seed=3)["headline_a"].equals(swap_sides(pairs, seed=4)["headline_a"])


# --- On the real Upworthy pairs ----------------------------------------------------------------


def test_real_upworthy_pairs_are_consistent(upworthy_pairs, upworthy_loaded, settings):
    pairs = upworthy_pairs
    assert list(pairs.columns) == PAIR_COLUMNS
    assert len(pairs) > 10_000
    assert (pairs["ctr_a"] != pairs["ctr_b"]).all()
    assert (pairs["label"] == (pairs["ctr_a"] > pairs["ctr_b"]).astype(int)).all()
    assert (pairs["headline_a"].map(normalise_headline) != pairs["headline_b"].map(normalise_headline)).all()
    assert 0.45 < pairs["label"].mean() < 0.55  # sides shuffled
    assert (pairs["significant"] == (pairs["p_value"] < settings.alpha)).all()
    dates = pd.to_datetime(pairs["date"])
    inside = dates.between(settings.unrandomised_start, settings.unrandomised_end)
    assert (pairs["unrandomised"] == inside).all()
    assert 0.05 < pairs["unrandomised"].mean() < 0.4

    # Both sides are arms of the same test with the same image, excerpt and lede.
    arms = upworthy_loaded.arms.drop_duplicates(["test_id", "headline", "impressions", "clicks"], keep=False)
    key = ["test_id", "headline", "impressions", "clicks"]
    ctx = ["image_id", "excerpt", "lede_id"]
    sides = []
    for side in "ab":
        renamed = pairs.rename(columns={f"{c}_{side}": c for c in ("headline", "impressions", "clicks")})
        sides.append(
            renamed[key].reset_index().merge(arms[key + ctx], on=key, how="inner").set_index("index")
        )
    a, b = sides
    both = a.index.intersection(b.index)
    assert len(both) > 0.95 * len(pairs)
    for col in ctx:
        left, right = a.loc[both, col], b.loc[both, col]
        assert ((left == right) | (left.isna() & right.isna())).all(), col
