"""core.data.splits: no test and no headline on both sides of a split."""

from __future__ import annotations

import pandas as pd
import pytest

from core.basics.text import normalise_headline
from core.data.datasets import dataset_pairs, dataset_split, forward_split
from core.data.pairs import PAIR_COLUMNS
from core.data.splits import newest_cutoff, shared_headlines, split_by_test, split_by_time, split_newest
from core.data.splits import test_groups as group_of_each_pair


def _pairs(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """A pairs table from (test_id, date, headline_a, headline_b); other columns filled in."""
    records = [
        {
            "test_id": test_id,
            "source": "upworthy",
            "date": pd.Timestamp(when),
            "headline_a": a,
            "headline_b": b,
            "excerpt": None,
            "impressions_a": 1000,
            "clicks_a": 20 + i,
            "impressions_b": 1000,
            "clicks_b": 10,
            "ctr_a": (20 + i) / 1000,
            "ctr_b": 0.01,
            "label": 1,
            "p_value": 0.5,
            "prob_a_better": 0.7,
            "significant": False,
            "unrandomised": False,
        }
        for i, (test_id, when, a, b) in enumerate(rows)
    ]
    return pd.DataFrame.from_records(records, columns=PAIR_COLUMNS)


def _texts(frame: pd.DataFrame) -> set[str]:
    return set(frame["headline_a"].str.lower()) | set(frame["headline_b"].str.lower())


# --- split_by_test --------------------------------------------------------------------------------


def test_split_by_test_on_real_upworthy_pairs(upworthy_pairs, settings):
    pairs = upworthy_pairs
    split = split_by_test(pairs, settings.validation_fraction, settings.seed)
    train, valid = split.train, split.valid
    assert set(train["test_id"]).isdisjoint(valid["test_id"])
    assert shared_headlines(train, valid) == set()
    assert _texts(train).isdisjoint(_texts(valid))  # not even an exact (case-folded) repeat
    assert len(train) + len(valid) == len(pairs)
    assert split.dropped_for_leakage == 0
    counts = pd.concat([train, valid])["test_id"].value_counts().sort_index()
    pd.testing.assert_series_equal(counts, pairs["test_id"].value_counts().sort_index())
    assert abs(len(valid) / len(pairs) - settings.validation_fraction) < 0.03
    # Another fraction, another seed.
    other = split_by_test(pairs, 0.35, settings.seed + 1)
    assert abs(len(other.valid) / len(pairs) - 0.35) < 0.03
    assert set(other.train["test_id"]).isdisjoint(other.valid["test_id"])
    assert shared_headlines(other.train, other.valid) == set()
    assert set(other.valid["test_id"]) != set(valid["test_id"])


def test_dataset_split_validation_is_leak_free_and_randomised(upworthy_pairs, settings):
    split = dataset_split("upworthy", settings)
    assert set(split.train["test_id"]).isdisjoint(split.valid["test_id"])
    assert shared_headlines(split.train, split.valid) == set()
    assert not split.valid["unrandomised"].any()
    assert split.train["unrandomised"].any()  # kept (flagged) in training
    assert 0.1 < len(split.valid) / len(upworthy_pairs) < 0.25


LINKED = [
    ("upworthy:t1", "2014-01-01", "Big news today", "Small news today"),
    ("upworthy:t2", "2014-01-02", "BIG news, today!", "Other news entirely"),  # shares with t1
    ("upworthy:t3", "2014-01-03", "Third headline here", "other news ENTIRELY"),  # shares with t2
]
UNLINKED = [
    (f"upworthy:u{i}", "2014-02-01", f"Lonely headline {i}", f"Solitary headline {i}") for i in range(5)
]


def test_tests_sharing_a_headline_form_one_group():
    pairs = _pairs(LINKED + UNLINKED + [("upworthy:t1", "2014-01-01", "Small news today", "Medium news")])
    groups = group_of_each_pair(pairs)
    by_test = dict(zip(pairs["test_id"], groups))
    assert by_test["upworthy:t1"] == by_test["upworthy:t2"] == by_test["upworthy:t3"]
    assert len({by_test[f"upworthy:u{i}"] for i in range(5)} | {by_test["upworthy:t1"]}) == 6
    # All pairs of one test share its group.
    assert groups[pairs["test_id"] == "upworthy:t1"].nunique() == 1


def test_tests_sharing_a_headline_land_on_the_same_side():
    pairs = _pairs(LINKED + UNLINKED)
    linked = {"upworthy:t1", "upworthy:t2", "upworthy:t3"}
    sides = []
    for seed in range(40):
        split = split_by_test(pairs, 0.5, seed)
        in_valid = linked & set(split.valid["test_id"])
        in_train = linked & set(split.train["test_id"])
        assert not (in_valid and in_train), seed
        assert shared_headlines(split.train, split.valid) == set()
        assert len(split.train) + len(split.valid) == len(pairs)
        sides.append(bool(in_valid))
    assert any(sides) and not all(sides)  # the group really moves between sides
    # Deterministic per seed.
    first, again = split_by_test(pairs, 0.5, 3), split_by_test(pairs, 0.5, 3)
    pd.testing.assert_frame_equal(first.valid, again.valid)


def test_split_by_test_fraction_zero_and_one():
    pairs = _pairs(LINKED + UNLINKED)
    assert len(split_by_test(pairs, 0.0, 1).valid) == 0
    assert len(split_by_test(pairs, 1.0, 1).train) == 0


# --- split_by_time --------------------------------------------------------------------------------


def test_split_by_time_drops_validation_pairs_sharing_a_train_headline():
    pairs = _pairs(
        [
            ("upworthy:p1", "2014-01-05", "Alpha story", "Beta story"),
            ("upworthy:p2", "2014-05-31", "Gamma story", "Delta story"),
            ("upworthy:p3", "2014-06-01", "Epsilon story", "Zeta story"),  # on the cutoff: validation
            ("upworthy:p4", "2014-07-01", "ALPHA story!", "Eta story"),  # repeats a train headline
            ("upworthy:p5", "2014-08-01", "Theta story", "delta  story"),  # repeats one on side b
            ("upworthy:p6", "2014-09-01", "Iota story", "Epsilon story"),  # repeats a validation one: fine
        ]
    )
    split = split_by_time(pairs, "2014-06-01")
    assert split.train["test_id"].tolist() == ["upworthy:p1", "upworthy:p2"]
    assert split.valid["test_id"].tolist() == ["upworthy:p3", "upworthy:p6"]
    assert split.dropped_for_leakage == 2
    assert shared_headlines(split.train, split.valid) == set()
    assert list(split.valid.columns) == PAIR_COLUMNS


def test_split_by_time_without_leakage_drops_nothing():
    pairs = _pairs(
        [("upworthy:p1", "2014-01-05", "Alpha", "Beta"), ("upworthy:p2", "2014-07-01", "Gamma", "Delta")]
    )
    split = split_by_time(pairs, "2014-06-01")
    assert (len(split.train), len(split.valid), split.dropped_for_leakage) == (1, 1, 0)
    assert split.dropped_undated == 0


def test_split_by_time_counts_undated_pairs_it_cannot_place():
    pairs = _pairs(
        [("upworthy:p1", "2014-01-05", "Alpha", "Beta"), ("upworthy:p2", "2014-07-01", "Gamma", "Delta")]
    )
    undated = _pairs([("upworthy:p3", "2014-01-05", "Epsilon", "Zeta")]).assign(date=pd.NaT)
    split = split_by_time(pd.concat([pairs, undated], ignore_index=True), "2014-06-01")
    assert (len(split.train), len(split.valid), split.dropped_undated) == (1, 1, 1)


@pytest.mark.parametrize("cutoff", ["2013-07-01", "2014-10-01"])
def test_split_by_time_on_real_upworthy_pairs(upworthy_pairs, cutoff):
    pairs = upworthy_pairs
    split = split_by_time(pairs, cutoff)
    dates = pd.to_datetime(pairs["date"])
    assert (pd.to_datetime(split.train["date"]) < cutoff).all()
    assert (pd.to_datetime(split.valid["date"]) >= cutoff).all()
    assert len(split.train) == (dates < cutoff).sum()
    assert len(split.valid) + split.dropped_for_leakage == (dates >= cutoff).sum()
    assert split.dropped_for_leakage > 0  # a few headlines were re-tested months later
    assert shared_headlines(split.train, split.valid) == set()
    train_texts = set(split.train["headline_a"].map(normalise_headline)) | set(
        split.train["headline_b"].map(normalise_headline)
    )
    later = pairs[dates >= cutoff]
    leaking = later["headline_a"].map(normalise_headline).isin(train_texts) | later["headline_b"].map(
        normalise_headline
    ).isin(train_texts)
    assert split.dropped_for_leakage == leaking.sum()


# --- newest tests (forward split, dev slice by time) --------------------------------------


def test_newest_cutoff_holds_out_the_newest_share_of_tests():
    pairs = _pairs([(f"t{i}", f"2020-01-{i + 1:02d}", f"a{i}", f"b{i}") for i in range(10)])
    assert newest_cutoff(pairs, 0.2) == "2020-01-09"
    assert newest_cutoff(pairs, 0.0) == "" and newest_cutoff(pairs, 1.0) == ""


def test_split_newest_holds_out_each_sources_newest_tests_without_shared_headlines():
    old = [(f"u{i}", f"2014-01-{i + 1:02d}", f"up {i}", f"down {i}") for i in range(10)]
    ars = [(f"a{i}", f"2020-01-{i + 1:02d}", f"ars {i}", f"other {i}") for i in range(10)]
    pairs = _pairs(old + ars)
    pairs.loc[10:, "source"] = "ars"
    # The newest Upworthy test repeats an older headline: it must not be measured.
    pairs.loc[9, "headline_a"] = "UP 0"
    split = split_newest(pairs, 0.2)
    assert sorted(split.valid["test_id"]) == ["a8", "a9", "u8"]
    assert split.dropped_for_leakage == 1
    assert not shared_headlines(split.train, split.valid)
    # All tests on one day: none is newer, nothing is held out.
    same_day = _pairs([(f"t{i}", "2020-01-01", f"a{i}", f"b{i}") for i in range(10)])
    assert split_newest(same_day, 0.2).valid.empty


def test_forward_split_measures_the_newest_tests_only(settings):
    upworthy = forward_split("upworthy", settings)
    train_dates = pd.to_datetime(upworthy.train["date"])
    valid_dates = pd.to_datetime(upworthy.valid["date"])
    assert train_dates.max() < pd.Timestamp(upworthy.cutoff) <= valid_dates.min()
    assert not shared_headlines(upworthy.train, upworthy.valid)
    assert not upworthy.valid["unrandomised"].any()
    share = upworthy.valid["test_id"].nunique() / dataset_pairs("upworthy", settings)["test_id"].nunique()
    assert 0.10 < share <= settings.forward_fraction + 0.01
