"""``python -m core score-pairs``: P(headline A beats B) for each row of a CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from core.basics.settings import Settings, load_settings
from core.basics.tables import csv_bytes
from core.basics.text import clean_headline
from core.evaluation.predictors import BASELINE, PairPredictor, TransformerPredictor, load_pair_predictor
from core.lifecycle.registry import serving_model
from core.newsroom.score_pairs import REQUIRED, InputError, read_pairs

NEEDS_DATABASE = True  # the active model is the registry's


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, required=True, help="CSV with columns headline_a, headline_b")
    parser.add_argument("--output", type=Path, required=True, help="where to write the CSV with p_a added")
    parser.add_argument(
        "--model",
        metavar="DIR",
        help=f"model folder with a manifest.json, or '{BASELINE}' for the TF-IDF baseline "
        "(default: the active model; a broken one is refused, never replaced by the baseline)",
    )


def predictor_for(model: str | None, settings: Settings) -> PairPredictor:
    """The model asked for, else the one served now. One that cannot be loaded raises
    ModelLoadError (one line and exit 2, core.cli.main), never replaced by the baseline."""
    if model is None:
        directory, scorer = serving_model(settings)
        return TransformerPredictor(scorer, directory)
    return load_pair_predictor(model, settings)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        frame = read_pairs(args.input, settings.max_headline_chars)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    predictor = predictor_for(args.model, settings)
    # The model sees headlines cleaned as in training (entities decoded, tags removed).
    a, b = (frame[c].map(clean_headline).tolist() for c in REQUIRED)
    p_a = np.clip(np.asarray(predictor.predict_pairs(a, b), dtype=float), 0.0, 1.0)
    out = frame.drop(columns=["p_a"], errors="ignore").assign(p_a=p_a)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(csv_bytes(out))  # a headline like =1+2 stays text in a spreadsheet
    print(f"scored {len(out):,} pairs with {predictor.name}: {args.output}", file=sys.stderr)
    return 0
