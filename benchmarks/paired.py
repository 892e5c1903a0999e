"""One model against the bundled one on the same validation pairs: per-pair results and paired tests.

Shared by the benchmarks that decide whether a candidate may replace ``models/default``
(``soup.py``, ``distill.py``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from core.basics.stats import log_losses
from core.data.datasets import DATASETS, dataset_split
from core.data.pairs import pair_contexts
from core.evaluation.metrics import cluster_weights, evaluate_pairs
from core.lifecycle.champion import mcnemar


def measured(proba, settings) -> dict:
    """Per archive: metrics with intervals, and which pairs the model gets right.

    ``proba(valid) -> (n,)`` gives P(a beats b) for the pairs of one archive's validation split.
    """
    result = {}
    for name in DATASETS:
        valid = dataset_split(name, settings).valid
        p = proba(valid)
        metrics = {k: dataclasses.asdict(v) for k, v in evaluate_pairs(valid, p, settings).items()}
        y = valid["label"].to_numpy() == 1
        result[name] = {
            "metrics": metrics,
            "correct": (p > 0.5) == y,
            "loss": log_losses(y, p),  # per pair (n,)
            "significant": valid["significant"].to_numpy(bool),
            "tests": valid["test_id"].to_numpy(),
        }
    return result


def scorer_proba(scorer):
    """``measured``'s proba for one scorer."""
    return lambda valid: scorer.pair_proba(
        list(valid["headline_a"]), list(valid["headline_b"]), pair_contexts(valid)
    )


def paired_difference(challenger: dict, champion: dict, key: str, settings) -> dict:
    """Challenger minus bundled in the mean of a per-pair quantity, with a test-resampled 95% interval."""
    d = challenger[key].astype(float) - champion[key].astype(float)  # (n,)
    weights = cluster_weights(challenger["tests"], settings.bootstrap_samples, settings.seed)
    draws = np.concatenate([w @ d / w.sum(axis=1) for w in weights])
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"value": float(d.mean()), "low": float(low), "high": float(high)}


def paired_differences(challenger: dict, champion: dict, settings) -> dict:
    """Per archive: the paired log-loss and accuracy differences."""
    return {
        name: {
            "log_loss": paired_difference(challenger[name], champion[name], "loss", settings),
            "correct": paired_difference(challenger[name], champion[name], "correct", settings),
        }
        for name in DATASETS
    }


def paired_tests(challenger: dict, champion: dict) -> dict:
    """Per archive: McNemar on all pairs and on significant pairs."""
    tests = {}
    for name in DATASETS:
        sig = challenger[name]["significant"]
        tests[name] = {}
        for label, mask in (("all", np.ones_like(sig)), ("significant", sig)):
            t = mcnemar(champion[name]["correct"][mask], challenger[name]["correct"][mask])
            tests[name][label] = {
                "bundled_only": t.champion_only,
                "challenger_only": t.challenger_only,
                "p_value": t.p_value,
            }
    return tests


def verified_better(differences: dict) -> bool:
    """Issue #3's bar for re-committing: the log-loss difference is below zero beyond noise on both."""
    return all(d["log_loss"]["high"] < 0 for d in differences.values())


def comparison_lines(name: str, label: str, tests: dict, differences: dict) -> list[str]:
    """Markdown lines: paired differences and McNemar for one archive."""
    t, d = tests[name], differences[name]
    return [
        f"{label} minus bundled, paired: log loss {d['log_loss']['value']:+.4f} "
        f"[{d['log_loss']['low']:+.4f}, {d['log_loss']['high']:+.4f}], accuracy on all pairs "
        f"{d['correct']['value']:+.3f} [{d['correct']['low']:+.3f}, {d['correct']['high']:+.3f}].",
        "",
        f"McNemar, {label.lower()} against bundled: all pairs {t['all']['bundled_only']} vs "
        f"{t['all']['challenger_only']} discordant, p = {t['all']['p_value']:.2f}; significant pairs "
        f"{t['significant']['bundled_only']} vs {t['significant']['challenger_only']}, "
        f"p = {t['significant']['p_value']:.2f}.",
        "",
    ]
