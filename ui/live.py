"""What keeps the Compare page live: LIME explanations on a background queue per model, so
typing never waits for them (core.newsroom.explain_queue)."""

from __future__ import annotations

import time
import uuid
from functools import partial

import streamlit as st

from core.basics.words import plural
from core.model.hardware import use_threads_here
from core.newsroom.explain import highlight_html, word_weights
from core.newsroom.explain_queue import ExplanationQueue, Progress, abandonable
from core.newsroom.remembered import Remembered
from ui.resources import settings
from ui.serving import Model


@st.cache_resource(show_spinner=False, max_entries=2)
def _queue(model_key: str, _scorer, samples: int, seed: int, threads: int) -> ExplanationQueue:
    # One queue (one worker thread) per model and LIME setting, shared by every session, with
    # one memory of the model's scores: a one-word edit re-scores only the new perturbations.
    remembered = Remembered(_scorer.predict_proba)

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


def this_session() -> str:
    """This browser session's name in the explanation queue, so that two editors typing at once
    do not drop each other's drafts."""
    if EDITOR_KEY not in st.session_state:
        st.session_state[EDITOR_KEY] = uuid.uuid4().hex
    return st.session_state[EDITOR_KEY]


class HighlightSlots:
    """Each draft's highlight on Compare, drawn with what the queue has finished, then filled in
    place as the rest arrive, within the page's own run.

    The page draws the progress line (``begin``) and each draft's highlight in rank order
    (``draw``), then everything below them (the save form last), and only then waits
    (``fill``): each highlight is replaced through the handle Streamlit returned as soon as its
    explanation is in, and the progress line is rewritten every 50 ms, which is where Streamlit
    ends the run when the editor types again or clicks. No fragment polls: a fragment's timed
    rerun that reached the server just as a page run ended made Streamlit start a new script
    runner and drop the rest of the page run's output (its save form) unsent (streamlit#9921);
    the browser test's opening steps lost the save form in 3 of 36 loops that way.
    """

    def __init__(self, queue: ExplanationQueue, keys: list, headlines: list[str]) -> None:
        self.queue = queue
        self.keys = keys  # one per draft, in rank order
        self.headlines = headlines  # as typed, in the same order

    def begin(self) -> None:
        """Ask for the drafts' explanations and draw the progress line ("Explaining the words…")."""
        self.progress_ = self.queue.request(self.keys, editor=this_session())
        self.note_ = self._note(st, self.progress_)
        self.drawn_ = []

    def draw(self, rank: int) -> None:
        """The highlight of the draft ranked ``rank`` (0-based), and why it is missing if it failed."""
        key, headline = self.keys[rank], self.headlines[rank]
        area = st.html(highlight_html(headline, self.progress_.done.get(key, {})))
        failed = st.caption(FAILED) if key in self.progress_.failed else st.empty()
        self.drawn_.append((area, failed))

    def fill(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for the drafts still being explained, redrawing each as it
        arrives; what is still missing then says so."""
        shown = self.progress_
        deadline = time.monotonic() + timeout_s
        while shown.pending and (left := deadline - time.monotonic()) > 0:
            progress = self.queue.wait(self.keys, min(WAIT_STEP_S, left))
            self._redraw(shown, progress)
            # A write: where Streamlit ends this run if the editor has typed again meanwhile.
            self.note_ = self._note(self.note_, progress)
            shown = progress
        if shown.pending:
            self.note_.caption(SLOW)

    def _redraw(self, shown: Progress, progress: Progress) -> None:
        for (area, failed), key, headline in zip(self.drawn_, self.keys, self.headlines):
            if key in progress.done and key not in shown.done:
                area.html(highlight_html(headline, progress.done[key]))
            if key in progress.failed and key not in shown.failed:
                failed.caption(FAILED)

    def _note(self, where, progress: Progress):
        """One caption line, always there: a line that came and went moved the highlights below
        it up and down at every pause in typing."""
        total = len(self.keys)
        if not progress.pending and not progress.failed:
            every = "Both drafts" if total == 2 else f"All {plural(total, 'draft')}"
            return where.caption(
                f"{every} explained. Hover a word to see how much it moves the draft's chance."
            )
        if not progress.pending:
            return where.caption(
                f"{len(progress.done)} of {total} drafts explained. Hover a word to see how much it moves the draft's chance."
            )
        return where.caption(
            f"Explaining the words… {len(progress.done)} of {total} drafts done; the scores above are final."
        )


EDITOR_KEY = "explanation_editor"
WAIT_STEP_S = 0.05  # fill waits in steps this long, so that typing can cut it short
FAILED = "This draft could not be explained; its score above still holds."
SLOW = "Explaining the words is taking longer than usual; change a draft to look again."
