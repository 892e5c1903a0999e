"""Numeric paths of the scorer on this CPU: validation accuracy and speed of each, side by side.

    python -m benchmarks.numeric_paths [--model DIR] [--paths fp32 int8] [--threads 2 1]

For each path (and torch thread count): accuracy on both archives' validation splits (all
pairs and significant pairs; P(a beats b) > 0.5 against label == 1) and its difference from
fp32 in points, the median time to score the 10 drafts of benchmarks/bench.py, and the median
time of one LIME explanation of the 12-word headline at the sample counts given. A path may
ship only if every accuracy stays within 0.5 points of fp32's. Writes
benchmarks/results/numeric-paths.md and .json. Timings on a shared machine are indicative.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from benchmarks.bench import DRAFTS, TWELVE_WORDS, write_results
from benchmarks.lime_fidelity import ROOT, SEED, load_scorer, median_seconds
from core.basics.settings import load_settings
from core.data.datasets import DATASETS, dataset_split
from core.model.hardware import describe_cpu
from core.newsroom.explain import word_weights

MAX_DROP_POINTS = 0.5


def accuracies(scorer) -> dict[str, float]:
    """{"upworthy_all": ..., "upworthy_significant": ..., "ars_all": ..., ...} on validation pairs."""
    settings = load_settings()
    result = {}
    for name in DATASETS:
        valid = dataset_split(name, settings).valid
        correct = (scorer.pair_proba(list(valid["headline_a"]), list(valid["headline_b"])) > 0.5) == (
            valid["label"].to_numpy() == 1
        )
        significant = valid["significant"].to_numpy().astype(bool)
        result[f"{name}_all"] = float(np.mean(correct))
        result[f"{name}_significant"] = float(np.mean(correct[significant]))
        result[f"{name}_pairs"] = len(valid)
        result[f"{name}_significant_pairs"] = int(significant.sum())
    return result


def worst_drop_points(accuracy: dict[str, float], fp32_accuracy: dict[str, float]) -> float:
    """The largest fall, in points, of any accuracy figure against fp32's (the shipping rule's
    measure: a path ships only if it is above -MAX_DROP_POINTS)."""
    return min(100 * (accuracy[k] - fp32_accuracy[k]) for k in fp32_accuracy if not k.endswith("pairs"))


def markdown(report: dict) -> str:
    samples = report["lime_samples"]
    lines = [
        "# Numeric paths on this CPU",
        "",
        f"CPU: {report['cpu']}. Model `{report['model']}` ({report['model_version']}); measured "
        f"{report['measured_at']} by `python -m benchmarks.numeric_paths`. Times are medians "
        "(indicative: the machine is shared). Accuracy: validation pairs, P(a beats b) > 0.5 vs the "
        f"observed winner; Δ in points against fp32; a path ships only within {MAX_DROP_POINTS} points.",
        "",
        "| path | threads | score 10 drafts (ms) | "
        + " | ".join(f"LIME {n} (s)" for n in samples)
        + " | upworthy all | upworthy sig. | ars all | ars sig. | worst Δ (pts) |",
        "|---|---:|---:|" + "---:|" * len(samples) + "---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        acc = row["accuracy"]
        lines.append(
            f"| {row['path']} | {row['threads']} | {row['score_10_drafts_ms']:.1f} | "
            + " | ".join(f"{row['lime_s'][str(n)]:.3f}" for n in samples)
            + f" | {acc['upworthy_all']:.3f} | {acc['upworthy_significant']:.3f} | {acc['ars_all']:.3f} "
            f"| {acc['ars_significant']:.3f} | {row['worst_drop_points']:+.2f} |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--paths", nargs="+", default=["fp32", "int8"])
    parser.add_argument("--threads", nargs="+", type=int, default=[torch.get_num_threads()])
    parser.add_argument("--lime-samples", nargs="+", type=int, default=[250, 1000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    rows, fp32_accuracy, version = [], None, None
    for path in ["fp32"] + [p for p in args.paths if p != "fp32"]:  # fp32 first: the baseline
        scorer = load_scorer(args.model, path)
        version = scorer.version
        accuracy = accuracies(scorer)
        if path == "fp32":
            fp32_accuracy = accuracy
        for threads in args.threads:
            torch.set_num_threads(threads)
            row = {
                "path": path,
                "threads": threads,
                "score_10_drafts_ms": 1000
                * median_seconds(lambda s=scorer: s.score(DRAFTS), 10 * args.repeat, 3),
                "lime_s": {
                    str(n): median_seconds(
                        lambda s=scorer, n=n: word_weights(TWELVE_WORDS, s.predict_proba, n, SEED),
                        args.repeat,
                    )
                    for n in args.lime_samples
                },
                "accuracy": accuracy,
            }
            if fp32_accuracy is not None:
                row["worst_drop_points"] = worst_drop_points(accuracy, fp32_accuracy)
            print(json.dumps(row), flush=True)
            rows.append(row)
    model = args.model.resolve()
    report = {
        "cpu": describe_cpu(),
        "model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
        "model_version": version,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "lime_samples": args.lime_samples,
        "rows": rows,
    }
    write_results("numeric-paths", report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
