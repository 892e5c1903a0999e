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
    pick_head_to_head,
    search,
    summary_line,
)
from core.newsroom.testbook import predicting_versions, recorded_arms, recorded_outcomes
from ui import history_views, resources, routing, serving, when

routing.through_app(__file__)
serving.sidebar(serving.model())
CALLS = ["right", "wrong", "no clear winner yet", "not a forecast", "no prediction saved"]


def archive_lines() -> list[str]:
    model = serving.model()
    return archive_record((model.scorer.manifest if model.scorer else {}).get("validation_metrics"))


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
    rows = recorded_arms(session)
arms = arm_outcomes(rows[rows["test_id"].isin(outcomes["test_id"])])
judged = judged_outcomes(outcomes, arms)
if judged.empty:
    # Day one: the archive's record is all there is to show, so it comes first.
    lines = archive_lines()
    if lines:
        with st.container(border=True):
            history_views.archive_section(lines)
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
        bind="query-params",  # kept over a reload, and in a link to this view (only when on)
        persist_state="session",
    )
all_arms = arms  # a test's own headlines show every chance the model gave, forecast or not
if not include_late:
    judged, arms = forecasts_only(judged, arms)

st.subheader("Your newsroom's record")
st.markdown(summary_line(judged, pick_head_to_head(arms), resources.settings().too_close_below))
filters = [f"tests forecast by {named(version)}"] if version else []
filters += ["predictions made at recording time counted too"] if include_late else []
filter_note = st.empty()  # always there: a note that comes and goes would shift, and so close, the expanders
if filters:
    filter_note.caption(f"Set in the sidebar: {'; '.join(filters)}.")

st.subheader("Tests with outcomes")
table = editor_table(judged, arms)
table["model"] = table["model"].map(lambda version: named(version) if version else "")  # as Models names it
table["date"] = table["recorded"].map(when.local_day)
table["recorded"] = table["recorded"].map(when.local)
text = st.text_input("Search headlines or names", key="history_search", placeholder="e.g. island, ana, #12")
calls = st.multiselect(  # a row of its own: all five calls fit at 1280 px
    "Model's call",
    CALLS,
    default=CALLS,
    key="history_calls",
    help="Keep only tests where the model was right or wrong about the clear winner; where there is no clear "
    "winner yet; where its call is not a forecast (scored only as the outcome was recorded, after the test "
    "ran); or where no prediction was saved with the test.",
)
shown = search(table, text, calls)
st.caption(f"{len(shown):,} of {len(table):,} tests shown.")
history_views.tests_tables(shown)
st.download_button(
    f"Export CSV ({plural(len(shown), 'test')} shown)",
    lambda: export_csv(judged, all_arms, shown["test"]),  # every chance given, as the headlines table shows
    file_name="headline_lab_history.csv",
    mime="text/csv",
    help="The tests listed above, as searched and filtered: one row per headline, with the test's "
    "verdict, then impressions, clicks and click rate. Times are in UTC.",
)

with st.expander("A test's headlines, one by one", key="history_headlines"):
    history_views.one_tests_headlines(table, all_arms)

st.subheader("How right the model has been")
history_views.accuracy_metrics(accuracy_summary(judged), len(judged))
lines = archive_lines()
if lines:
    with st.expander(history_views.ARCHIVE_TITLE, key="history_archive"):
        history_views.archive_section(lines, titled=False)

st.subheader("Accuracy over time (cumulative)")
over_time = accuracy_over_time(judged, arms)
if over_time.empty:
    st.info(
        "No forecasts with outcomes yet: the tests listed were scored only as their outcomes were recorded. "
        "Save the next test on Compare before it runs."
    )
else:
    history_views.over_time_section(over_time)

st.subheader("Calibration")
include_all = st.toggle(
    "Include tests without a significant winner (best observed rate counts as the win)",
    key="calibration_all",
    bind="query-params",
    persist_state="session",
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
    history_views.calibration_section(calibrated)

st.subheader("By model version")
by_version = accuracy_by_version(judged)
by_version["version"] = by_version["version"].map(named)
if by_version.empty:
    st.info("No forecasts with outcomes yet.")
else:
    history_views.versions_table(by_version)
