"""The figures every trained model's manifest carries: accuracy and log loss on each archive's
validation split (which training never touches)."""

from __future__ import annotations

from core.basics.settings import Settings
from core.data.datasets import DATASETS, dataset_split
from core.data.pairs import pair_contexts
from core.evaluation.metrics import quick_metrics


def validation_metrics(scorer, settings: Settings) -> dict:
    """quick_metrics on each archive's validation split, keyed by archive."""
    metrics = {}
    for name in DATASETS:
        valid = dataset_split(name, settings).valid
        p = scorer.pair_proba(list(valid["headline_a"]), list(valid["headline_b"]), pair_contexts(valid))
        metrics[name] = quick_metrics(p, valid)
    return metrics
