"""A recorded test's result, as the Record outcome page shows it."""

from __future__ import annotations

import streamlit as st

from core.basics.stats import p_value_text
from core.basics.words import article_for, roughly
from core.newsroom.recording import describe_counts
from core.newsroom.verdict import OutcomeSummary, chance_in_words
from ui import when
from ui.markdown import escape_markdown
from ui.percent import RATE_PERCENT, WHOLE_PERCENT, in_percent_points, with_rate_format

# Every column of the per-arm table: a short heading (it fits a 1280 px window beside the
# sidebar) and what it means in plain words, one hover away.
MIN_HEADLINE_WIDTH = 120  # px: a few words, the rest on hover
ARM_COLUMNS = {
    "headline": st.column_config.TextColumn(width=220, help="The headline as readers saw it in the test."),
    "impressions": st.column_config.NumberColumn(
        width=90, format="localized", help="How many readers were shown this headline."
    ),
    "clicks": st.column_config.NumberColumn(
        width=60, format="localized", help="How many of them clicked it."
    ),
    "click rate": st.column_config.NumberColumn(
        width=75,
        format=RATE_PERCENT,
        help="Clicks ÷ impressions: the share of readers shown this headline who clicked it.",
    ),
    "likely range": st.column_config.TextColumn(
        width=100,
        help="The range the true click rate very likely lies in (a 95% interval). More impressions make it "
        "narrower; two headlines whose ranges overlap a lot may be equally good.",
    ),
    "model's chance": st.column_config.NumberColumn(
        width=105,
        format=WHOLE_PERCENT,
        help="The model's chance that this headline would get the most clicks: given when the test was saved, "
        "or, for a test typed in or uploaded here without being saved first, as its outcome was recorded.",
    ),
    "more needed": st.column_config.NumberColumn(
        width=95,
        format="localized",
        help="Roughly how many more impressions this headline needs before the gap seen so far would be a "
        "clear (significant) result, if the click rates stay as they are.",
    ),
}


def p_value_words(summary: OutcomeSummary) -> str:
    """The p-value and the bar it is held to; with more than two headlines, that it is already
    adjusted, so an editor compares it with 0.05 as it stands."""
    comparisons = len(summary.headlines) - 1
    corrected = (
        f" (adjusted because the best was compared with {comparisons} others; “Bonferroni correction” in Help)"
        if comparisons > 1
        else ""
    )
    return f"p-value {p_value_text(summary.p_value)}{corrected}: a winner is named below 0.05."


def model_line(summary: OutcomeSummary, too_close_below: float) -> str:
    """ "Model: …": the model's call, then the chance it gave the winner when it gave one."""
    line = f"Model: {summary.model_verdict(too_close_below)}"
    if summary.predicted_win_probability is None:
        return line
    share = f"{summary.predicted_win_probability:.0%}"
    given = f"it gave the winner {article_for(share)} {share} win probability"
    # After a call that ends in brackets ("(51% head to head)"), a second pair read as clutter.
    return f"{line}; {given}" if line.endswith(")") else f"{line} ({given})"


def show_outcome(summary: OutcomeSummary, too_close_below: float) -> None:
    """The result of a test: verdict, p-value, the model's call, and the per-arm table."""
    winner = summary.winner
    if winner is None:
        st.markdown("**No significant winner yet**")
    else:
        st.markdown(f"**Winner: {escape_markdown(summary.headlines[winner])}**")
    st.caption(f"Best against runner-up: {chance_in_words(summary.p_value)}. {p_value_words(summary)}")
    st.markdown(escape_markdown(model_line(summary, too_close_below)))  # it may quote a headline
    if summary.after_the_test_note:
        st.caption(summary.after_the_test_note)
    needed = summary.more_impressions
    if summary.beyond_any_test:
        which = "these headlines are" if len(summary.headlines) == 2 else "the two best headlines are"
        st.caption(
            "A clear result would need over a trillion more impressions per headline at the click rates "
            f"seen so far: far more than any test gets, so in practice {which} equally good."
        )
    elif needed is not None and max(needed) > 0:
        st.caption(
            f"A clear result would need roughly {roughly(max(needed)):,} more impressions per headline "
            "at the click rates seen so far."
        )
    elif winner is None and needed is None:
        st.caption("The observed click rates are equal: more impressions alone cannot tell these apart.")
    arm_table(summary)


def arm_table(summary: OutcomeSummary) -> None:
    """One row per headline; every column carries its plain-words tooltip, no cell reads "None"."""
    table = summary.table()
    shown = in_percent_points(table, *(c for c in ("click rate", "model's chance") if c in table))
    config = with_rate_format({c: ARM_COLUMNS[c] for c in shown.columns}, "click rate", shown["click rate"])
    st.dataframe(shown, hide_index=True, placeholder="", column_config=counts_fitted(config, shown))


def counts_fitted(config: dict, table) -> dict:
    """A copy of the column configs in which the count columns are wide enough for their longest
    number with separators (the usual widths cut a 12-digit count), taken from the headline's
    width, so that every column still fits a 1280 px window (the headline shows whole on hover)."""
    fitted, widened = dict(config), 0
    for column in ("impressions", "clicks"):
        longest = max((len(f"{int(v):,}") for v in table[column]), default=0)
        width = max(config[column]["width"], 24 + 8 * longest)
        widened += width - config[column]["width"]
        fitted[column] = {**config[column], "width": width}
    headline = config["headline"]
    fitted["headline"] = {**headline, "width": max(MIN_HEADLINE_WIDTH, headline["width"] - widened)}
    return fitted


def change_history(changes) -> None:
    """Every recording of a test's outcome, oldest first: when, by whom, the numbers before and
    after, and whether it was undone."""
    st.dataframe(
        [
            {
                "when": when.local(c.at),
                "by": c.by or "",
                "before (impressions / clicks)": describe_counts(c.old) or "nothing",
                "after": describe_counts(c.new),
                "undone": f"{when.local(c.undone_at)} by {c.undone_by or 'someone'}" if c.undone_at else "",
            }
            for c in changes
        ],
        hide_index=True,
        column_config={
            "before (impressions / clicks)": st.column_config.TextColumn(
                help="Impressions / clicks per headline, in order, before this recording."
            )
        },
    )
