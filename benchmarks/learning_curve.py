"""How accuracy grows with training data: would more tests close the Ars gap?

    .venv/bin/python -m benchmarks.learning_curve [--fractions 0.25 0.5 0.75] [--seeds 13 1]

Trains the shipped recipe (``TrainConfig(epochs=1)``) on a random share of the training
pairs (``max_train_pairs``, both archives thinned alike), with two seeds per share, and
reads each run's validation figures from its manifest. The full-data point is the seven
full runs measured so far (benchmarks/results/seeds.md and soup.md). A straight line in
log2(training pairs) through the per-share means gives points gained per doubling of the
data. Writes benchmarks/results/learning_curve.json and .md; about 20 minutes on 2 CPU
cores.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from core.basics.settings import REPO_ROOT as ROOT
from core.basics.settings import load_settings
from core.data.datasets import DATASETS
from core.training.config import TrainConfig
from core.training.data import training_pairs
from core.training.loop import train

OUT = ROOT / "benchmarks" / "results"


def full_data_runs() -> list[dict]:
    """Validation figures of every full-budget run on record: seeds.json and soup.json."""
    runs = []
    seeds = json.loads((OUT / "seeds.json").read_text())["rows"]
    for row in seeds:
        if not row["model"].startswith("bundled"):  # the bundled model is soup.json's seed 13
            runs.append({d: row[d]["accuracy_significant"]["value"] for d in DATASETS})
    for ingredient in json.loads((OUT / "soup.json").read_text())["ingredients"]:
        runs.append({d: ingredient["validation_metrics"][d]["accuracy_significant"] for d in DATASETS})
    return runs


def slope_per_doubling(pairs: list[int], accuracy: list[float]) -> tuple[float, float]:
    """(slope, intercept) of accuracy on log2(pairs), least squares."""
    slope, intercept = np.polyfit(np.log2(pairs), accuracy, 1)
    return float(slope), float(intercept)


def markdown(record: dict) -> str:
    lines = [
        "# Learning curve: accuracy on significant validation pairs against training pairs",
        "",
        "Shipped recipe, one epoch, a random share of both archives' training pairs; each row is "
        "the mean (and range) of its runs. Produced by `benchmarks/learning_curve.py`.",
        "",
        "| training pairs | runs | Upworthy | Ars |",
        "|---|---|---|---|",
    ]
    for point in record["points"]:
        cells = [f"{np.mean(point[d]):.3f} ({min(point[d]):.3f}–{max(point[d]):.3f})" for d in DATASETS]
        lines.append(f"| {point['pairs']:,} | {len(point[DATASETS[0]])} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [
        "Points per doubling of the training pairs (least squares in log2 pairs through the means), "
        "and the training pairs at which that line would reach 0.70 and 0.75: straight-line "
        "extrapolations, not promises. The curve bends, so the line through the larger shares only "
        "is given beside the one through all.",
        "",
        "| archive | points used | per doubling | pairs for 0.70 | pairs for 0.75 |",
        "|---|---|---|---|---|",
    ]
    for label, fits in (("all", record["fit"]), ("from half the data", record["fit_upper"])):
        for d in DATASETS:
            f = fits[d]
            lines.append(
                f"| {d} | {label} | {100 * f['slope']:+.1f} | {f['pairs_for_0.70']:,.0f} | "
                f"{f['pairs_for_0.75']:,.0f} |"
            )
    lines.append("")
    return "\n".join(lines)


def fits(points: list[dict]) -> dict:
    result = {}
    for d in DATASETS:
        slope, intercept = slope_per_doubling([p["pairs"] for p in points], [np.mean(p[d]) for p in points])
        result[d] = {
            "slope": slope,
            "intercept": intercept,
            **{f"pairs_for_{t:.2f}": float(2 ** ((t - intercept) / slope)) for t in (0.70, 0.75)},
        }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 0.75])
    parser.add_argument("--seeds", type=int, nargs="+", default=[13, 1])
    parser.add_argument("--report-only", action="store_true", help="rewrite the .md from the .json")
    args = parser.parse_args()
    if args.report_only:
        record = json.loads((OUT / "learning_curve.json").read_text())
        return write(record["points"])
    settings = load_settings()
    total = len(training_pairs(TrainConfig(), settings))
    points = []
    for fraction in args.fractions:
        n = int(fraction * total)
        runs = []
        for seed in args.seeds:
            result = train(TrainConfig(epochs=1.0, max_train_pairs=n, seed=seed), settings)
            runs.append(
                {d: result.manifest["validation_metrics"][d]["accuracy_significant"] for d in DATASETS}
            )
            print(f"{n} pairs, seed {seed}: {runs[-1]}", flush=True)
        points.append({"pairs": n, **{d: [r[d] for r in runs] for d in DATASETS}})
    full = full_data_runs()
    points.append({"pairs": total, **{d: [r[d] for r in full] for d in DATASETS}})
    return write(points)


def write(points: list[dict]) -> int:
    half = max(p["pairs"] for p in points) / 2
    record = {
        "points": points,
        "fit": fits(points),
        "fit_upper": fits([p for p in points if p["pairs"] >= half]),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "learning_curve.json").write_text(json.dumps(record, indent=2) + "\n")
    (OUT / "learning_curve.md").write_text(markdown(record))
    print(markdown(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
