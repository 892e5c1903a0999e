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

from core.basics.stats import first_place_probabilities, sigmoid
from core.basics.text import (
    character_references,
    clean_headline,
    formatting_tags,
    headline_problems,
    markup_tags,
    normalise_headline,
)
from core.data.datasets import archive_name


class Scorer(Protocol):
    version: str

    def score(self, headlines: list[str], context: str | None = None) -> np.ndarray: ...


class Score(Protocol):
    """A scorer's ``score`` (or the page's remembered one): one score per headline, (n,)."""

    def __call__(self, headlines: list[str], context: str | None = None) -> np.ndarray: ...


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

    @property
    def typed(self) -> str:
        """As the editor typed it, tags and all, with runs of spaces collapsed."""
        return " ".join(self.raw.split())

    @property
    def formatting(self) -> list[str]:
        """Inline formatting tags (<b>, </em>) that the saved text drops."""
        return formatting_tags(self.raw)

    @property
    def references(self) -> dict[str, str]:
        """Character references (&amp;) and the characters the saved text has instead."""
        return character_references(self.raw)

    @property
    def saved_differently(self) -> bool:
        """The text saved is not the text typed (beyond spacing): tags removed, or character
        references such as ``&amp;`` decoded. The page says so, since Record outcome and
        History show the saved text."""
        return self.text != self.typed


def checked_drafts(raws: Sequence[str | None], max_chars: int = 300, noun: str = "draft") -> list[Draft]:
    """Every draft with its problem (empty, too long, a repeat) and markup note; a repeat names
    the first by ``noun`` and number, as the page calls them ("same as headline 1")."""
    drafts, seen = [], {}
    for number, raw in enumerate(raws, start=1):
        raw = raw or ""
        problems = headline_problems(raw, max_chars)
        key = normalise_headline(raw)
        if not problems and key in seen:
            problems = [f"same as {noun} {seen[key]}"]
        seen.setdefault(key, number)
        drafts.append(Draft(number, raw, problems[0] if problems else None, markup_tags(raw)))
    return drafts


def scorable(drafts: Sequence[Draft]) -> list[Draft]:
    return [d for d in drafts if d.problem is None]


def ranking(score: Score, drafts: Sequence[Draft], excerpt: str | None = None) -> pd.DataFrame:
    """One row per draft in input order: draft number, headline, score, rank (1 = best) and
    win probability (the chance it is the best of these drafts).

    The story excerpt is passed on; only a model trained to read it uses it.
    """
    texts = [d.text for d in drafts]
    excerpt = (excerpt or "").strip() or None
    scores = score(texts, excerpt)
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


def head_to_head(ranked: pd.DataFrame) -> pd.DataFrame:
    """(n, n) P(row draft beats column draft) from the calibrated scores; diagonal 0.5.

    Bradley-Terry: P(i beats j) = sigmoid(s_i - s_j). Rows and columns are labelled by draft
    number, in rank order.
    """
    ordered = ranked.sort_values("rank")
    s = ordered["score"].to_numpy(float)
    labels = [f"Draft {d}" for d in ordered["draft"]]
    return pd.DataFrame(sigmoid(s[:, None] - s[None, :]), index=labels, columns=labels)


@dataclass(frozen=True)
class Call:
    """The answer the page leads with."""

    leader: int  # draft number with the best score
    runner_up: int | None
    leader_beats_runner_up: float | None  # P(leader beats runner-up) head to head
    too_close: bool  # within the model's noise: test both

    def sentence(self) -> str:
        if self.runner_up is None:
            return f"Draft {self.leader} is the only draft to compare."
        if self.too_close:
            return (
                f"Too close to call: drafts {self.leader} and {self.runner_up} are within the model's "
                f"noise ({self.leader_beats_runner_up:.0%} head to head). Test both."
            )
        return (
            f"Draft {self.leader} is most likely to win: it beats draft {self.runner_up}, the "
            f"runner-up, {self.leader_beats_runner_up:.0%} of the time head to head."
        )


def call(ranked: pd.DataFrame, too_close_below: float = 0.55) -> Call:
    """Which draft leads, and whether the lead is beyond the model's noise.

    ``too_close_below``: a head-to-head probability under this (e.g. 55%) is a coin flip for
    this model, whose accuracy on clear-cut archive tests is about 70%.
    """
    ordered = ranked.sort_values(["rank", "draft"])
    leader = int(ordered["draft"].iloc[0])
    if len(ordered) < 2:
        return Call(leader, None, None, False)
    runner_up = int(ordered["draft"].iloc[1])
    p = float(sigmoid(ordered["score"].iloc[0] - ordered["score"].iloc[1]))
    return Call(leader, runner_up, p, p < too_close_below)


def track_record(manifest: dict) -> str | None:
    """One honest line on how often the model is right, from its manifest's validation figures
    (archive tests it never trained on), or None when the manifest has none. Pooled first, then
    per archive, as the Models and History pages show them."""
    rows = _measured_archives(manifest)
    if not rows:
        return None
    right, pairs = _pooled(rows, "accuracy", "pairs")
    line = (
        f"On {pairs:,} archive head-to-heads it never trained on, the model picked the winner {right:.0%} "
        f"of the time{per_archive(rows, 'accuracy', ' (', ')')}"
    )
    clear_rows = {name: m for name, m in rows.items() if m.get("significant_pairs")}
    if clear_rows:
        right_clear, clear = _pooled(clear_rows, "accuracy_significant", "significant_pairs")
        line += (
            f"; {right_clear:.0%} on the {clear:,} clear-cut ones "
            f"({per_archive(clear_rows, 'accuracy_significant', '', '; ')}a significant difference in click rate)"
        )
    return line + ". A coin flip would be 50%." + newer_tests_line(manifest)


def track_record_in_short(manifest: dict) -> str | None:
    """The answer of :func:`track_record` in one short sentence (the page gives the rest on hover):
    how often it picked the clear-cut winner, pooled over the archives; None without figures."""
    rows = _measured_archives(manifest)
    if not rows:
        return None
    clear_rows = {name: m for name, m in rows.items() if m.get("significant_pairs")}
    if clear_rows:
        right, what = _pooled(clear_rows, "accuracy_significant", "significant_pairs")[0], "the clear winner"
    else:  # no clear-cut pairs: all pairs it is
        right, what = _pooled(rows, "accuracy", "pairs")[0], "the winner"
    return f"On past tests it never saw, it picked {what} {right:.0%} of the time (a coin flip: 50%)."


def _measured_archives(manifest: dict | None) -> dict[str, dict]:
    """The manifest's validation figures of each archive it was measured on."""
    metrics = (manifest or {}).get("validation_metrics") or {}
    return {name: m for name, m in metrics.items() if m.get("pairs")}


def _pooled(rows: dict[str, dict], share: str, count: str) -> tuple[float, int]:
    """The archives' ``share`` pooled by their ``count`` (their pairs), and that count."""
    total = sum(m[count] for m in rows.values())
    return sum(m[share] * m[count] for m in rows.values()) / total, total


def per_archive(rows: dict, key: str, before: str, after: str) -> str:
    """ "Upworthy 59%, Ars Technica 63%" wrapped in before/after; "" for a single archive."""
    if len(rows) < 2:
        return ""
    return before + ", ".join(f"{archive_name(n)} {m[key]:.0%}" for n, m in rows.items()) + after


def newer_tests_line(manifest: dict) -> str:
    """How its recipe did on tests newer than any it learned from (the manifest's
    ``forward_evaluation``: a twin trained before each archive's cutoff), or "" without it."""
    archives = ((manifest or {}).get("forward_evaluation") or {}).get("archives") or {}
    parts = [
        f"{m['accuracy_significant']:.0%} ({archive_name(name)})"
        for name, m in archives.items()
        if m.get("accuracy_significant") is not None
    ]
    if not parts:
        return ""
    return (
        " On each archive's newest tests, newer than any it learned from (as yours will be), the "
        f"same recipe trained on older tests only picked the clear-cut winner {' and '.join(parts)}."
    )
