"""History's charts: accuracy over time beside what the model expected, and calibration."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

# Per unit: the d3 label format for ticks that far apart, and the steps a tick may take. A
# 24-hour clock, as the tables; seconds only when outcomes are seconds apart.
TIME_UNITS = {
    "second": ("%H:%M:%S", pd.Timedelta(seconds=1), (1, 2, 5, 10, 15, 30)),
    "minute": ("%H:%M", pd.Timedelta(minutes=1), (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720)),
    "day": ("%-d %b", pd.Timedelta(days=1), (1, 2, 7, 14)),
    "month": ("%b %Y", pd.Timedelta(days=30), (1, 2, 3, 6, 12)),
}


def time_axis(times: pd.Series, ticks: int = 6) -> alt.Axis:
    """A time axis with about ``ticks`` labels, each distinct: the unit and step come from the
    span of ``times`` (a fixed "%Y-%m-%d %H:%M" repeated a label for outcomes seconds apart,
    and Vega-Lite's own choice used a 12-hour clock with no am/pm)."""
    span = (times.max() - times.min()) if len(times) else pd.Timedelta(0)
    for unit, (fmt, size, steps) in TIME_UNITS.items():
        step = next((s for s in steps if span / (size * s) <= ticks), None)
        if step is not None:
            return alt.Axis(format=fmt, tickCount={"interval": unit, "step": step}, labelOverlap=True)
    return alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}, labelOverlap=True)


def accuracy_chart(over_time: pd.DataFrame) -> None:
    """Cumulative accuracy after each outcome, one line per way of counting (solid), each
    beside what the model expected (dashed, same colour)."""
    long = over_time.reset_index().melt(id_vars="recorded_at", var_name="column", value_name="share")
    long = long[~long["column"].str.startswith("tests")].dropna()
    # "accuracy (all)" -> line "accuracy", counted on "all"
    long[["line", "counted on"]] = long["column"].str.extract(r"^(\w+) \((\w+)\)$")
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("recorded_at:T", title="recorded", axis=time_axis(long["recorded_at"])),
            y=alt.Y("share:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("counted on:N"),
            strokeDash=alt.StrokeDash(
                "line:N", sort=["accuracy", "expected"], title=None, legend=alt.Legend(symbolType="stroke")
            ),
            shape=alt.Shape("line:N", sort=["accuracy", "expected"], legend=None),  # one outcome: points only
            tooltip=[
                alt.Tooltip("recorded_at:T", title="recorded", format="%d %b %Y %H:%M:%S"),
                "counted on:N",
                "line:N",
                alt.Tooltip("share:Q", format=".0%"),
            ],
        )
    )
    st.altair_chart(chart)


def calibration_chart(table: pd.DataFrame) -> None:
    """Observed win rate against mean predicted probability per bin (point size: arms), and
    the diagonal a calibrated model would follow."""
    points = (
        alt.Chart(table.reset_index())
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X(
                "predicted:Q",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
                title="predicted win probability",
            ),
            y=alt.Y(
                "observed:Q",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
                title="observed win rate",
            ),
            size=alt.Size("arms:Q", legend=None),  # the table below has the counts
            tooltip=[
                table.index.name,
                alt.Tooltip("predicted:Q", format=".0%"),
                alt.Tooltip("observed:Q", format=".0%"),
                "arms:Q",
            ],
        )
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"p": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x=alt.X("p:Q", title="predicted win probability"), y=alt.Y("p:Q", title="observed win rate"))
    )
    st.altair_chart(diagonal + points)
