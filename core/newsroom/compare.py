"""Drafts on the Compare page: which can be scored, and their ranking by the scorer.

A draft that is empty, too long or a repeat of an earlier draft is set aside with a
message; markup (e.g. ``<script>``) is allowed but noted: the model scores the text without
the tags, and the page shows the draft as typed, escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from core.basics.stats import first_place_probabilities
from core.basics.text import clean_headline, headline_problems, markup_tags, normalise_headline


class Scorer(Protocol):
    version: str

    def score(self, headlines: list[str], context: str | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class Draft:
    number: int  # 1-based, as the page labels drafts
    raw: str  # as typed
    problem: str | None = None  # why it is not scored; None when it is
    markup: list[str] = field(default_factory=list)  # tags beyond inline formatting

    @property
    def text(self) -> str:
        """What the model sees and what a saved test stores."""
        return clean_headline(self.raw)


def checked_drafts(raws: Sequence[str | None], max_chars: int = 300) -> list[Draft]:
    """Every draft with its problem (empty, too long, a repeat) and markup note."""
    drafts, seen = [], {}
    for number, raw in enumerate(raws, start=1):
        raw = raw or ""
        problems = headline_problems(raw, max_chars)
        key = normalise_headline(raw)
        if not problems and key in seen:
            problems = [f"same as draft {seen[key]}"]
        seen.setdefault(key, number)
        drafts.append(Draft(number, raw, problems[0] if problems else None, markup_tags(raw)))
    return drafts


def scorable(drafts: Sequence[Draft]) -> list[Draft]:
    return [d for d in drafts if d.problem is None]


def ranking(scorer: Scorer, drafts: Sequence[Draft], excerpt: str | None = None) -> pd.DataFrame:
    """One row per draft in input order: draft number, headline, score, rank (1 = best) and
    win probability (the chance it is the best of these drafts).

    The story excerpt is passed on; only a model trained to read it uses it.
    """
    texts = [d.text for d in drafts]
    excerpt = (excerpt or "").strip() or None
    scores = scorer.score(texts, excerpt)
    frame = pd.DataFrame(
        {
            "draft": [d.number for d in drafts],
            "headline": texts,
            "score": scores,
            "win_probability": first_place_probabilities(scores),  # from these scores: one pass
        }
    )
    frame["rank"] = frame["score"].rank(ascending=False, method="min").astype(int)
    return frame
