"""History's charts: accuracy over time beside what the model expected, and calibration."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui import when

# (longest span, d3 label format): Vega-Lite places its ticks at least about a twentieth of
# the span apart, so each format is used only while that spacing exceeds its finest unit:
# labels never repeat. A 24-hour clock, as the tables.
TIME_FORMATS = (
    (pd.Timedelta(0), "%-d %b %Y, %H:%M"),  # one moment (a first outcome): its one label says the day too
    (pd.Timedelta(minutes=20), "%H:%M:%S"),
    (pd.Timedelta(days=20), "%-d %b %H:%M"),
    (pd.Timedelta(days=600), "%-d %b"),
)


def time_format(times: pd.Series) -> str:
    """The d3 format for time labels over the span of ``times`` (a fixed "%Y-%m-%d %H:%M"
    repeated a label for outcomes seconds apart; Vega-Lite's own choice used a 12-hour clock
    with no am/pm)."""
    span = times.max() - times.min() if len(times) else pd.Timedelta(0)
    return next((fmt for longest, fmt in TIME_FORMATS if span <= longest), "%b %Y")


def time_title(times: pd.Series, zone: str = "UTC") -> str:
    """The time axis's title: the day too when every label is a time of one day ("%H:%M:%S"
    says no day of its own). ``zone``: the browser's, in which Vega-Lite draws the labels."""
    days = times.dt.tz_convert(zone).dt.normalize().unique() if len(times) else []
    if time_format(times) == "%H:%M:%S" and len(days) == 1:
        return f"recorded on {pd.Timestamp(days[0]):%-d %b %Y}"
    return "recorded"


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
            x=alt.X(
                "recorded_at:T",
                title=time_title(long["recorded_at"], when.zone_name()),
                axis=alt.Axis(format=time_format(long["recorded_at"]), labelOverlap=True),
            ),
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


PERCENT_TICKS = [i / 10 for i in range(11)]  # 0%, 10%, …, 100%


def calibration_chart(table: pd.DataFrame) -> None:
    """Observed win rate against mean predicted probability per bin (point size: arms), and
    the diagonal a calibrated model would follow."""
    st.altair_chart(calibration_layers(table))


def calibration_layers(table: pd.DataFrame) -> alt.LayerChart:
    """The calibration chart's diagonal and points."""
    points = (
        alt.Chart(table.reset_index())
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X(
                "predicted:Q",
                scale=alt.Scale(domain=[0, 1], padding=12),  # a point at 0% or 100% whole, not cut in half
                axis=alt.Axis(format="%", values=PERCENT_TICKS),  # padded, but never a "-10%" or "110%" tick
                title="predicted win probability",
            ),
            y=alt.Y(
                "observed:Q",
                scale=alt.Scale(domain=[0, 1], padding=12),
                axis=alt.Axis(format="%", values=PERCENT_TICKS),
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
    return diagonal + points
