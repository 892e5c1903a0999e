"""Synthetic headline pairs with a planted signal, shaped like core.data.pairs.PAIR_COLUMNS."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

FILLER = [f"word{i}" for i in range(400)]

# Given the rng, return (headline with the trait, headline without it).
Trait = Callable[[np.random.Generator], tuple[str, str]]


def filler(rng: np.random.Generator, n: int = 6) -> list[str]:
    return list(rng.choice(FILLER, size=n))


def word_trait(word: str) -> Trait:
    def make(rng: np.random.Generator) -> tuple[str, str]:
        words = filler(rng)
        return " ".join([*words[:3], word, *words[3:]]), " ".join(filler(rng))

    return make


def question_trait(rng: np.random.Generator) -> tuple[str, str]:
    return " ".join(filler(rng)) + "?", " ".join(filler(rng))


def length_trait(rng: np.random.Generator) -> tuple[str, str]:
    return " ".join(filler(rng, 9)), " ".join(filler(rng, 4))


def synthetic_pairs(
    n_tests: int, per_test: int, trait: Trait, strength: float = 0.85, seed: int = 0, prefix: str = "t"
) -> pd.DataFrame:
    """The headline with the trait wins with probability ``strength``; sides are random."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tests):
        for _ in range(per_test):
            with_trait, without = trait(rng)
            trait_wins = rng.random() < strength
            a_has_trait = rng.random() < 0.5
            a, b = (with_trait, without) if a_has_trait else (without, with_trait)
            p_value = rng.uniform(0, 0.2)
            rows.append(
                {
                    "test_id": f"{prefix}{t}",
                    "source": "synthetic",
                    "headline_a": a,
                    "headline_b": b,
                    "label": int(trait_wins == a_has_trait),
                    "p_value": p_value,
                    "significant": p_value < 0.05,
                    "unrandomised": False,
                }
            )
    return pd.DataFrame(rows)
