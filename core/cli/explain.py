"""``python -m core explain``: LIME word weights for headlines, one JSON object per line.

    python -m core explain --input HEADLINES.txt --output OUT.jsonl [--samples N] [--model DIR]

Input: one headline per line (UTF-8; blank lines skipped). Output: per headline
``{"headline": ..., "weights": {word: weight}, "seconds": ...}``. A file with any unusable
headline is refused whole, naming its line, and nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from core.basics.settings import load_settings
from core.basics.text import headline_problems
from core.basics.words import plural
from core.lifecycle.registry import active_model_dir
from core.model.manifest import ModelLoadError
from core.model.scorer import HeadlineScorer
from core.newsroom.explain import word_weights

NEEDS_DATABASE = True  # the active model is the registry's


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, required=True, help="text file, one headline per line")
    parser.add_argument("--output", type=Path, required=True, help="JSON Lines file to write")
    parser.add_argument("--samples", type=int, help="LIME samples per headline (default: the app's)")
    parser.add_argument("--model", type=Path, metavar="DIR", help="model folder (default: the active model)")


def read_headlines(path: Path, max_chars: int) -> list[str]:
    """The headlines of the file; ValueError naming every unusable line."""
    try:
        lines = path.read_bytes().decode("utf-8-sig").splitlines()
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    numbered = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    problems = [f"line {n}: {p}" for n, text in numbered for p in headline_problems(text, max_chars)]
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems[:10]) + (" …" if len(problems) > 10 else ""))
    if not numbered:
        raise ValueError(f"{path}: no headlines (one per line expected)")
    return [text for _, text in numbered]


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    samples = args.samples or settings.lime_samples
    if samples < 10:
        return _fail("--samples must be at least 10")
    try:
        headlines = read_headlines(args.input, settings.max_headline_chars)
        scorer = HeadlineScorer.from_pretrained(args.model or active_model_dir(settings))
    except (ValueError, ModelLoadError) as exc:
        return _fail(str(exc))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".part")
    with tmp.open("w", encoding="utf-8") as out:
        for headline in headlines:
            start = time.perf_counter()
            weights = word_weights(headline, scorer.predict_proba, samples, settings.lime_seed)
            seconds = round(time.perf_counter() - start, 4)
            out.write(json.dumps({"headline": headline, "weights": weights, "seconds": seconds}) + "\n")
    tmp.replace(args.output)  # a reader never sees half a file
    print(
        f"explained {plural(len(headlines), 'headline')} with {scorer.version}: {args.output}",
        file=sys.stderr,
    )
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
