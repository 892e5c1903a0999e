"""Training choices, each trained at the same reduced budget and measured on the validation split.

    .venv/bin/python -m benchmarks.ablations [--pairs 4000] [--epochs 1] [--only NAME ...]

Writes benchmarks/results/ablations.json (after every run, so partial results survive) and
ablations.md. Every variant differs from "base" in one setting; the ensemble averages the
scores of "base" and "seed 2". Figures: accuracy on all and on significant validation pairs
with 95% cluster-bootstrap intervals (resampling tests), log loss, on both archives.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import numpy as np

from core.basics.settings import REPO_ROOT as ROOT
from core.basics.settings import load_settings
from core.data.datasets import DATASETS, dataset_split
from core.evaluation.metrics import evaluate_pairs
from core.training.calibration import pair_logits
from core.training.config import TrainConfig
from core.training.loop import train

VARIANTS: dict[str, dict] = {
    "base": {},
    "significance weighting": {"pair_weighting": "significance"},
    "soft labels (posterior)": {"soft_labels": True},
    "unrandomised window excluded": {"unrandomised_weight": 0.0},
    "lr 1e-4": {"lr": 1e-4},
    "lr 2e-5": {"lr": 2e-5},
    "Upworthy only": {"datasets": ("upworthy",)},
    "Ars only": {"datasets": ("ars",)},
    "seed 2": {"seed": 2},
    "word embeddings trained too": {"frozen_prefixes": ()},
    "excerpt as context (Upworthy; Ars has none)": {"context": "excerpt"},
}
ENSEMBLE = ("base", "seed 2")
OUT = ROOT / "benchmarks" / "results"


def validation_scores(scorer, settings) -> dict[str, np.ndarray]:
    """Untempered s(a) - s(b) on each archive's validation pairs."""
    return {name: pair_logits(scorer, dataset_split(name, settings).valid) for name in DATASETS}


def row(name: str, logits: dict[str, np.ndarray], temperature: float, settings, seconds: float) -> dict:
    result = {"variant": name, "train_seconds": round(seconds, 1)}
    for dataset in DATASETS:
        valid = dataset_split(dataset, settings).valid
        p = 1 / (1 + np.exp(-logits[dataset] / temperature))
        m = evaluate_pairs(valid, p, settings)
        result[dataset] = {k: dataclasses.asdict(v) for k, v in m.items()}
    return result


def cell(e: dict) -> str:
    return f"{e['value']:.3f} [{e['low']:.3f}, {e['high']:.3f}]"


def metric_cells(m: dict) -> str:
    """Accuracy (all), accuracy (significant) and log loss of one row, as table cells."""
    return f"{cell(m['accuracy'])} | {cell(m['accuracy_significant'])} | {cell(m['log_loss'])}"


def markdown(rows: list[dict], budget: str) -> str:
    lines = [
        "# Ablations: training choices on the validation split",
        "",
        f"Every variant trained with the same budget ({budget}) from the base encoder and measured on "
        "the validation split of `core.data.datasets.dataset_split` (held-out test groups; Upworthy's "
        "badly randomised window excluded from validation). 95% intervals resample whole tests. "
        "Produced by `benchmarks/ablations.py`. 'train s' is wall time on the 2-core machine, "
        "which other jobs may have shared.",
        "",
    ]
    for dataset in DATASETS:
        first = rows[0][dataset]
        lines += [
            f"## {dataset} (validation: {first['accuracy']['pairs']:,} pairs, "
            f"{first['accuracy_significant']['pairs']:,} significant)",
            "",
            "| variant | accuracy (all) | accuracy (significant) | log loss | train s |",
            "|---|---|---|---|---|",
        ]
        for r in rows:
            m = r[dataset]
            lines.append(f"| {r['variant']} | {metric_cells(m)} | {r['train_seconds']} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=4000, help="training pairs per variant")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    settings = load_settings()
    budget = f"{args.pairs:,} training pairs, {args.epochs:g} epoch(s)"
    OUT.mkdir(parents=True, exist_ok=True)
    # --only reruns some variants and keeps the other rows of the last full run
    previous = json.loads((OUT / "ablations.json").read_text())["rows"] if args.only else []
    rows, kept = [], {}
    for name, change in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        config = dataclasses.replace(
            TrainConfig(), max_train_pairs=args.pairs, epochs=args.epochs, eval_every=40, **change
        )
        started = time.perf_counter()
        result = train(config, settings)
        seconds = time.perf_counter() - started
        logits = validation_scores(result.scorer, settings)
        rows.append(row(name, logits, result.scorer.temperature, settings, seconds))
        if name in ENSEMBLE:
            kept[name] = (logits, result.scorer.temperature)
        if len(kept) == len(ENSEMBLE):
            mean = {d: np.mean([kept[n][0][d] / kept[n][1] for n in ENSEMBLE], axis=0) for d in DATASETS}
            rows.append(row("ensemble (base + seed 2)", mean, 1.0, settings, 0.0))
            kept = {}
        done = {r["variant"] for r in rows}
        order = [*VARIANTS, "ensemble (base + seed 2)"]
        merged = sorted(
            [r for r in previous if r["variant"] not in done] + rows,
            key=lambda r: order.index(r["variant"]) if r["variant"] in order else len(order),
        )
        (OUT / "ablations.json").write_text(json.dumps({"budget": budget, "rows": merged}, indent=2) + "\n")
        (OUT / "ablations.md").write_text(markdown(merged, budget))
        print(f"{name}: done in {seconds:.0f}s", flush=True)
    print((OUT / "ablations.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
