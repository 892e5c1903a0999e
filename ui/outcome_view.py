"""A recorded test's result, as the Record outcome page shows it."""

from __future__ import annotations

import streamlit as st

from core.newsroom.verdict import OutcomeSummary
from ui.markdown import escape_markdown


def show_outcome(summary: OutcomeSummary) -> None:
    """The result of a test: verdict, p-value, the model's call, and the per-arm table."""
    winner = summary.winner
    if winner is None:
        st.markdown(f"**No significant winner yet** · p-value {summary.p_value:.3g}")
    else:
        st.markdown(
            f"**Winner: {escape_markdown(summary.headlines[winner])}** · p-value {summary.p_value:.3g}"
        )
    if len(summary.headlines) > 2:
        st.caption(f"Best vs runner-up, Bonferroni-corrected for {len(summary.headlines) - 1} comparisons.")
    model_line = f"Model: {summary.model_verdict}"
    if summary.predicted_win_probability is not None:
        model_line += f" (it gave the winner a {summary.predicted_win_probability:.0%} win probability)"
    st.markdown(model_line)
    if summary.more_impressions:
        st.caption(
            f"A clear result would need roughly {max(summary.more_impressions):,} more impressions per arm "
            "at the observed click rates."
        )
    elif summary.winner is None:
        st.caption("The observed click rates are equal: more impressions alone cannot tell these apart.")
    st.dataframe(
        summary.table(),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="percent")
            for c in ("click rate", "95% low", "95% high", "model win probability")
        },
    )
