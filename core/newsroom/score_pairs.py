"""``python -m core score-pairs``: add p_a, the probability that headline_a wins, to a CSV.

Input problems are refused with exit code 2 and a message saying what to fix; row
numbers are as a spreadsheet shows them (header = row 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from core.basics.settings import load_settings
from core.basics.text import clean_headline, headline_problems
from core.evaluation.predictors import has_model, load_pair_predictor
from core.lifecycle.registry import serving_model_dir

REQUIRED = ["headline_a", "headline_b"]
MAX_LISTED = 10


class InputError(ValueError):
    """The input cannot be scored; the message says why."""


def read_pairs(path: Path, max_chars: int) -> pd.DataFrame:
    """The CSV with every cell as text, checked for the two headline columns."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open("rb") as f:
        head = f.read(8192)
    if not head.strip():
        raise InputError(f"{path}: the file is empty; expected a CSV with columns {', '.join(REQUIRED)}")
    if b"\x00" in head:
        raise InputError(f"{path}: not a CSV file (binary content); save it as CSV (UTF-8)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns) or "none"
        raise InputError(f"{path}: missing required column(s) {', '.join(missing)} (found: {found})")
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no rows to score")
    problems = [
        f"row {i + 2}: {column}: {problem}"
        for i, row in enumerate(frame[REQUIRED].itertuples(index=False))
        for column, text in zip(REQUIRED, row)
        for problem in headline_problems(text, max_chars)
    ]
    if problems:
        more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise InputError(
            f"{path}: {len(problems)} unusable headline(s): " + "; ".join(problems[:MAX_LISTED]) + more
        )
    return frame


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
    predictor = load_pair_predictor(args.model or serving_model_dir(settings), settings)
    # The model sees headlines cleaned as in training (entities decoded, tags removed).
    a, b = (frame[c].map(clean_headline).tolist() for c in REQUIRED)
    p_a = np.clip(np.asarray(predictor.predict_pairs(a, b), dtype=float), 0.0, 1.0)
    out = frame.drop(columns=["p_a"], errors="ignore").assign(p_a=p_a)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.output, index=False)
    print(f"scored {len(out):,} pairs with {predictor.name}: {args.output}", file=sys.stderr)
    return 0
