"""The History page's views: the archive's record, the tests table, a test's headlines, accuracy
over time, calibration and the record per model version. Every column has its plain words one
hover away."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.basics.words import plural
from ui import charts, pickers, when
from ui.percent import RATE_PERCENT, WHOLE_PERCENT, in_percent_points, with_rate_format

ARCHIVE_TITLE = "The archive (not your newsroom): how the active model did on past A/B tests"

# What an editor looks for first fits a 1280 px window beside the sidebar; ids, statistics,
# names and model versions are one click away.
TEST_COLUMNS = {
    "date": st.column_config.TextColumn(
        width=100, help="The day the outcome was recorded, in your time zone."
    ),
    "headlines": st.column_config.TextColumn(
        width=250,
        help="The headlines tested, in the order they were saved. All of them: “A test's headlines”.",
    ),
    "winner": st.column_config.TextColumn(
        width=170, help="The headline with a clearly (significantly) better click rate, if any yet."
    ),
    "model's pick": st.column_config.TextColumn(
        width=170, help="The headline the model ranked first when the test was saved."
    ),
    "model right?": st.column_config.TextColumn(
        width=125,
        help="right / wrong: its pick was / was not the clear winner. No clear winner yet: the test "
        "cannot judge it. Not a forecast: scored only after the test ran.",
    ),
    "test": st.column_config.NumberColumn("test", format="#%d", help="The test's number on Record outcome."),
    "recorded": st.column_config.TextColumn(help="When the outcome was recorded, in your time zone."),
    "model's P(winner)": st.column_config.NumberColumn(
        "chance it gave the winner",
        format=WHOLE_PERCENT,
        help="The win probability the model gave the headline that won (blank: no clear winner).",
    ),
    "p-value": st.column_config.TextColumn(
        help="How often a gap this big would turn up by chance alone if the headlines were equally good; "
        "below 0.05 counts as clear (as on Record outcome).",
    ),
    "saved by": st.column_config.TextColumn(help="Who saved the test on Compare."),
    "recorded by": st.column_config.TextColumn(help="Who recorded its outcome."),
    "model": st.column_config.TextColumn(
        help="The model version that made the forecast, as Models names it."
    ),
    "predicted at recording": st.column_config.CheckboxColumn(
        help="The model scored it only as the outcome was recorded: not a forecast."
    ),
}
EDITOR_COLUMNS = ["date", "headlines", "winner", "model's pick", "model right?"]
# The test's number, then its headlines (so the row is known), then the rest, which may scroll.
DETAIL_COLUMNS = ["test", "headlines"] + [c for c in TEST_COLUMNS if c not in EDITOR_COLUMNS and c != "test"]

HEADLINE_COLUMNS = {
    "headline": st.column_config.TextColumn(help="The headline as readers saw it in the test."),
    "impressions": st.column_config.NumberColumn(
        format="localized", help="How many readers were shown this headline."
    ),
    "clicks": st.column_config.NumberColumn(format="localized", help="How many of them clicked it."),
    "rate": st.column_config.NumberColumn("click rate", format=RATE_PERCENT, help="Clicks ÷ impressions."),
    "win_probability": st.column_config.NumberColumn(
        "model's chance",
        format=WHOLE_PERCENT,
        help="The model's chance that this headline would get the most clicks: given when the test "
        "was saved, or, for a test not saved on Compare first, as its outcome was recorded "
        "(blank: the model gave none).",
    ),
    "winner": st.column_config.CheckboxColumn(help="The clear (significant) winner."),
}

ACCURACY_HELP = {
    "significant outcomes": "Of the tests with a clear (significant) winner that the model forecast, the share "
    "where its top pick was that winner. The tests without a clear winner are not counted here.",
    "all outcomes": "Of all tests the model forecast, the share where its top pick had the best observed "
    "click rate, even when the difference could be chance.",
}

CALIBRATION_COLUMNS = {
    "_index": st.column_config.TextColumn(
        "predicted win probability", help="Headlines grouped by the win probability the model gave them."
    ),
    "predicted": st.column_config.NumberColumn(
        format=WHOLE_PERCENT, help="The mean win probability the model gave the headlines in this group."
    ),
    "observed": st.column_config.NumberColumn(
        format=WHOLE_PERCENT, help="How often those headlines actually won."
    ),
    "arms": st.column_config.NumberColumn("headlines", help="How many headlines fall in this group."),
}

VERSION_COLUMNS = {
    "version": st.column_config.TextColumn(help="The model version that made the forecast."),
    "tests": st.column_config.NumberColumn(help="Tests this version forecast that now have an outcome."),
    "significant tests": st.column_config.NumberColumn(help="Of those, tests with a clear winner."),
    "accuracy (significant)": st.column_config.NumberColumn(
        format=WHOLE_PERCENT, help="How often its top pick was the clear winner."
    ),
    "accuracy (all)": st.column_config.NumberColumn(
        format=WHOLE_PERCENT, help="How often its top pick had the best observed click rate."
    ),
}


def archive_section(lines: list[str], titled: bool = True) -> None:
    """The active model's backtest on the archive, kept apart from the newsroom's own record."""
    if titled:  # in an expander, its label is the title
        st.markdown(f"**{ARCHIVE_TITLE}**")
    for line in lines:
        st.markdown(f"- {line}")
    st.caption(
        "A backtest on archive tests held out of its training, measured when the model was trained. "
        "Your newsroom's own record counts only your recorded outcomes.",
        help="A “clear result” is a pair whose click rates differ significantly (p < 0.05). "
        "Picking at random would be right 50% of the time.",
    )


def tests_tables(shown: pd.DataFrame) -> None:
    """The tests with outcomes: what an editor looks for first, then every detail in an expander."""
    shown = in_percent_points(shown, "model's P(winner)")
    st.dataframe(
        shown, hide_index=True, placeholder="", column_order=EDITOR_COLUMNS, column_config=TEST_COLUMNS
    )
    with st.expander("More about each test: number, time, p-value, names, model version", key="history_more"):
        st.dataframe(
            shown, hide_index=True, placeholder="", column_order=DETAIL_COLUMNS, column_config=TEST_COLUMNS
        )


def one_tests_headlines(table: pd.DataFrame, arms: pd.DataFrame) -> None:
    """One chosen test's headlines with their impressions, clicks, rates and the model's chances."""
    by_number = dict(zip(table["test"], table["headlines"]))
    chosen = pickers.pick_id(
        "Test", list(by_number), lambda t: f"#{t} · {by_number[t][:90]}", key="history_detail"
    )
    detail = arms[arms["test_number"] == chosen]
    if detail["at_recording"].astype(bool).any():  # scored only as the outcome was recorded
        st.caption(
            "The model scored these headlines only as the outcome was recorded, after the test ran: "
            "its chances below are not a forecast, and the accuracy figures leave this test out unless "
            "the sidebar says to count it."
        )
    detail = detail[["headline", "impressions", "clicks", "rate", "win_probability", "winner"]]
    detail = in_percent_points(detail, "rate", "win_probability")
    st.dataframe(
        detail,
        hide_index=True,
        placeholder="",
        column_config=with_rate_format(HEADLINE_COLUMNS, "rate", detail["rate"]),
    )


def accuracy_metrics(summary: pd.DataFrame, listed: int) -> None:
    """Accuracy on significant and on all outcomes, side by side, each with its counts."""
    for column, (name, row) in zip(st.columns(2), summary.iterrows()):
        value = "–" if row["tests"] == 0 else f"{row['accuracy']:.0%}"
        column.metric(f"Accuracy on {name}", value, help=ACCURACY_HELP[name])
        column.caption(
            f"Right in {int(row['hits'])} of {plural(int(row['tests']), 'test')} counted here (of {listed} listed)"
        )


def over_time_section(over_time: pd.DataFrame) -> None:
    """Cumulative accuracy against what the model expected, with the numbers in an expander."""
    charts.accuracy_chart(over_time)
    st.caption(
        f"After the latest outcome: {plural(int(over_time['tests (significant)'].iloc[-1]), 'significant test')}, "
        f"{plural(int(over_time['tests (all)'].iloc[-1]), 'test')} in all. Dashed, with squares: what the model "
        "expected, the mean win probability it gave its picks. On all outcomes a calibrated model's accuracy "
        "follows that line and accuracy below it means over-confidence; significant outcomes are the clearer "
        "tests, so there accuracy should sit above it."
    )
    with st.expander("Accuracy after each outcome, with counts", key="history_over_time"):
        shares = [c for c in over_time.columns if not c.startswith("tests")]
        st.dataframe(
            in_percent_points(over_time, *shares),
            placeholder="",  # before the first test of its kind there is no accuracy yet
            column_config={
                "_index": st.column_config.DatetimeColumn(
                    "recorded",
                    format="D MMM YYYY, HH:mm",
                    timezone=when.zone_name(),
                    help="When the outcome was recorded, in your time zone.",
                ),
                **{
                    c: st.column_config.NumberColumn(
                        format=WHOLE_PERCENT,
                        help="Share of the tests so far where the model's pick won."
                        if c.startswith("accuracy")
                        else "The mean win probability the model gave its picks in those tests: the accuracy "
                        "a calibrated model would have.",
                    )
                    for c in shares
                },
                **{
                    c: st.column_config.NumberColumn(help="Tests counted so far.")
                    for c in over_time.columns
                    if c.startswith("tests")
                },
            },
        )


def calibration_section(calibrated: pd.DataFrame) -> None:
    """The calibration chart and its table: predicted against observed win rates per bin."""
    charts.calibration_chart(calibrated)
    st.dataframe(
        in_percent_points(calibrated, "predicted", "observed"),
        placeholder="",
        column_config=CALIBRATION_COLUMNS,
    )
    st.caption("A calibrated model's observed win rate matches its predicted win probability in each bin.")


def versions_table(by_version: pd.DataFrame) -> None:
    """Each model version's record on the tests it forecast."""
    st.caption(
        "Each version's record on the tests it forecast: what a retrain or an update from your outcomes "
        "changed. Few tests per version mean wide margins of error: compare versions after a few dozen tests."
    )
    st.dataframe(
        in_percent_points(by_version, "accuracy (significant)", "accuracy (all)"),
        hide_index=True,
        placeholder="",  # a version without a significant test has no accuracy there yet
        column_config=VERSION_COLUMNS,
    )
