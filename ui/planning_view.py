"""Compare's "Plan the test": the drafts to test, the usual click rate, impressions needed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.basics.settings import Settings
from core.data.datasets import DATASETS, missing_archives, missing_archives_words
from core.data.loaders import DataFormatError
from core.newsroom.planning import (
    archive_click_rate,
    archive_sample,
    lift_per_margin,
    newsroom_click_rate,
    sample_plan,
)
from ui import compare_views, resources
from ui.serving import Model


@st.cache_resource(show_spinner="Measuring, on archive tests, how click rates follow the model's scores…")
def _calibration(model_key: str, _scorer) -> tuple[float, float | None]:
    # Once per model: ~600 archive pairs scored (a second or two).
    pairs = archive_sample(resources.settings())
    return lift_per_margin(_scorer, pairs), archive_click_rate(pairs)


def plan_section(model: Model, ranked: pd.DataFrame, settings: Settings) -> None:
    st.caption(
        "Pick the drafts you will test. The table says how many impressions each headline needs "
        "for the difference the model predicts to show up as a clear result."
    )
    options = [int(d) for d in ranked["draft"]]
    chosen = st.multiselect(
        "Drafts to test", options, default=options[:2], format_func=lambda d: f"Draft {d}"
    )
    if len(chosen) < 2:
        st.info("Pick at least two drafts.")
        return
    if not st.toggle(
        "Estimate",
        key="plan_estimate",
        persist_state="session",  # still on after a visit to another page
        help="Sizes the test from the gap the model predicts between the drafts. The first time for each "
        "model it learns how score gaps turn into click-rate gaps from about 600 archive tests, which "
        "takes a few seconds.",
    ):
        return
    missing = missing_archives(settings)
    if len(missing) == len(DATASETS):  # nothing to learn the size of a click-rate gap from
        st.info(
            "The plan cannot be estimated here: it learns how score gaps turn into click-rate gaps "
            f"from the archive files, and they are missing {missing_archives_words(missing)}"
        )
        return
    try:
        k, archive_rate = _calibration(f"{model.directory}@{model.version}", model.scorer)
    except DataFormatError as exc:  # a damaged archive file: said plainly, the page goes on
        st.info(f"The plan cannot be estimated here: an archive file cannot be read ({exc}).")
        return
    with resources.session() as session:
        newsroom_rate = newsroom_click_rate(session)
    usual = newsroom_rate or archive_rate or 0.02
    where = "your newsroom's recorded tests" if newsroom_rate else "the archive (no outcomes recorded yet)"
    rate = st.number_input(
        "Usual click rate (%)",
        min_value=0.01,
        max_value=50.0,
        value=round(100 * usual, 2),
        step=0.1,
        help=f"The median click rate of {where}, taken as a typical headline's; each draft's predicted "
        "rate follows from how far the model scores it above or below a typical headline. Change it to your "
        "own expectation.",
    )
    reference = model.scorer.reference_score  # the typical headline: the one at the usual click rate
    compare_views.plan_table(sample_plan(ranked, chosen, rate / 100, k, reference, settings.alpha))
