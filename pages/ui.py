"""Streamlit glue shared by app.py and the pages: settings, the database, the model and
LIME explanations, each prepared once per process (or cached per input), and the sidebar.

Pages import this module and core/db functions; nothing here computes product logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from core.basics.settings import Settings, load_settings
from core.data.importer import ensure_base_corpus
from core.lifecycle.registry import active_model_dir
from core.model.scorer import HeadlineScorer, ModelLoadError
from core.newsroom.explain import word_weights
from core.newsroom.outcome import OutcomeSummary
from db.engine import masked_url, transaction
from db.migrate import upgrade

LAST_SAVED_TEST = "last_saved_test"  # session key: the test the Compare page saved last
ENTERED_THROUGH_APP = "entered_through_app"  # session key: app.py has run in this session
RETURN_TO_PAGE = "return_to_page"  # session key: the page a first request asked for
APP_DIR = Path(__file__).resolve().parent.parent


def entered_through_app() -> None:
    """app.py marks the session: from now on its pages run inside app.py's frame."""
    st.session_state[ENTERED_THROUGH_APP] = True


def through_app(page_file: str | None) -> None:
    """Route a page request that did not come through app.py through it, and back.

    Streamlit stays in its legacy multipage mode, in which a ``pages/`` folder lists every
    file in it (ui.py too) and a page's URL runs that file alone, until some session has run
    app.py's ``st.navigation``. So the first request after a server start, if it is for a
    page's own URL (an editor's bookmark of /history), would run the page without the
    database migration, the wide layout or the sidebar. Each page calls this first.
    """
    if st.session_state.get(ENTERED_THROUGH_APP):
        return
    if page_file:
        st.session_state[RETURN_TO_PAGE] = Path(page_file).resolve().relative_to(APP_DIR).as_posix()
    st.switch_page("app.py")


def return_to_requested_page() -> None:
    """app.py, after st.navigation: go on to the page a first request asked for, if any."""
    page = st.session_state.pop(RETURN_TO_PAGE, None)
    if page:
        st.switch_page(page)


def settings() -> Settings:
    return load_settings()


def session():
    """A transaction: commits at the end of the ``with`` block, rolls back on an exception."""
    return transaction(settings())


@st.cache_resource(show_spinner="Preparing the database…")
def _prepared_database(url: str) -> str:
    # Keyed by URL: one migration and one archive import per database per process.
    current = settings()
    upgrade(current)
    result = ensure_base_corpus(current)
    return (
        f"{result.tests_added} archive tests imported" if result.tests_added else "archive already imported"
    )


def prepare_database() -> str:
    """Migrate the database and import the bundled archive (once per process)."""
    return _prepared_database(settings().sqlalchemy_url)


def masked_database_url() -> str:
    return masked_url(settings())


@dataclass(frozen=True)
class Model:
    directory: Path
    scorer: HeadlineScorer | None
    error: str | None  # why the model could not be loaded

    @property
    def version(self) -> str:
        return self.scorer.version if self.scorer else "none"


@st.cache_resource(show_spinner="Loading the model…", max_entries=2)
def _scorer(directory: str) -> HeadlineScorer:
    return HeadlineScorer.from_pretrained(directory)


def model() -> Model:
    """The model to serve, loaded once per folder; a model that cannot load carries its error."""
    directory = active_model_dir(settings())
    try:
        return Model(directory, _scorer(str(directory)), None)
    except ModelLoadError as exc:
        return Model(directory, None, str(exc))


@st.cache_data(show_spinner=False, max_entries=5000)
def _cached_weights(
    headline: str, context: str | None, model_key: str, samples: int, seed: int, _scorer: HeadlineScorer
) -> dict:
    return word_weights(headline, partial(_scorer.predict_proba, context=context), samples, seed)


def explanation(headline: str, current: Model, excerpt: str | None = None) -> dict[str, float]:
    """LIME word weights of a headline, cached per (headline, excerpt if the model reads it,
    model folder and version)."""
    config = settings()
    key = f"{current.directory}@{current.version}"
    reads_excerpt = current.scorer.context == "excerpt"
    context = (excerpt or "").strip() or None if reads_excerpt else None
    return _cached_weights(headline, context, key, config.lime_samples, config.lime_seed, current.scorer)


def show_model_error(current: Model) -> None:
    st.error(
        f"The model could not be loaded, so drafts cannot be scored: {current.error}. "
        "Recording outcomes and the history still work."
    )


def sidebar(current: Model) -> None:
    with st.sidebar:
        st.caption(f"Model: **{current.version}**")
        if current.error:
            st.caption(":red[model not loaded]")
        st.caption(f"Database: `{masked_database_url()}`")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Text that st.markdown shows literally (headlines are untrusted input)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


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
            x=alt.X("recorded_at:T", title="recorded", axis=alt.Axis(format="%Y-%m-%d %H:%M")),
            y=alt.Y("share:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("counted on:N"),
            strokeDash=alt.StrokeDash(
                "line:N", sort=["accuracy", "expected"], title=None, legend=alt.Legend(symbolType="stroke")
            ),
            shape=alt.Shape("line:N", sort=["accuracy", "expected"], legend=None),  # one outcome: points only
            tooltip=["recorded_at:T", "counted on:N", "line:N", alt.Tooltip("share:Q", format=".0%")],
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


if __name__ == "__main__":  # requested as a page, which only the legacy mode offers
    through_app(None)
