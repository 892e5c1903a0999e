"""The figures every trained model's manifest carries: accuracy and log loss on each archive's
held-out tests (which training never touches): the validation side of the split by test, or
the forward side for a model trained on the older tests only.
"""

from __future__ import annotations

from core.basics.settings import Settings
from core.data.datasets import DATASETS, held_out_split
from core.data.pairs import pair_contexts
from core.evaluation.metrics import quick_metrics


def validation_metrics(scorer, settings: Settings, split: str = "test") -> dict:
    """quick_metrics on each archive's held-out pairs under ``split``, keyed by archive.

    Empty for a model trained on every test ("all"): nothing is left to measure it on.
    """
    metrics = {}
    for name in DATASETS:
        held_out = held_out_split(name, settings, split)
        if held_out is None:
            return {}
        valid = held_out.valid
        p = scorer.pair_proba(list(valid["headline_a"]), list(valid["headline_b"]), pair_contexts(valid))
        metrics[name] = quick_metrics(p, valid)
    return metrics
