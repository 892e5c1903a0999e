"""``python -m core score-pairs``: P(headline A beats B) for each row of a CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from core.basics.settings import load_settings
from core.basics.tables import csv_bytes
from core.basics.text import clean_headline
from core.evaluation.predictors import has_model, load_pair_predictor
from core.lifecycle.registry import active_model_dir
from core.newsroom.score_pairs import REQUIRED, InputError, read_pairs

NEEDS_DATABASE = True  # the active model is the registry's


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, required=True, help="CSV with columns headline_a, headline_b")
    parser.add_argument("--output", type=Path, required=True, help="where to write the CSV with p_a added")
    parser.add_argument("--model", type=Path, metavar="DIR", help="model folder with a manifest.json")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.model is not None and not has_model(args.model):
        print(f"error: {args.model}: no manifest.json, not a trained model folder", file=sys.stderr)
        return 2
    try:
        frame = read_pairs(args.input, settings.max_headline_chars)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    predictor = load_pair_predictor(args.model or active_model_dir(settings), settings)
    # The model sees headlines cleaned as in training (entities decoded, tags removed).
    a, b = (frame[c].map(clean_headline).tolist() for c in REQUIRED)
    p_a = np.clip(np.asarray(predictor.predict_pairs(a, b), dtype=float), 0.0, 1.0)
    out = frame.drop(columns=["p_a"], errors="ignore").assign(p_a=p_a)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(csv_bytes(out))  # a headline like =1+2 stays text in a spreadsheet
    print(f"scored {len(out):,} pairs with {predictor.name}: {args.output}", file=sys.stderr)
    return 0
