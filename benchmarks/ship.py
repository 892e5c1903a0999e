"""Train the model to ship with a recipe from benchmarks/results/recipe.json, and say how it did forward.

    .venv/bin/python -m benchmarks.ship --recipe NAME [--out models/candidate]
    .venv/bin/python -m benchmarks.ship --recipe "bundled recipe" --record-into models/default

Trains ``benchmarks.recipe.RECIPES[NAME]`` on every archive test but the validation side of
the split by test (``split="test"``: newest tests included; the held-out side stays clean for
the champion/challenger comparison and History's backtest), and writes the model with a
``forward_evaluation`` record in its manifest: the figures of the same recipe trained before
the forward cutoff (its row in recipe.json), which ``python -m core evaluate`` lists. Refuses
a recipe that did not pass the shipping rule, unless ``--anyway``.

``--record-into DIR`` trains nothing: it writes the recipe's forward figures into the manifest
of a model already trained with that recipe (the bundled model, which stays because no
recipe passed) and seals it again; a folder whose settings differ from the recipe's is refused.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from benchmarks.recipe import BASELINE, RECIPES, as_recorded
from core.basics.settings import REPO_ROOT, load_settings
from core.model.manifest import read_verified_manifest, write_manifest
from core.training.config import TrainConfig
from core.training.loop import train

RESULTS = REPO_ROOT / "benchmarks" / "results" / "recipe.json"


def forward_record(report: dict, name: str) -> dict:
    """The recipe's forward figures per archive (point estimates), from recipe.json."""
    row = next(r for r in report["rows"] if r["recipe"] == name)
    keys = ("accuracy", "accuracy_significant", "auc", "log_loss", "ece")
    return {
        "source": "benchmarks/results/recipe.md",
        "recipe": name,
        "passes_rule": None if name == BASELINE else row["passes_rule"],  # the yardstick is not judged
        "cutoffs": {a: f["cutoff"] for a, f in report["forward_sets"].items()},
        "archives": {
            a: {k: round(v["metrics"][k]["value"], 4) for k in keys} for a, v in row["archives"].items()
        },
    }


# What a manifest written before a setting existed implies: the behaviour of the code then.
BEFORE_RECORDED = {
    "dev_split": "test",
    "recency_half_life_days": 0.0,
    "head_init": "random",
    "context": "none",
}


def recipe_mismatches(manifest: dict, config: TrainConfig) -> dict:
    """{setting: (recipe's, folder's)} for settings the folder's manifest records differently
    (``split`` aside: a shipped model trains on the split by test, its twin before the cutoff).
    A setting the manifest lacks is read as BEFORE_RECORDED says, else not compared."""
    recorded = {**BEFORE_RECORDED, **manifest.get("settings", {})}
    return {
        k: (v, recorded[k])
        for k, v in as_recorded(config).items()
        if k in recorded and k != "split" and recorded[k] != v
    }


def record_into(folder: Path, name: str, record: dict) -> int:
    manifest = read_verified_manifest(folder)
    differ = recipe_mismatches(manifest, RECIPES[name])
    if differ:
        print(f"error: {folder} was not trained with {name!r}: {differ}", file=sys.stderr)
        return 2
    plain = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    write_manifest(folder, {**plain, "forward_evaluation": record})
    print(json.dumps(record, indent=2))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", required=True, choices=list(RECIPES))
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "candidate")
    parser.add_argument("--anyway", action="store_true", help="ship a recipe that did not pass the rule")
    parser.add_argument("--record-into", type=Path, help="a model trained with the recipe: record only")
    args = parser.parse_args()
    report = json.loads(RESULTS.read_text())
    record = forward_record(report, args.recipe)
    if args.record_into:
        return record_into(args.record_into, args.recipe, record)
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
