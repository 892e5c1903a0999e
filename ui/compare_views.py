"""The Compare page's views: the leading headline, the head-to-head heatmap and the test plan table."""

from __future__ import annotations

import html
import math

import altair as alt
import pandas as pd
import streamlit as st

from core.basics.words import roughly
from core.newsroom.compare import Draft
from ui.markdown import escape_markdown
from ui.percent import WHOLE_PERCENT, in_percent_points, rate_format


def leading_headline(number: int, typed: str) -> None:
    """The leader's line, always three lines high and cut with "…" after three (all of it on
    hover): a line that wrapped for one leader and not for the next moved everything below it
    while the editor typed."""
    shown = html.escape(" ".join(typed.split()))  # as typed, markup and all, never as markup
    st.html(
        '<div class="headline-lab-leader" style="line-height:1.6;height:4.8em;overflow:hidden;'
        'display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical" '
        f'title="{shown}">Leading headline (draft {number}): <b>{shown}</b></div>'
    )


def saved_as_note(draft: Draft) -> str:
    """Why a draft is saved as other text than typed, each change named, then the text saved:
    "Draft 1: its formatting (<b>, </b>) is dropped; it is scored and saved as plain text: “…”."."""
    changes = []  # every piece of the editor's text markdown-escaped: shown literally
    if draft.markup:
        changes.append(
            f"its markup ({escape_markdown(', '.join(draft.markup))}) is shown as typed but dropped"
        )
    if draft.formatting:
        changes.append(f"its formatting ({escape_markdown(', '.join(draft.formatting))}) is dropped")
    for reference, character in draft.references.items():
        becomes = "a space" if character.isspace() else f"“{escape_markdown(character)}”"
        changes.append(f"“{escape_markdown(reference)}” is read as {becomes}")
    said = "; ".join(changes) + "; " if changes else ""
    return (
        f"Draft {draft.number}: {said}it is scored and saved as plain text: “{escape_markdown(draft.text)}”."
    )


def head_to_head_cells(matrix: pd.DataFrame) -> pd.DataFrame:
    """One row (draft, against, p) per pair of different drafts: a draft against itself is left
    blank in the chart, not shown as "50%" as if it were a forecast."""
    long = matrix.rename_axis("draft").reset_index().melt(id_vars="draft", var_name="against", value_name="p")
    return long[long["draft"] != long["against"]].reset_index(drop=True)


def head_to_head_heatmap(matrix: pd.DataFrame) -> None:
    """Cell (row, column): the chance the row's draft beats the column's draft in a test."""
    long = head_to_head_cells(matrix)
    order = list(matrix.index)
    base = alt.Chart(long).encode(
        x=alt.X("against:N", sort=order, title="against", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("draft:N", sort=order, title=None),
    )
    tooltip = [
        alt.Tooltip("draft:N", title="draft"),
        alt.Tooltip("against:N", title="against"),
        # Not "chance it wins": that is a draft's share among all the drafts, another number.
        alt.Tooltip("p:Q", title="chance it beats the other", format=".0%"),
    ]
    cells = base.mark_rect().encode(
        color=alt.Color("p:Q", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"), legend=None),
        tooltip=tooltip,
    )
    # The printed percentage is where the pointer goes: the same words there, not the raw fields.
    text = base.mark_text(fontSize=13).encode(text=alt.Text("p:Q", format=".0%"), tooltip=tooltip)
    # Rows tall enough to read the percentages in them, however many drafts there are.
    st.altair_chart((cells + text).properties(height=alt.Step(36)), width="stretch")


def plan_table(plan: pd.DataFrame) -> None:
    shown = in_percent_points(plan, "predicted click rate", "lift of the leader over it")
    st.dataframe(
        shown,
        hide_index=True,
        placeholder="",  # the leader's own row has no lift and no sample size
        column_config={
            "draft": st.column_config.NumberColumn(
                "draft", format="%d", help="The draft's number, as in the boxes on the left."
            ),
            "predicted click rate": st.column_config.NumberColumn(
                format=rate_format(shown["predicted click rate"]),
                help="What the model's margin implies at the usual click rate.",
            ),
            "lift of the leader over it": st.column_config.NumberColumn(
                format=WHOLE_PERCENT,
                help="How much more often the leading draft would be clicked (blank on the leader's own row).",
            ),
            "impressions per headline": st.column_config.NumberColumn(
                format="localized",
                help="Impressions each headline needs so that this lift shows as significant "
                "8 times in 10 (5% false alarms, split over the comparisons with the leader); blank on the "
                "leader's own row.",
            ),
        },
    )
    needed = plan["impressions per headline"].max()  # every headline of a test is shown alike
    if pd.notna(needed) and math.isfinite(needed):
        st.markdown(
            f"**Run the test for about {roughly(needed):,} impressions per headline** (the largest figure "
            "above), so that each predicted gap can show as a clear result."
        )
    elif pd.notna(needed):
        st.caption(
            "The model predicts no gap between these drafts: no number of impressions would settle it."
        )
