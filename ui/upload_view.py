"""An outcomes file's plan, as Record outcome shows it before anything is recorded."""

from __future__ import annotations

import streamlit as st

from core.basics.words import noun_for, plural
from core.newsroom.recording import describe_counts
from ui.markdown import escape_markdown

# One row per test in the file: each column in plain words, one hover away.
PLAN_COLUMNS = {
    "CSV test": st.column_config.TextColumn(help="The test_id the file gives this test."),
    "rows": st.column_config.TextColumn(help="The file's rows (counting the header as row 1) of this test."),
    "headlines": st.column_config.NumberColumn(help="How many headlines the test had."),
    "recorded on": st.column_config.TextColumn(
        help="The saved test whose headlines match, or a new test when none does."
    ),
    "what happens": st.column_config.TextColumn(
        width=120,  # wider than its values ("replaces"), so the heading is not cut
        help="first outcome: the test had none yet · replaces: it had other numbers (you are asked first) · "
        "unchanged: it already has exactly these · new test: saved now, scored by the model after it ran.",
    ),
    "now (impressions / clicks)": st.column_config.TextColumn(
        help="What is recorded for it now, per headline."
    ),
    "from the file": st.column_config.TextColumn(help="What the file gives, per headline."),
}


def plan_table(planned, changes, saved: dict) -> None:
    """What recording the file would do to each of its tests (planned and changes pair up);
    ``saved``: the saved tests by id."""
    st.dataframe(
        [
            {
                "CSV test": t.csv_test_id,
                "rows": ", ".join(map(str, t.rows)),
                "headlines": len(t.headlines),
                "recorded on": f"test #{saved[t.saved_test_id].number}" if t.saved_test_id else "a new test",
                "what happens": change.action,
                "now (impressions / clicks)": describe_counts(change.old) or "nothing yet",
                "from the file": describe_counts(t.counts),
            }
            for t, change in zip(planned, changes)
        ],
        hide_index=True,
        column_config=PLAN_COLUMNS,
    )


def changed_headlines(report) -> None:
    """Headlines the file gives with markup or character references, which are recorded as
    plain text: each named with its row, before anything is recorded."""
    if not report.changed:
        return
    n = len(report.changed)
    st.info(
        f"{plural(n, 'headline')} {noun_for(n, 'is', 'are')} recorded as plain text, as the model reads "
        f"{noun_for(n, 'it', 'them')}:\n"
        + "\n".join(f"- {escape_markdown(line)}" for line in report.changes_summary())
    )
