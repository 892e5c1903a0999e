"""LIME word weights for one headline, and a safe HTML rendering of them.

LIME removes random subsets of words, scores the perturbed headlines with the scorer's
``predict_proba`` (P(beats a typical headline)), and fits a local linear model: a word's
weight is how much its presence moves that probability. Perturbed strings repeat (short
headlines have few subsets), so they are deduplicated before scoring.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import numpy as np
from lime.lime_text import LimeTextExplainer

from core.basics.text import clean_headline

# What separates words, for LIME and the renderer alike: a run of anything but letters and
# digits, except an apostrophe inside a word, so that "won't", "it's" and "NASA's" are one word
# each (split at every \W, as LIME does by default, the "t" of "won't" was coloured on its own).
SPLIT_EXPRESSION = r"(?:[^\w'’]|['’](?!\w)|(?<!\w)['’])+"
_TOKENS = re.compile(f"({SPLIT_EXPRESSION})")
# Tags and character entities as typed: shown, never highlighted (the model never reads them).
_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")


def deduplicated(classifier_fn: Callable[[list[str]], np.ndarray]) -> Callable[[list[str]], np.ndarray]:
    """Wrap classifier_fn so each distinct string is scored once. (n,) strings -> (n, k)."""

    def predict(texts: list[str]) -> np.ndarray:
        unique, inverse = np.unique(np.asarray(texts, dtype=object).astype(str), return_inverse=True)
        return classifier_fn(list(unique))[inverse]

    return predict


def word_weights(
    headline: str,
    classifier_fn: Callable[[list[str]], np.ndarray],
    num_samples: int = 1000,
    random_state: int = 0,
) -> dict[str, float]:
    """{word: weight}: positive pushes the headline's win probability up, negative down."""
    # Explain the text the model reads (tags removed, entities decoded): perturbing the typed
    # text would drop letters of a tag ("b" of <b>) and credit the change to a "word" the model
    # never sees. The renderer shows the typed text and skips its markup.
    text = clean_headline(headline)
    words = [w for w in re.split(SPLIT_EXPRESSION, text) if w]
    if not words:
        return {}
    explainer = LimeTextExplainer(
        class_names=["loses", "wins"], split_expression=SPLIT_EXPRESSION, bow=True, random_state=random_state
    )
    explanation = explainer.explain_instance(
        text, deduplicated(classifier_fn), labels=(1,), num_features=len(set(words)), num_samples=num_samples
    )
    return {str(word): float(weight) for word, weight in explanation.as_list(label=1)}


def _background(weight: float, scale: float) -> str:
    """Green for positive, red for negative; opacity grows with |weight| / scale."""
    alpha = 0.0 if scale <= 0 else min(1.0, abs(weight) / scale) * 0.75
    rgb = "34,160,70" if weight > 0 else "215,48,39"
    return f"rgba({rgb},{alpha:.2f})"


def weight_in_words(weight: float) -> str:
    """A LIME weight as an editor reads it: the word's change to the draft's chance of beating a
    typical headline (``HeadlineScorer.predict_proba``, 0-1), in percentage points."""
    points = abs(weight) * 100
    if points < 0.05:
        return "barely changes its chance against a typical headline"
    return (
        f"{'raises' if weight > 0 else 'lowers'} its chance against a typical headline by {points:.1f} points"
    )


def _highlighted(piece: str, weights: dict[str, float], scale: float) -> str:
    """One word or gap of text, escaped; a word with a weight in its coloured span."""
    escaped = html.escape(piece)
    weight = weights.get(piece)
    if weight is None or not piece.strip() or re.fullmatch(SPLIT_EXPRESSION, piece):
        return escaped
    return (
        f'<span title="{weight_in_words(weight)}" style="background:{_background(weight, scale)};'
        f'border-radius:3px;padding:0 2px">{escaped}</span>'
    )


def highlight_html(headline: str, weights: dict[str, float]) -> str:
    """The headline as HTML, each word's background scaled by its LIME weight.

    Every piece of text is HTML-escaped: a headline is untrusted input.
    """
    text = str(headline).strip()
    scale = max((abs(w) for w in weights.values()), default=0.0)
    parts = []
    for i, segment in enumerate(_MARKUP.split(text)):
        if i % 2:  # split's odd items are the captured tags and entities: shown as typed, never coloured
            parts.append(html.escape(segment))
        else:
            parts.extend(_highlighted(piece, weights, scale) for piece in _TOKENS.split(segment) if piece)
    return '<span class="headline-lab-lime">' + "".join(parts) + "</span>"
