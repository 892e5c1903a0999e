import io

import numpy as np
import pandas as pd
import pytest

from core.basics.settings import load_settings
from core.newsroom.history import (
    ARM_COLUMNS,
    EXPORT_COLUMNS,
    EXPORT_HEADINGS,
    accuracy_by_version,
    accuracy_over_time,
    accuracy_summary,
    arm_outcomes,
    calibration,
    export_csv,
    forecasts_only,
    judged_outcomes,
    model_call,
    pick_head_to_head,
    search,
    summary_line,
)
from core.newsroom.recording import record
from db import experiments
from db import outcomes as db_outcomes
from db.engine import get_sessionmaker
from db.migrate import upgrade
from db.schema import Prediction
from tests.databases import fresh_database_url

# (model version, predicted win probabilities, counts): recorded in this order.
TESTS = [
    ("v1", [0.7, 0.3], [(1000, 100), (1000, 50)]),  # significant, arm 0 wins, predicted 0: hit
    ("v1", [0.8, 0.2], [(1000, 50), (1000, 100)]),  # significant, arm 1 wins, predicted 0: miss
    ("v2", [0.4, 0.6], [(100, 10), (100, 11)]),  # undecided, best 1, predicted 1: hit on all
    ("v2", [0.45, 0.55], [(100, 11), (100, 10)]),  # undecided, best 0, predicted 1: miss on all
    (None, None, [(1000, 100), (1000, 50)]),  # significant, saved without a model
]


NO_ROWS = pd.DataFrame(columns=db_outcomes.ARM_ROW_COLUMNS)


@pytest.fixture
def Session(tmp_path):
    settings = load_settings(database_url=fresh_database_url(tmp_path, "lab.db"))
    upgrade(settings)
    Session = get_sessionmaker(settings)
    for version, probabilities, counts in TESTS:
        with Session.begin() as session:
            scores = None if probabilities is None else [0.0] * len(probabilities)
            test = experiments.create_test(session, ["A", "B"], None, "ana", version, scores, probabilities)
            record(session, test, counts, "bo")
    with Session.begin() as session:
        experiments.create_test(session, ["Still", "Waiting"], None, "ana", "v1", [0, 0], [0.5, 0.5])
    return Session


def history(Session, version=None):
    with Session.begin() as session:
        outcomes = db_outcomes.outcomes_frame(session, model_version=version)
        rows = db_outcomes.recorded_arms_frame(session)
    arms = arm_outcomes(rows[rows["test_id"].isin(outcomes["test_id"])])
    return judged_outcomes(outcomes, arms), arms


def test_arm_outcomes_has_each_arm_with_its_prediction_and_result(Session):
    _, arms = history(Session)

    assert len(arms) == 10  # five tests with outcomes, two arms each; the waiting test is left out
    first = arms[arms["test_id"] == arms["test_id"].min()]
    assert first["win_probability"].tolist() == [0.7, 0.3]
    assert first["winner"].tolist() == [True, False] and first["best"].tolist() == [True, False]
    assert first["rate"].tolist() == [0.1, 0.05] and first["model_version"].tolist() == ["v1", "v1"]
    undecided = arms[~arms["significant"]]
    assert not undecided["winner"].any() and undecided["best"].sum() == 2
    assert arms["win_probability"].isna().sum() == 2  # the test saved without a model


def test_judged_outcomes_marks_whether_the_top_pick_had_the_best_rate(Session):
    judged, _ = history(Session)

    assert judged["model_correct"].iloc[:2].tolist() == [True, False]
    assert judged["model_correct"].iloc[2:].isna().all()  # undecided, or no prediction
    assert judged["hit_best"].iloc[:4].tolist() == [True, False, True, False]
    assert pd.isna(judged["hit_best"].iloc[4])  # no prediction: not judged


def test_accuracy_summary_counts_significant_and_all_outcomes(Session):
    summary = accuracy_summary(history(Session)[0])

    assert summary.loc["significant outcomes"].tolist() == [2, 1, 0.5]
    assert summary.loc["all outcomes"].tolist() == [4, 2, 0.5]


def test_accuracy_by_version_says_what_each_model_got_right(Session):
    by_version = accuracy_by_version(history(Session)[0]).set_index("version")
    assert by_version.loc["v1", ["tests", "significant tests", "accuracy (significant)"]].tolist() == [
        2,
        2,
        0.5,
    ]
    assert by_version.loc["v2", "significant tests"] == 0 and np.isnan(
        by_version.loc["v2", "accuracy (significant)"]
    )
    assert by_version["accuracy (all)"].tolist() == [0.5, 0.5]


def test_accuracy_over_time_is_cumulative_in_recording_order(Session):
    over_time = accuracy_over_time(*history(Session))

    # Four rows: the fifth outcome (a test saved without a model) counts nowhere, adds none.
    assert over_time["accuracy (significant)"].tolist() == [1.0, 0.5, 0.5, 0.5]
    assert over_time["tests (significant)"].tolist() == [1, 2, 2, 2]
    assert over_time["accuracy (all)"].tolist() == pytest.approx([1.0, 0.5, 2 / 3, 0.5])
    assert over_time["tests (all)"].tolist() == [1, 2, 3, 4]
    assert over_time.index.is_monotonic_increasing


def test_accuracy_over_time_has_no_rows_while_no_outcome_counts(Session):
    judged, arms = forecasts_only(*history(Session))
    nothing_forecast = judged.assign(model_correct=pd.NA, hit_best=pd.NA)
    assert accuracy_over_time(nothing_forecast, arms).empty


def test_expected_accuracy_is_the_mean_win_probability_of_the_picks_in_the_same_tests(Session):
    over_time = accuracy_over_time(*history(Session))

    # Picks: 0.7 (hit), 0.8 (miss), then undecided tests picked at 0.6 and 0.55.
    assert over_time["expected (significant)"].tolist() == pytest.approx([0.7, 0.75, 0.75, 0.75])
    assert over_time["expected (all)"].tolist() == pytest.approx([0.7, 0.75, 0.7, 0.6625])
    # Expected 75%, right on half the significant outcomes: over-confident so far.
    assert (over_time["accuracy (significant)"] < over_time["expected (significant)"]).iloc[-1]


def test_accuracy_over_time_is_empty_until_a_test_is_judged():
    judged = pd.DataFrame(
        {
            "recorded_at": pd.to_datetime(["2024-01-01", "2024-02-01"], utc=True),
            "outcome_id": [1, 2],
            "predicted_arm_id": [10, 20],
            "model_correct": pd.array([pd.NA, True], dtype="boolean"),
            "hit_best": pd.array([False, True], dtype="boolean"),
        }
    )
    arms = pd.DataFrame({"arm_id": [10, 11, 20, 21], "win_probability": [0.6, 0.4, 0.9, 0.1]})
    over_time = accuracy_over_time(judged, arms)
    assert pd.isna(over_time["accuracy (significant)"].iloc[0])
    assert pd.isna(over_time["expected (significant)"].iloc[0])
    assert over_time["accuracy (significant)"].iloc[1] == 1.0
    assert over_time["expected (significant)"].iloc[1] == pytest.approx(0.9)
    assert over_time["accuracy (all)"].tolist() == [0.0, 0.5]
    assert over_time["expected (all)"].tolist() == pytest.approx([0.6, 0.75])


def test_calibration_bins_predicted_probabilities_against_observed_wins(Session):
    _, arms = history(Session)

    significant = calibration(arms, bins=5)
    # significant tests with predictions: 0.7 won, 0.3 lost, 0.8 lost, 0.2 won
    assert significant.index.tolist() == ["0%–20%", "20%–40%", "60%–80%"]
    assert significant["arms"].tolist() == [1, 1, 2]
    assert significant["observed"].tolist() == [1.0, 0.0, 0.5]
    assert significant["predicted"].tolist() == pytest.approx([0.2, 0.3, 0.75])

    everything = calibration(arms, bins=2, significant_only=False)
    # all 8 predicted arms; best observed rate counts as a win
    assert everything["arms"].tolist() == [4, 4]
    # below 0.5: 0.3 lost, 0.2 won, 0.4 lost, 0.45 won; above: 0.7 won, 0.8 lost, 0.6 won, 0.55 lost
    assert everything["observed"].tolist() == [0.5, 0.5]


def test_the_model_version_filter_keeps_that_models_outcomes(Session):
    judged, arms = history(Session, version="v2")

    assert len(judged) == 2 and set(judged["model_version"]) == {"v2"}
    assert accuracy_summary(judged).loc["significant outcomes", "tests"] == 0
    assert set(arms["test_id"]) == set(judged["test_id"])


def test_export_csv_round_trips_the_history_table(Session):
    judged, _ = history(Session)

    exported = pd.read_csv(io.BytesIO(export_csv(judged)))

    assert list(exported.columns) == [EXPORT_HEADINGS[c] for c in EXPORT_COLUMNS]
    assert len(exported) == 5
    assert exported["significant_winner"].tolist()[:2] == ["A", "B"]
    assert exported["model_version"].tolist()[:4] == ["v1", "v1", "v2", "v2"]
    # the model's chance for the winner is named as such, not as its pick's
    assert exported["model_chance_for_the_winner"].round(2).tolist()[:2] == [0.7, 0.2]
    only = pd.read_csv(io.BytesIO(export_csv(judged, numbers=judged["test_number"].iloc[[1, 3]])))
    assert only["test_number"].tolist() == judged["test_number"].iloc[[1, 3]].tolist()  # what is shown
    assert exported["recorded_at_utc"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()


def test_no_outcomes_give_empty_tables(tmp_path):
    settings = load_settings(database_url=fresh_database_url(tmp_path, "empty.db"))
    upgrade(settings)
    with get_sessionmaker(settings).begin() as session:
        outcomes = db_outcomes.outcomes_frame(session)
    judged = judged_outcomes(outcomes, arm_outcomes(NO_ROWS))
    assert judged.empty
    assert accuracy_summary(judged)["tests"].tolist() == [0, 0]
    assert calibration(arm_outcomes(NO_ROWS)).empty


def test_predictions_made_at_recording_are_listed_but_not_counted(Session):
    with Session.begin() as session:  # a test typed in on Record outcome: predicted after it ran
        test = experiments.create_test(
            session, ["C", "D"], None, "ana", "v2", [0, 0], [0.9, 0.1], predicted_at_recording=True
        )
        record(session, test, [(1000, 100), (1000, 50)], "bo")  # the model is right, after the fact
    judged, arms = history(Session)
    with_all = accuracy_summary(judged)
    forecasts, forecast_arms = forecasts_only(judged, arms)
    only = accuracy_summary(forecasts)

    assert len(forecasts) == len(judged) == 6  # still listed
    assert (
        with_all.loc["significant outcomes", "tests"] == 3
        and with_all.loc["significant outcomes", "hits"] == 2
    )
    assert only.loc["significant outcomes", "tests"] == 2 and only.loc["significant outcomes", "hits"] == 1
    assert only.loc["all outcomes", "tests"] == with_all.loc["all outcomes", "tests"] - 1
    late = forecast_arms["test_id"] == test.id
    assert forecast_arms.loc[late, "win_probability"].isna().all()
    assert (
        forecast_arms.loc[~late, "win_probability"].notna().sum()
        == arms.loc[~late, "win_probability"].notna().sum()
    )
    assert calibration(forecast_arms)["arms"].sum() == calibration(arms)["arms"].sum() - 2
    # The late prediction (0.9 on the winner) is left out of what the model expected, too.
    assert accuracy_over_time(judged, arms)["expected (significant)"].iloc[-1] == pytest.approx(0.8)
    assert accuracy_over_time(forecasts, forecast_arms)["expected (significant)"].iloc[-1] == pytest.approx(
        0.75
    )


def test_summary_line_counts_in_words_and_says_why_some_clear_winners_are_not_counted():
    judged = pd.DataFrame(
        {
            "significant": [True, True, True, False],
            "model_correct": pd.array([True, pd.NA, pd.NA, pd.NA], dtype="boolean"),
        }
    )
    assert summary_line(judged) == (
        "4 tests with an outcome; 3 had a clear winner. The model picked that winner in 1 of 1 (100%). "
        "The other 2 had no forecast saved before the test ran (uploaded, or typed in on Record outcome), "
        "so they are not counted."
    )
    one = summary_line(judged.iloc[:2])
    assert one.startswith("2 tests with an outcome; 2 had a clear winner.") and one.endswith(
        "so it is not counted."
    )
    assert summary_line(judged.iloc[3:]) == (
        "1 test with an outcome; 0 had a clear winner. None with a clear winner was forecast by the model yet, "
        "so its live accuracy is still open."
    )
    many = pd.concat([judged] * 700, ignore_index=True)  # every count with a thousands separator
    assert summary_line(many).startswith(
        "2,800 tests with an outcome; 2,100 had a clear winner. The model picked that winner in 700 of 700 "
        "(100%). The other 1,400 had no forecast"
    )


def arm_outcomes_from_objects(tests) -> pd.DataFrame:
    """The rule as History applied it to loaded Test objects before the one-query frame: the
    oracle the frame's rows must reproduce."""
    rows = []
    for test in tests:
        outcome = test.latest_outcome
        if outcome is None or any(arm.impressions is None for arm in test.arms):
            continue
        predictions = {p.arm_id: p for p in test.predictions}
        rates = [arm.clicks / arm.impressions for arm in test.arms]
        best = int(np.argmax(rates))
        for i, (arm, rate) in enumerate(zip(test.arms, rates)):
            prediction = predictions.get(arm.id)
            rows.append(
                {
                    "test_id": test.id,
                    "test_number": test.number,
                    "arm_id": arm.id,
                    "headline": arm.headline,
                    "impressions": arm.impressions,
                    "clicks": arm.clicks,
                    "rate": rate,
                    "model_version": prediction.model_version if prediction else None,
                    "win_probability": prediction.win_probability if prediction else np.nan,
                    "at_recording": bool(prediction.at_recording) if prediction else False,
                    "significant": bool(outcome.significant),
                    "winner": arm.id == outcome.winner_arm_id,
                    "best": i == best,
                }
            )
    return pd.DataFrame(rows, columns=ARM_COLUMNS)


def test_the_one_query_frame_gives_what_the_loaded_tests_gave(Session):
    """Re-recorded, undone, deleted, tied, three-headline and re-predicted tests among them."""
    with Session.begin() as session:
        tied = experiments.create_test(
            session, ["T1", "T2", "T3"], None, "ana", "v2", [0, 0, 0], [0.2, 0.5, 0.3]
        )
        record(session, tied, [(500, 20), (400, 16), (500, 10)], "bo")  # arms 1 and 2 tie at 4%
        corrected = experiments.create_test(session, ["C1", "C2"], None, "ana", "v1", [0, 0], [0.6, 0.4])
        record(session, corrected, [(100, 1), (100, 2)], "bo")
        record(session, corrected, [(1000, 90), (1000, 40)], "bo")
        undone = experiments.create_test(session, ["U1", "U2"], None, "ana", "v1", [0, 0], [0.5, 0.5])
        record(session, undone, [(1000, 100), (1000, 40)], "bo")
        record(session, undone, [(1000, 10), (1000, 40)], "bo")
        db_outcomes.undo_last_outcome(session, undone.id, "bo")  # the first recording counts again
        gone = experiments.create_test(session, ["G1", "G2"], None, "ana", "v1", [0, 0], [0.5, 0.5])
        record(session, gone, [(1000, 100), (1000, 40)], "bo")
        experiments.delete_test(session, gone.id, "bo")
        repredicted = experiments.create_test(session, ["R1", "R2"], None, "ana", "v1", [0, 0], [0.9, 0.1])
        record(session, repredicted, [(1000, 30), (1000, 60)], "bo")
        session.add_all(  # a later prediction per arm: the latest one is the arm's
            Prediction(
                test_id=repredicted.id, arm_id=arm.id, model_version="v3", score=0.0, win_probability=p
            )
            for arm, p in zip(repredicted.arms, [0.35, 0.65])
        )
    with Session.begin() as session:
        frame = arm_outcomes(db_outcomes.recorded_arms_frame(session))
        session.expire_all()
        oracle = arm_outcomes_from_objects(experiments.list_tests(session, has_outcome=True, limit=None))

    pd.testing.assert_frame_equal(frame, oracle, check_dtype=False)
    assert len(frame) == 2 * 5 + 3 + 2 * 3  # the fixture's five, then tied, corrected, undone, repredicted
    assert frame.loc[frame["headline"].str.startswith("T"), "best"].tolist() == [True, False, False]
    assert frame.loc[frame["headline"].str.startswith("R"), "model_version"].tolist() == ["v3", "v3"]
    assert frame.loc[frame["headline"].str.startswith("U"), "clicks"].tolist() == [100, 40]
    assert not frame["headline"].str.startswith("G").any()


def test_each_test_gets_its_call_in_words():
    judged = pd.DataFrame(
        {
            "predicted_arm_id": [1, 2, 3, 4, np.nan, np.nan],
            "model_correct": pd.array([True, False, pd.NA, pd.NA, pd.NA, pd.NA], dtype="boolean"),
            "significant": [True, True, False, True, True, False],
        }
    )
    assert model_call(judged).tolist() == [
        "right",
        "wrong",
        "no clear winner yet",
        "not a forecast",  # significant, predicted, not judged: scored only as it was recorded
        "no prediction saved",
        "no prediction saved",
    ]
    assert model_call(judged.iloc[:0]).tolist() == []


def test_search_finds_headlines_names_and_numbers_in_any_case():
    table = pd.DataFrame(
        {
            "headlines": ["Island wins | Island loses", "Cats | Dogs"],
            "saved by": ["Ana", ""],
            "recorded by": ["", "bo"],
            "test": [12, 3],
            "model right?": ["right", "wrong"],
        }
    )
    assert search(table, "ISLAND")["test"].tolist() == [12]
    assert search(table, "ana")["test"].tolist() == [12] and search(table, "bo")["test"].tolist() == [3]
    assert search(table, "#3")["test"].tolist() == [3] and search(table, " 12 ")["test"].tolist() == [12]
    assert search(table, "", ["wrong"])["test"].tolist() == [3] and search(table, "cats", ["right"]).empty


def test_the_summary_says_how_many_right_or_wrong_picks_were_leans_compare_called_too_close():
    arms = pd.DataFrame(
        {
            "test_id": [1, 1, 2, 2, 2, 3, 3, 4, 4],
            "win_probability": [0.52, 0.48, 0.30, 0.45, 0.25, 0.9, 0.1, None, None],
        }
    )
    h2h = pick_head_to_head(arms)
    assert h2h.to_dict() == pytest.approx({1: 0.52, 2: 0.45 / 0.75, 3: 0.9})  # test 4: no predictions
    judged = pd.DataFrame(
        {
            "test_id": [1, 2, 3, 4],
            "significant": [True, True, True, True],
            "model_correct": pd.array([True, False, True, pd.NA], dtype="boolean"),
        }
    )
    assert summary_line(judged, h2h, 0.55) == (
        "4 tests with an outcome; 4 had a clear winner. The model picked that winner in 2 of 3 (67%), "
        "counting 1 pick it had called too close to call: a lean, not a confident call. The other one had "
        "no forecast saved before the test ran (uploaded, or typed in on Record outcome), so it is not counted."
    )
    assert "too close" not in summary_line(judged, h2h, 0.5)  # no pick under that bar
    assert pick_head_to_head(arms.iloc[7:]).empty
