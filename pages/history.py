"""History: editors' tests with outcomes, and how right the model has been on them."""

import streamlit as st

from core.newsroom.history import (
    EXPORT_COLUMNS,
    EXPORT_LABELS,
    accuracy_over_time,
    accuracy_summary,
    arm_outcomes,
    calibration,
    export_csv,
    forecasts_only,
    judged_outcomes,
)
from core.newsroom.testbook import editor_tests, predicting_versions, recorded_outcomes
from ui import charts, resources, routing

routing.through_app(__file__)

st.title("History")
with resources.session() as session:
    versions = predicting_versions(session)
    version = st.selectbox("Model version", [None, *versions], format_func=lambda v: v or "All versions")
    outcomes = recorded_outcomes(session, model_version=version)
    tests = editor_tests(session, with_outcome=True)
recorded = set(outcomes["test_id"])
arms = arm_outcomes(t for t in tests if t.id in recorded)
judged = judged_outcomes(outcomes, arms)
if judged.empty:
    st.info("No outcomes recorded yet. Save a test on Compare, then record its result on Record outcome.")
    st.stop()

late = int(judged["prediction_at_recording"].fillna(False).sum())
include_late = st.toggle(
    f"Count predictions made at recording time ({late} test(s))",
    help="Tests typed in or uploaded on Record outcome without being saved on Compare first are "
    "scored by the model only then, after they ran: not forecasts, so left out by default.",
    disabled=late == 0,
    key="count_late_predictions",
)
if not include_late:
    judged, arms = forecasts_only(judged, arms)

summary = accuracy_summary(judged)
significant, overall = st.columns(2)
for column, (name, row) in zip((significant, overall), summary.iterrows()):
    value = "–" if row["tests"] == 0 else f"{row['accuracy']:.0%}"
    column.metric(f"Accuracy on {name}", value)
    column.caption(f"{int(row['hits'])} of {int(row['tests'])} tests")

st.subheader("Tests with outcomes")
st.dataframe(
    judged[EXPORT_COLUMNS].sort_values("recorded_at", ascending=False),
    hide_index=True,
    column_config={
        **EXPORT_LABELS,
        "predicted_win_probability": st.column_config.NumberColumn("model's P(winner)", format="percent"),
        "p_value": st.column_config.NumberColumn("p-value", format="%.3g"),
        "prediction_at_recording": st.column_config.CheckboxColumn("predicted at recording"),
    },
)
st.download_button("Export CSV", export_csv(judged), file_name="headline_lab_history.csv", mime="text/csv")

st.subheader("Accuracy over time (cumulative)")
over_time = accuracy_over_time(judged, arms)
charts.accuracy_chart(over_time)
st.caption(
    f"After the latest outcome: {int(over_time['tests (significant)'].iloc[-1])} significant "
    f"and {int(over_time['tests (all)'].iloc[-1])} tests in all. Dashed, with squares: what the model "
    "expected, the mean win probability it gave its picks. On all outcomes a calibrated model's accuracy "
    "follows that line and accuracy below it means over-confidence; significant outcomes are the clearer "
    "tests, so there accuracy should sit above it."
)
with st.expander("Accuracy after each outcome, with counts"):
    st.dataframe(
        over_time,
        column_config={
            c: st.column_config.NumberColumn(format="percent")
            for c in over_time.columns
            if not c.startswith("tests")
        },
    )

st.subheader("Calibration")
include_all = st.toggle(
    "Include tests without a significant winner (best observed rate counts as the win)", key="calibration_all"
)
table = calibration(arms, significant_only=not include_all)
if table.empty:
    st.info("No predicted arms in these tests yet.")
else:
    charts.calibration_chart(table)
    st.dataframe(
        table,
        column_config={c: st.column_config.NumberColumn(format="percent") for c in ("predicted", "observed")},
    )
    st.caption("A calibrated model's observed win rate matches its predicted win probability in each bin.")
