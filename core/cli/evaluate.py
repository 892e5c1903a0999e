"""``python -m core evaluate``: evaluation tables, baselines and models, on both archives."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.basics.settings import load_settings
from core.basics.words import noun_for
from core.data.datasets import DATASETS
from core.evaluation.evaluate import evaluate
from core.evaluation.predictors import has_model

NEEDS_DATABASE = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        default=None,
        metavar="DIR",
        help="transformer model folder with a manifest.json (repeatable; default: models/default if trained)",
    )
    parser.add_argument("--output", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.model is None:
        model_dirs = [settings.default_model_dir] if has_model(settings.default_model_dir) else []
    else:
        missing = [str(d) for d in args.model if not has_model(d)]
        if missing:
            folders = noun_for(len(missing), "model folder")
            print(f"error: no manifest.json in {folders}: {', '.join(missing)}", file=sys.stderr)
            return 2
        model_dirs = args.model
    report, clean = evaluate(args.datasets, model_dirs, settings)
    print(report, end="")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
    if not clean:
        print("error: a headline sits on both sides of a split", file=sys.stderr)
    return 0 if clean else 1
