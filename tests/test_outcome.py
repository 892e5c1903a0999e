import math

import numpy as np
import pandas as pd
import pytest

from core.basics.settings import load_settings
from core.basics.stats import impressions_needed, two_proportion_p_value, wilson_interval
from core.basics.words import roughly
from core.data.outcomes_csv import RowsRefused, load_outcomes
from core.newsroom.entry import count_problems, parse_counts
from core.newsroom.recording import SavedPrediction, record, saved_prediction
from core.newsroom.upload import plan_upload
from core.newsroom.verdict import chance_in_words, summarise
from db import experiments
from db.engine import get_sessionmaker
from db.migrate import upgrade
from tests.databases import fresh_database_url


def test_a_clear_two_arm_result_names_the_winner_and_the_models_hit():
    s = summarise(["A", "B"], [(1000, 100), (1000, 50)], predicted_probabilities=[0.7, 0.3])

    assert s.rates == [0.1, 0.05]
    low, high = wilson_interval([100, 50], [1000, 1000])
    assert s.low == pytest.approx(low.tolist()) and s.high == pytest.approx(high.tolist())
    assert s.low[0] < 0.1 < s.high[0]
    # two arms: the plain two-proportion p-value, no correction
    assert s.p_value == pytest.approx(float(two_proportion_p_value(100, 1000, 50, 1000)))
    assert s.p_value < 0.001 and s.significant
    assert (s.best, s.runner_up, s.winner, s.predicted) == (0, 1, 0, 0)
    assert s.model_correct is True and s.predicted_win_probability == 0.7
    assert s.more_impressions is None
    assert s.verdict == "winner: A" and s.model_verdict() == "the model predicted it"


def test_a_pick_scored_after_the_test_ran_is_not_called_a_prediction():
    from dataclasses import replace

    hit = replace(summarise(["A", "B"], [(1000, 100), (1000, 50)], [0.7, 0.3]), after_the_test=True)
    miss = replace(summarise(["A", "B"], [(1000, 50), (1000, 100)], [0.7, 0.3]), after_the_test=True)
    assert hit.model_verdict() == "its top pick, scored after the test ran, was the winner"
    assert miss.model_verdict() == "its top pick, scored after the test ran, was another headline, “A”"
    assert "predicted" not in hit.model_verdict() + miss.model_verdict()
    assert "not a forecast" in hit.after_the_test_note


def test_a_significant_winner_the_model_did_not_pick_is_a_miss():
    s = summarise(["A", "B"], [(1000, 50), (1000, 100)], predicted_probabilities=[0.6, 0.4])

    assert s.winner == 1 and s.predicted == 0
    assert s.model_correct is False
    assert s.predicted_win_probability == 0.4  # what the model gave the real winner
    assert s.model_verdict() == "the model picked another headline, “A”"  # which one, not only that


def test_with_three_arms_the_p_value_is_bonferroni_corrected_and_can_lose_significance():
    counts = [(1000, 60), (1000, 40), (1000, 10)]
    raw = float(two_proportion_p_value(60, 1000, 40, 1000))
    assert raw < 0.05  # significant on its own ...

    s = summarise(["A", "B", "C"], counts, predicted_probabilities=[0.5, 0.3, 0.2])

    assert s.p_value == pytest.approx(2 * raw)  # ... but not after 2 comparisons
    assert not s.significant and s.winner is None
    assert s.best == 0 and s.runner_up == 1
    assert s.model_correct is None and s.predicted_win_probability is None
    assert s.verdict == "no significant winner yet"
    needed = impressions_needed(0.06, 0.04, alpha=0.05 / 2)
    assert s.more_impressions == [needed - 1000] * 3
    two_arms = summarise(["A", "B"], counts[:2])
    assert two_arms.significant and two_arms.p_value == pytest.approx(raw)


def test_the_impressions_still_needed_subtract_what_each_arm_has():
    s = summarise(["A", "B"], [(200, 12), (500, 20)])

    needed = impressions_needed(0.06, 0.04, alpha=0.05)
    assert s.more_impressions == [needed - 200, needed - 500]
    assert s.table()["more needed"].tolist() == [
        roughly(n) for n in s.more_impressions
    ]  # "1,700", not "1,661"


def test_a_gap_no_test_could_resolve_is_said_so_not_sized():
    # 1 click in a billion apart on 900 billion impressions each: the sample size is astronomical.
    s = summarise(["A", "B"], [(900_000_000_000, 450_000_000_001), (900_000_000_000, 450_000_000_000)])

    assert not s.significant and s.beyond_any_test
    assert "more needed" not in s.table().columns  # no "300,000,000,000,000,000,000" in a cell
    assert not summarise(["A", "B"], [(200, 12), (500, 20)]).beyond_any_test


def test_without_a_clear_winner_the_model_is_not_judged_yet_not_undecided():
    s = summarise(["A", "B"], [(200, 12), (500, 20)], predicted_probabilities=[0.81, 0.19])
    assert s.model_correct is None  # the model picked A at 81%: it was the test that was undecided
    assert s.model_verdict() == "not judged yet: the test has no clear (significant) winner yet"


def test_corrected_p_value_is_capped_at_one():
    s = summarise(["A", "B", "C"], [(100, 5), (100, 5), (100, 5)])
    assert s.p_value == 1.0 and not s.significant
    assert s.more_impressions is None  # equal rates: no sample size separates them


def test_without_predictions_the_model_call_is_unknown():
    s = summarise(["A", "B"], [(1000, 100), (1000, 50)])
    assert s.predicted is None and s.model_correct is None and s.predicted_win_probability is None
    assert s.model_verdict() == "no model prediction was saved"


def test_ties_pick_the_earlier_arm_as_best():
    s = summarise(["A", "B", "C"], [(100, 5), (100, 9), (100, 9)])
    assert (s.best, s.runner_up) == (1, 2)


def test_summarise_refuses_mismatched_input():
    with pytest.raises(ValueError, match="two or more"):
        summarise(["A"], [(10, 1)])
    with pytest.raises(ValueError, match="predicted probabilities"):
        summarise(["A", "B"], [(10, 1), (10, 2)], predicted_probabilities=[1.0])


def test_the_summary_table_has_one_row_per_arm():
    table = summarise(["A", "B"], [(1000, 100), (1000, 50)], [0.7, 0.3]).table()
    assert table["headline"].tolist() == ["A", "B"]
    assert table["click rate"].tolist() == [0.1, 0.05]
    assert table["likely range"].tolist() == ["8.3%–12.0%", "3.8%–6.5%"]  # the 95% interval, one column
    assert table["model's chance"].tolist() == [0.7, 0.3]
    assert "more needed" not in table  # a clear winner: no arm needs more


def test_the_summary_table_leaves_out_what_it_has_nothing_to_say_about():
    """Issue #14: "None" in the more-impressions column. A column is there only when it has a
    value in every row."""
    undecided = summarise(["A", "B"], [(200, 12), (500, 20)]).table()
    assert list(undecided.columns) == [
        "headline",
        "impressions",
        "clicks",
        "click rate",
        "likely range",
        "more needed",
    ]  # no prediction saved: no model column
    equal = summarise(["A", "B"], [(100, 5), (100, 5)], [0.5, 0.5]).table()
    assert "more needed" not in equal and "model's chance" in equal  # no sample size separates them
    for table in (undecided, equal):
        assert not table.isna().any().any()


def test_count_problems_are_named_per_headline_and_field():
    problems = count_problems(
        [
            ("100", "150"),  # clicks above impressions
            ("abc", "5"),  # not a number
            ("0", "0"),  # zero impressions
            ("100", "-3"),  # negative
            ("", "2.5"),  # missing, fractional
            ("1,000", "20"),  # fine: thousands separator
        ]
    )
    assert problems == [
        "headline 1: clicks (150) above impressions (100)",
        "headline 2: impressions is not a number ('abc')",
        "headline 3: impressions must be above 0",
        "headline 4: clicks must not be negative (-3)",
        "headline 5: impressions missing",
        "headline 5: clicks must be a whole number (2.5)",
    ]


def test_parse_counts_returns_ints_or_raises_with_every_problem():
    assert parse_counts([("1,000", "20"), (500, 5)]) == [(1000, 20), (500, 5)]
    with pytest.raises(ValueError, match="headline 2: clicks") as error:
        parse_counts([("x", "1"), ("10", "11")])
    assert "headline 1: impressions" in str(error.value)
    assert count_problems([(True, 1)]) == ["headline 1: impressions is not a number (True)"]
    assert count_problems([("inf", "1")]) == ["headline 1: impressions is not a finite number (inf)"]


def test_bad_rows_refuse_the_file_listing_row_column_and_reason_in_row_order():
    csv = (
        b"test_id,headline,impressions,clicks\n"
        b"t1,A,100,5\n"
        b"t1,B,100,500\n"  # row 3
        b"t1,,100,5\n"  # row 4
        b"t2,C,lots,5\n"  # row 5
        b"t2,D,100,6\n"
    )
    with pytest.raises(RowsRefused) as refused:
        load_outcomes(csv)
    assert refused.value.problems == [
        "row 3, column clicks: clicks (500) above impressions (100)",
        "row 4, column headline: empty headline",
        "row 5, column impressions: impressions is not a number ('lots')",
    ]


def test_plan_upload_matches_saved_tests_by_headline_and_keeps_their_arm_order():
    csv = (
        b"test_id,headline,impressions,clicks\n"
        b"x,Dogs win,200,30\n"
        b"x,  Cats   win ,100,10\n"  # cleaned, matched case-insensitively below
        b"y,New one,50,5\n"
        b"y,New two,60,6\n"
    )
    arms = load_outcomes(csv, source_name="csv").arms

    planned, problems = plan_upload(arms, {7: ["cats win", "Dogs win!"], 8: ["Other", "Pair"]})

    assert problems == []
    matched, new = planned
    assert (matched.csv_test_id, matched.saved_test_id) == ("x", 7)
    assert matched.headlines == ["Cats win", "Dogs win"]  # the saved test's order
    assert matched.counts == [(100, 10), (200, 30)] and matched.rows == [3, 2]
    assert (new.csv_test_id, new.saved_test_id, new.rows) == ("y", None, [4, 5])
    assert new.counts == [(50, 5), (60, 6)]


def test_plan_upload_prefers_the_first_saved_test_with_the_same_headlines():
    arms = load_outcomes(b"test_id,headline,impressions,clicks\nx,A,10,1\nx,B,10,2\n").arms
    planned, _ = plan_upload(arms, {3: ["A", "B"], 9: ["B", "A"]})
    assert planned[0].saved_test_id == 3


def test_plan_upload_reports_single_headline_tests_and_repeats_with_rows():
    # load_outcomes refuses such a file itself (tests/test_malformed_files.py); plan_upload
    # applies the same rule to arms from anywhere.
    arms = pd.DataFrame(
        {
            "test_id": ["csv:solo", "csv:rep", "csv:rep", "csv:rep"],
            "headline": ["Alone", "Same", "Other", "same!"],
            "impressions": [10, 10, 10, 10],
            "clicks": [1, 1, 1, 2],
        }
    )
    planned, problems = plan_upload(arms, {})
    assert planned == []
    assert problems == [
        "test solo, row 2: only one headline; a test needs two or more",
        "test rep, rows 3, 5, column headline: the same headline twice (“Same” / “same!”; "
        "case and punctuation are ignored)",
    ]


@pytest.fixture
def Session(tmp_path):
    settings = load_settings(database_url=fresh_database_url(tmp_path, "lab.db"))
    upgrade(settings)
    return get_sessionmaker(settings)


def test_record_stores_the_summary_against_the_saved_predictions(Session):
    with Session.begin() as session:
        test = experiments.create_test(
            session, ["A", "B", "C"], None, "ana", "v1", [0.1, 0.2, 0.3], [0.2, 0.5, 0.3]
        )
    with Session.begin() as session:
        stored = experiments.get_test(session, test.id)
        assert saved_prediction(stored) == SavedPrediction("v1", [0.2, 0.5, 0.3], at_recording=False)
        summary = record(session, stored, [(1000, 20), (1000, 90), (1000, 30)], "bo")

    assert summary.winner == 1 and summary.model_correct is True
    with Session.begin() as session:
        stored = experiments.get_test(session, test.id)
        outcome = stored.latest_outcome
        arm_ids = [arm.id for arm in stored.arms]
        assert [(a.impressions, a.clicks) for a in stored.arms] == [(1000, 20), (1000, 90), (1000, 30)]
    assert outcome.recorded_by == "bo" and outcome.significant
    assert outcome.winner_arm_id == arm_ids[1] and outcome.predicted_arm_id == arm_ids[1]
    assert outcome.model_version == "v1" and outcome.model_correct is True
    assert outcome.prediction_at_recording is False  # saved on Compare, before the test ran
    assert outcome.predicted_win_probability == 0.5
    assert math.isclose(outcome.p_value, summary.p_value)


def test_record_without_predictions_stores_no_model_call(Session):
    with Session.begin() as session:
        test = experiments.create_test(session, ["A", "B"])
        assert saved_prediction(test) is None
        record(session, test, [(100, 5), (100, 6)])
    with Session.begin() as session:
        outcome = experiments.get_test(session, test.id).latest_outcome
    assert outcome.predicted_arm_id is None and outcome.model_version is None
    assert outcome.model_correct is None and outcome.winner_arm_id is None and not outcome.significant
    assert outcome.prediction_at_recording is None


def test_a_prediction_made_at_recording_is_flagged_on_the_outcome(Session):
    with Session.begin() as session:
        test = experiments.create_test(
            session, ["A", "B"], None, "ana", "v2", [0.3, 0.1], [0.6, 0.4], predicted_at_recording=True
        )
        assert saved_prediction(test).at_recording is True
        record(session, test, [(1000, 90), (1000, 20)])
    with Session.begin() as session:
        outcome = experiments.get_test(session, test.id).latest_outcome
    assert outcome.model_correct is True and outcome.prediction_at_recording is True


def test_outcome_helpers_accept_numpy_and_pandas_counts():
    frame = pd.DataFrame({"impressions": np.array([100, 100]), "clicks": np.array([10, 20])})
    counts = parse_counts(list(zip(frame["impressions"], frame["clicks"])))
    assert counts == [(100, 10), (100, 20)] and all(type(v) is int for pair in counts for v in pair)


@pytest.mark.parametrize(
    ("p_value", "odds"),
    [
        (2.56e-06, "less than 1 time in 1,000"),
        (0.0312, "about 1 time in 32"),
        (0.2, "about 1 time in 5"),
        (0.0014, "about 1 time in 710"),  # two significant digits, as every estimate here
        (0.7, "more often than not"),
        (0.97, "almost always"),
    ],
)
def test_a_p_value_in_words(p_value, odds):
    assert chance_in_words(p_value) == (
        f"if the headlines were equally good, a gap this large would turn up by chance {odds}"
    )


def test_a_pick_compare_called_too_close_to_call_is_a_lean_not_a_prediction():
    counts = [(6000, 150), (6000, 240)]
    hit = summarise(["A", "B"], counts, predicted_probabilities=[0.46, 0.54])
    assert hit.model_correct is True and hit.pick_head_to_head == pytest.approx(0.54)
    assert hit.model_verdict(0.55) == (
        "the model leaned towards it but had called the drafts too close to call (54% head to head)"
    )
    assert hit.model_verdict(0.5) == "the model predicted it"  # beyond the bar: a prediction
    miss = summarise(["A", "B", "C"], [(6000, 150), (6000, 240), (6000, 100)], [0.40, 0.35, 0.25])
    assert miss.pick_head_to_head == pytest.approx(0.40 / 0.75)
    assert miss.model_verdict(0.55) == (
        "the model leaned towards another headline, “A”, but had called the drafts too close to call "
        "(53% head to head)"
    )
