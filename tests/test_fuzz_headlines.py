"""Hypothesis fuzzing of headlines through the checks, the scorer, LIME and the renderer.

Any text an editor can paste (unicode, right-to-left, zero-width, markup, attribute injection,
control characters, very long strings) gets a finite score or a clear problem, a LIME
explanation whose words are the headline's own, and HTML in which every piece of the input is
escaped.
"""

import html
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.basics.text import headline_problems
from core.model.scorer import HeadlineScorer
from core.newsroom.compare import checked_drafts, ranking, scorable
from core.newsroom.explain import highlight_html, word_weights
from tests.tiny_model import make_tiny_base

NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202eevil\u202c",
    "zero\u200bwidth",
    "שלום עולם",
    "مرحبا",
    "&lt;b&gt;",
    '=HYPERLINK("http://x")',
    "\x00\x07",
    "😀" * 5,
]
headlines = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=20), max_size=8).map(" ".join),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    return HeadlineScorer.from_base(make_tiny_base(tmp_path_factory.mktemp("tiny")), seed=2, precision="fp32")


@FUZZ
@given(st.lists(headlines, min_size=2, max_size=10))
def test_any_drafts_rank_with_finite_scores_or_a_stated_problem(scorer, raws):
    drafts = checked_drafts(raws, max_chars=300)
    for draft in drafts:
        if headline_problems(draft.raw, 300):
            assert draft.problem  # refused with a stated reason, never scored
    ready = scorable(drafts)
    if ready:
        ranked = ranking(scorer.score, ready)
        assert np.isfinite(ranked["score"]).all()
        assert ranked["win_probability"].sum() == pytest.approx(1.0)
        assert ranked["rank"].min() == 1 and ranked["rank"].max() <= len(ready)


@FUZZ
@given(headlines)
def test_lime_explains_only_the_headlines_own_words(scorer, headline):
    weights = word_weights(headline, scorer.predict_proba, num_samples=20, random_state=0)
    words = set(re.split(r"\W+", headline.strip())) - {""}
    assert set(weights) <= words
    assert all(np.isfinite(w) for w in weights.values())


@FUZZ
@given(headlines, st.dictionaries(st.text(max_size=10), st.floats(-1, 1), max_size=5))
def test_the_highlight_escapes_every_piece_of_the_input(headline, weights):
    rendered = highlight_html(headline, weights)
    # Drop the renderer's own spans; what remains must be exactly the escaped headline.
    inner = re.sub(
        r'<span title="[^"]*" style="[^"]*">|<span class="headline-lab-lime">|</span>', "", rendered
    )
    assert inner == html.escape(headline.strip())
