"""What keeps the Compare page live: LIME explanations on a background queue per model, so
typing never waits for them (core.newsroom.explain_queue)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.model.hardware import use_threads_here
from core.newsroom.explain import word_weights
from core.newsroom.explain_queue import ExplanationQueue, abandonable
from core.newsroom.proba_memory import RememberedProba
from ui.resources import settings
from ui.serving import Model


@st.cache_resource(show_spinner=False, max_entries=2)
def _queue(model_key: str, _scorer, samples: int, seed: int, threads: int) -> ExplanationQueue:
    # One queue (one worker thread) per model and LIME setting, shared by every session, with
    # one memory of the model's scores: a one-word edit re-scores only the new perturbations.
    remembered = RememberedProba(_scorer.predict_proba)

    def compute(key: tuple[str, str | None], check) -> dict[str, float]:
        headline, context = key
        classify = abandonable(partial(remembered, context=context), check)
        return word_weights(headline, classify, samples, seed)

    return ExplanationQueue(compute, thread_setup=partial(use_threads_here, threads))


def explanation_queue(model: Model) -> ExplanationQueue:
    config = settings()
    key = f"{model.directory}@{model.version}"
    return _queue(key, model.scorer, config.lime_samples, config.lime_seed, config.lime_threads)


def explanation_key(headline: str, model: Model, excerpt: str | None) -> tuple[str, str | None]:
    """(headline as typed, the excerpt if this model reads it)."""
    reads_excerpt = model.scorer is not None and model.scorer.context == "excerpt"
    context = ((excerpt or "").strip() or None) if reads_excerpt else None
    return (headline, context)
