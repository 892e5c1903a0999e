"""Train the model to ship with a recipe from benchmarks/results/recipe.json, and say how it did forward.

    .venv/bin/python -m benchmarks.ship --recipe NAME [--out models/candidate]

Trains ``benchmarks.recipe.RECIPES[NAME]`` on every archive test but the validation side of
the split by test (``split="test"``: newest tests included; the held-out side stays clean for
the champion/challenger comparison and History's backtest), and writes the model with a
``forward_evaluation`` record in its manifest: the figures of the same recipe trained before
the forward cutoff (its row in recipe.json), which ``python -m core evaluate`` lists. Refuses
a recipe that did not pass the shipping rule, unless ``--anyway``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from benchmarks.recipe import RECIPES
from core.basics.settings import REPO_ROOT, load_settings
from core.training.loop import train

RESULTS = REPO_ROOT / "benchmarks" / "results" / "recipe.json"


def forward_record(report: dict, name: str) -> dict:
    """The recipe's forward figures per archive (point estimates), from recipe.json."""
    row = next(r for r in report["rows"] if r["recipe"] == name)
    keys = ("accuracy", "accuracy_significant", "auc", "log_loss", "ece")
    return {
        "source": "benchmarks/results/recipe.md",
        "recipe": name,
        "passes_rule": row["passes_rule"],
        "cutoffs": {a: f["cutoff"] for a, f in report["forward_sets"].items()},
        "archives": {
            a: {k: round(v["metrics"][k]["value"], 4) for k in keys} for a, v in row["archives"].items()
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", required=True, choices=list(RECIPES))
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "candidate")
    parser.add_argument("--anyway", action="store_true", help="ship a recipe that did not pass the rule")
    args = parser.parse_args()
    report = json.loads(RESULTS.read_text())
    record = forward_record(report, args.recipe)
    if not record["passes_rule"] and not args.anyway:
        print(f"error: {args.recipe!r} did not pass the shipping rule (recipe.md)", file=sys.stderr)
        return 2
    config = dataclasses.replace(RECIPES[args.recipe], split="test")
    result = train(config, load_settings())
    result.scorer.save_pretrained(args.out, {**result.manifest, "forward_evaluation": record})
    print(json.dumps(result.manifest["validation_metrics"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
