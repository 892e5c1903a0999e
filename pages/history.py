"""History: editors' tests with outcomes, and how right the model has been on them; on day one,
the active model's record on the archive, kept apart from the newsroom's own."""

import streamlit as st

from core.basics.words import plural
from core.lifecycle import registry
from core.lifecycle.summary import version_names
from core.newsroom.history import (
    accuracy_by_version,
    accuracy_over_time,
    accuracy_summary,
    archive_record,
    arm_outcomes,
    calibration,
    editor_table,
    export_csv,
    forecasts_only,
    judged_outcomes,
    search,
    summary_line,
)
from core.newsroom.testbook import editor_tests, predicting_versions, recorded_outcomes
from ui import charts, pickers, resources, routing, serving, when
from ui.percent import RATE_PERCENT, WHOLE_PERCENT, in_percent_points

routing.through_app(__file__)
serving.sidebar(serving.model())
CALLS = ["right", "wrong", "no clear winner yet", "not a forecast", "no forecast"]


ARCHIVE_TITLE = "The archive (not your newsroom): how the active model did on past A/B tests"


def archive_section(lines: list[str], titled: bool = True) -> None:
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


def archive_lines() -> list[str]:
    model = serving.model()
    return archive_record((model.scorer.manifest if model.scorer else {}).get("validation_metrics"))


def over_time_section(over_time) -> None:
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


st.title("History")
try:  # the versions as the Models page names them
    names = version_names(registry.versions(resources.settings()))
except resources.DATABASE_ERRORS:  # the page says why just below, where it reads the tests
    names = {}


def named(version: str | None) -> str:
    return names.get(version, version) if version else "All versions"


with resources.session() as session:
    versions = predicting_versions(session)
    with st.sidebar:  # filters for this page, so the answer and the list of tests open the page
        version = st.selectbox(
            "Model version",
            [None, *versions],
            format_func=named,
            help="Only the outcomes of tests this model version forecast.",
            key="history_version",
        )
    outcomes = recorded_outcomes(session, model_version=version)
    tests = editor_tests(session, with_outcome=True)
recorded = set(outcomes["test_id"])
arms = arm_outcomes(t for t in tests if t.id in recorded)
judged = judged_outcomes(outcomes, arms)
if judged.empty:
    # Day one: the archive's record is all there is to show, so it comes first.
    lines = archive_lines()
    if lines:
        with st.container(border=True):
            archive_section(lines)
    st.info(
        "No outcomes recorded yet in your newsroom. Save a test on Compare, then record its result on "
        "Record outcome."
    )
    st.stop()

late = int(judged["prediction_at_recording"].fillna(False).sum())
with st.sidebar:
    include_late = st.toggle(
        f"Count predictions made at recording time ({plural(late, 'test')})",
        help="Tests typed in or uploaded on Record outcome without being saved on Compare first are "
        "scored by the model only then, after they ran: not forecasts, so left out by default.",
        disabled=late == 0,
        key="count_late_predictions",
    )
all_arms = arms  # a test's own headlines show every chance the model gave, forecast or not
if not include_late:
    judged, arms = forecasts_only(judged, arms)

st.subheader("Your newsroom's record")
st.markdown(summary_line(judged))
filters = [f"model version {named(version)} only"] if version else []
filters += ["predictions made at recording time counted"] if include_late else []
filter_note = st.empty()  # always there: a note that comes and goes would shift, and so close, the expanders
if filters:
    filter_note.caption(f"Filtered in the sidebar: {'; '.join(filters)}.")

st.subheader("Tests with outcomes")
table = editor_table(judged, arms)
table["date"] = table["recorded"].map(when.local_day)
table["recorded"] = table["recorded"].map(when.local)
text = st.text_input("Search headlines or names", key="history_search", placeholder="e.g. island, ana, #12")
calls = st.multiselect(  # a row of its own: all five calls fit at 1280 px
    "Model's call", CALLS, default=CALLS, key="history_calls", help="Keep only tests where the model was…"
)
shown = search(table, text, calls)
st.caption(f"{len(shown)} of {len(table)} tests shown.")
# What an editor looks for first fits a 1280 px window beside the sidebar; ids, statistics,
# names and model versions are one click away. Every column has its plain words one hover away.
COLUMNS = {
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
        format=WHOLE_PERCENT,
        help="The win probability the model gave the headline that won (blank: no clear winner).",
    ),
    "p-value": st.column_config.TextColumn(
        help="How often a gap this big would turn up by chance alone if the headlines were equally good; "
        "below 0.05 counts as clear (as on Record outcome).",
    ),
    "saved by": st.column_config.TextColumn(help="Who saved the test on Compare."),
    "recorded by": st.column_config.TextColumn(help="Who recorded its outcome."),
    "model": st.column_config.TextColumn(help="The model version that made the forecast (its raw id)."),
    "predicted at recording": st.column_config.CheckboxColumn(
        help="The model scored it only as the outcome was recorded: not a forecast."
    ),
}
EDITOR_COLUMNS = ["date", "headlines", "winner", "model's pick", "model right?"]
# The test's number, then its headlines (so the row is known), then the rest, which may scroll.
DETAIL_COLUMNS = ["test", "headlines"] + [c for c in COLUMNS if c not in EDITOR_COLUMNS and c != "test"]
shown = in_percent_points(shown, "model's P(winner)")
st.dataframe(shown, hide_index=True, placeholder="", column_order=EDITOR_COLUMNS, column_config=COLUMNS)
with st.expander("More about each test: number, time, p-value, names, model version", key="history_more"):
    st.dataframe(shown, hide_index=True, placeholder="", column_order=DETAIL_COLUMNS, column_config=COLUMNS)
st.download_button(
    "Export CSV",
    export_csv(judged, arms),
    file_name="headline_lab_history.csv",
    mime="text/csv",
    help="One row per headline: the test's verdict, then impressions, clicks and click rate.",
)

with st.expander("A test's headlines, one by one", key="history_headlines"):
    by_id = dict(zip(table["test"], table["headlines"]))
    chosen = pickers.pick_id("Test", list(by_id), lambda t: f"#{t} · {by_id[t][:90]}", key="history_detail")
    detail = all_arms[all_arms["test_id"] == chosen]
    after = detail["at_recording"].astype(bool).any()  # scored only as the outcome was recorded
    detail = detail[["headline", "impressions", "clicks", "rate", "win_probability", "winner"]]
    if after:
        st.caption(
            "The model scored these headlines only as the outcome was recorded, after the test ran: "
            "its chances below are not a forecast, and the accuracy figures leave this test out unless "
            "the sidebar says to count it."
        )
    st.dataframe(
        in_percent_points(detail, "rate", "win_probability"),
        hide_index=True,
        placeholder="",
        column_config={
            "headline": st.column_config.TextColumn(help="The headline as readers saw it in the test."),
            "impressions": st.column_config.NumberColumn(
                format="localized", help="How many readers were shown this headline."
            ),
            "clicks": st.column_config.NumberColumn(format="localized", help="How many of them clicked it."),
            "rate": st.column_config.NumberColumn(
                "click rate", format=RATE_PERCENT, help="Clicks ÷ impressions."
            ),
            "win_probability": st.column_config.NumberColumn(
                "model's chance",
                format=WHOLE_PERCENT,
                help="The model's chance that this headline would get the most clicks: given when the test "
                "was saved, or, for a test not saved on Compare first, as its outcome was recorded "
                "(blank: the model gave none).",
            ),
            "winner": st.column_config.CheckboxColumn(help="The clear (significant) winner."),
        },
    )

st.subheader("How right the model has been")
summary = accuracy_summary(judged)
helps = {
    "significant outcomes": "Of the tests with a clear (significant) winner that the model forecast, the share "
    "where its top pick was that winner. The tests without a clear winner are not counted here.",
    "all outcomes": "Of all tests the model forecast, the share where its top pick had the best observed "
    "click rate, even when the difference could be chance.",
}
significant, overall = st.columns(2)
for column, (name, row) in zip((significant, overall), summary.iterrows()):
    value = "–" if row["tests"] == 0 else f"{row['accuracy']:.0%}"
    column.metric(f"Accuracy on {name}", value, help=helps[name])
    column.caption(
        f"{int(row['hits'])} of {plural(int(row['tests']), 'test')} counted here (of {len(judged)} listed)"
    )
lines = archive_lines()
if lines:
    with st.expander(ARCHIVE_TITLE, key="history_archive"):
        archive_section(lines, titled=False)

st.subheader("Accuracy over time (cumulative)")
over_time = accuracy_over_time(judged, arms)
if over_time.empty:
    st.info(
        "No forecasts with outcomes yet: the tests listed were scored only as their outcomes were recorded. "
        "Save the next test on Compare before it runs."
    )
else:
    over_time_section(over_time)

st.subheader("Calibration")
include_all = st.toggle(
    "Include tests without a significant winner (best observed rate counts as the win)",
    key="calibration_all",
    help="Calibration: when the model says 70%, does that headline win about 70% of the time?",
)
calibrated = calibration(arms, significant_only=not include_all)
if calibrated.empty:
    st.info(
        "No headline the model forecast is in a test with a clear winner yet. Switch on “Include tests "
        "without a significant winner” above to see the others."
        if not include_all
        else "No headline the model forecast has an outcome yet."
    )
else:
    charts.calibration_chart(calibrated)
    st.dataframe(
        in_percent_points(calibrated, "predicted", "observed"),
        placeholder="",
        column_config={
            "_index": st.column_config.TextColumn(
                "predicted win probability",
                help="Headlines grouped by the win probability the model gave them.",
            ),
            "predicted": st.column_config.NumberColumn(
                format=WHOLE_PERCENT,
                help="The mean win probability the model gave the headlines in this group.",
            ),
            "observed": st.column_config.NumberColumn(
                format=WHOLE_PERCENT, help="How often those headlines actually won."
            ),
            "arms": st.column_config.NumberColumn("headlines", help="How many headlines fall in this group."),
        },
    )
    st.caption("A calibrated model's observed win rate matches its predicted win probability in each bin.")

st.subheader("By model version")
by_version = accuracy_by_version(judged)
by_version["version"] = by_version["version"].map(named)
if by_version.empty:
    st.info("No forecasts with outcomes yet.")
else:
    st.caption(
        "Each version's record on the tests it forecast: what a retrain or an update from your outcomes "
        "changed. Few tests per version mean wide margins of error: compare versions after a few dozen tests."
    )
    st.dataframe(
        in_percent_points(by_version, "accuracy (significant)", "accuracy (all)"),
        hide_index=True,
        placeholder="",  # a version without a significant test has no accuracy there yet
        column_config={
            "version": st.column_config.TextColumn(help="The model version that made the forecast."),
            "tests": st.column_config.NumberColumn(
                help="Tests this version forecast that now have an outcome."
            ),
            "significant tests": st.column_config.NumberColumn(help="Of those, tests with a clear winner."),
            "accuracy (significant)": st.column_config.NumberColumn(
                format=WHOLE_PERCENT, help="How often its top pick was the clear winner."
            ),
            "accuracy (all)": st.column_config.NumberColumn(
                format=WHOLE_PERCENT, help="How often its top pick had the best observed click rate."
            ),
        },
    )
