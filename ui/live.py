"""What keeps the Compare page live: LIME explanations on a background queue per model, so
typing never waits for them (core.newsroom.explain_queue)."""

from __future__ import annotations

import time
from functools import partial

import streamlit as st

from core.basics.words import plural
from core.model.hardware import use_threads_here
from core.newsroom.explain import highlight_html, word_weights
from core.newsroom.explain_queue import ExplanationQueue, Progress, abandonable
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


class HighlightSlots:
    """Each draft's highlight on Compare, drawn with what the queue has finished, and
    redrawn in place when more is in.

    The highlight fragment draws the note (``begin``) and then each draft's highlight in rank
    order (``draw``), and may redraw them after a short wait (``fill_soon``), so that a
    one-word edit's highlight comes as soon as it is in, not a poll later. Only the fragment's
    own reruns (its polls) wait, never its drawing inside the page's run
    (``in_page_run``): a page run made longer by the wait, after the fragment or inside it,
    left the browser test's page without its save form (3 of 12 and 1 of 48 loops; none in
    40 without the wait). Each element is drawn directly and later replaced through the
    handle Streamlit returns: an empty placeholder filled afterwards would blank every
    highlight for a moment at each poll.
    """

    in_page_run = False  # set by the page around the fragment's first drawing

    def __init__(self, queue: ExplanationQueue, keys: list, headlines: list[str]) -> None:
        self.queue = queue
        self.keys = keys  # one per draft, in rank order
        self.headlines = headlines  # as typed, in the same order

    def begin(self, progress: Progress) -> None:
        """Start a drawing at the progress line ("Explaining the words…")."""
        self.progress_ = progress
        self.note_ = self._note(st, progress)
        self.drawn_ = []

    def draw(self, rank: int) -> None:
        """The highlight of the draft ranked ``rank`` (0-based), and why it is missing if it failed."""
        key, headline = self.keys[rank], self.headlines[rank]
        area = st.html(highlight_html(headline, self.progress_.done.get(key, {})))
        failed = st.caption(FAILED) if key in self.progress_.failed else st.empty()
        self.drawn_.append((area, failed))

    def fill_soon(self, timeout_s: float, most_pending: int) -> None:
        """Wait up to ``timeout_s`` and redraw, when at most ``most_pending`` drafts lack a
        highlight (typing changes one draft at a time; a paste of many waits for the polls)."""
        progress = self.queue.progress(self.keys)
        if timeout_s <= 0 or self.in_page_run or not progress.pending or len(progress.pending) > most_pending:
            return
        deadline = time.monotonic() + timeout_s
        while progress.pending and (left := deadline - time.monotonic()) > 0:
            progress = self.queue.wait(self.keys, min(WAIT_STEP_S, left))
            # A write: where Streamlit ends this run if the editor has typed again meanwhile.
            self.note_ = self._note(self.note_, progress)
        for (area, failed), key, headline in zip(self.drawn_, self.keys, self.headlines):
            area.html(highlight_html(headline, progress.done.get(key, {})))
            if key in progress.failed:
                failed.caption(FAILED)

    def _note(self, where, progress: Progress):
        """One caption line, always there: a line that came and went moved the highlights below
        it up and down at every pause in typing."""
        total = len(self.keys)
        if not progress.pending:
            return where.caption(f"All {plural(total, 'draft')} explained. Hover a word for its weight.")
        return where.caption(
            f"Explaining the words… {len(progress.done)} of {total} drafts done; the scores above are final."
        )


WAIT_STEP_S = 0.05  # fill_soon waits in steps this long, so that typing can cut it short
FAILED = "This draft could not be explained; its score above still holds."
