"""How few LIME samples (and how cheap a numeric path) still give the app's explanation.

    python -m benchmarks.lime_fidelity [--model DIR] [--paths fp32 int8] [--samples 150 250 1000]

For each numeric path and sample count, every headline in benchmarks/lime_headlines.txt (50
real validation headlines, 8-16 words, drawn with a fixed seed by :func:`draw_headlines`) is
explained with the app's :func:`core.newsroom.explain.word_weights` and compared with a 5,000-sample
fp32 reference explanation of the same headline (same random_state):

- Spearman: rank correlation of the word weights (all words of the headline), averaged;
- top-3: |top-3 words by |weight| ∩ the reference's top 3| / 3, averaged;
- LIME seconds: median wall time of one explanation of the 12-word headline the app's speed
  target names (benchmarks/bench.py's TWELVE_WORDS), scored from scratch each time.

The reference weights are cached in benchmarks/results/lime-reference.json (keyed by model
version, sample count and seed), so reruns only pay for the candidates. Writes
benchmarks/results/lime-fidelity.md and .json. Timings on a shared machine are indicative.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr

from benchmarks.bench import TWELVE_WORDS, median_seconds, write_results
from core.basics.settings import load_settings
from core.basics.text import clean_headline
from core.data.datasets import DATASETS, dataset_split
from core.model.hardware import describe_cpu
from core.model.scorer import HeadlineScorer
from core.newsroom.explain import SPLIT_EXPRESSION, word_weights

ROOT = Path(__file__).resolve().parent.parent
HEADLINES = ROOT / "benchmarks" / "lime_headlines.txt"
RESULTS = ROOT / "benchmarks" / "results"
REFERENCE = RESULTS / "lime-reference.json"
REFERENCE_SAMPLES = 5000
SEED = 0  # LIME's random_state (the app's lime_seed) and the headline draw's seed
DEFAULT_SAMPLES = (150, 200, 250, 300, 400, 500, 1000)
PER_ARCHIVE = 25
MIN_WORDS, MAX_WORDS = 8, 16


def n_words(text: str) -> int:
    """Words as LIME splits them."""
    return len([w for w in re.split(SPLIT_EXPRESSION, text) if w])


def draw_headlines(per_archive: int = PER_ARCHIVE, seed: int = SEED) -> list[str]:
    """per_archive distinct validation headlines of 8-16 words from each archive, fixed seed."""
    settings = load_settings()
    drawn: list[str] = []
    for name in DATASETS:
        valid = dataset_split(name, settings).valid
        unique = pd.Series(pd.concat([valid["headline_a"], valid["headline_b"]]).map(clean_headline).unique())
        counts = unique.map(n_words)
        pool = unique[(counts >= MIN_WORDS) & (counts <= MAX_WORDS)].sort_values().reset_index(drop=True)
        drawn += list(pool.sample(per_archive, random_state=seed))
    return drawn


def load_headlines() -> list[str]:
    return [line for line in HEADLINES.read_text(encoding="utf-8").splitlines() if line.strip()]


def spearman(weights: dict[str, float], reference: dict[str, float]) -> float:
    words = sorted(reference)
    rho = spearmanr([weights.get(w, 0.0) for w in words], [reference[w] for w in words]).statistic
    return float(rho) if np.isfinite(rho) else 0.0


def top_k(weights: dict[str, float], k: int = 3) -> set[str]:
    return {w for w, _ in sorted(weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:k]}


def top3_agreement(weights: dict[str, float], reference: dict[str, float]) -> float:
    return len(top_k(weights) & top_k(reference)) / 3


def load_scorer(model_dir: Path, path: str) -> HeadlineScorer:
    """The scorer for a numeric path: 'fp32' or 'int8' (core.model.quantized), on the CPU."""
    return HeadlineScorer.from_pretrained(model_dir, device="cpu", precision=path)


def reference_weights(scorer: HeadlineScorer, headlines: list[str]) -> dict[str, dict[str, float]]:
    """{headline: {word: weight}} at 5,000 samples in fp32, from the cache where it matches."""
    key = {
        "model_version": scorer.version,
        "samples": REFERENCE_SAMPLES,
        "random_state": SEED,
        "split_expression": SPLIT_EXPRESSION,  # which words a headline has
    }
    cached = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
    weights = cached.get("weights", {}) if all(cached.get(k) == v for k, v in key.items()) else {}
    missing = [h for h in headlines if h not in weights]
    for i, headline in enumerate(missing):
        start = time.perf_counter()
        weights[headline] = word_weights(headline, scorer.predict_proba, REFERENCE_SAMPLES, SEED)
        print(f"reference {i + 1}/{len(missing)} ({time.perf_counter() - start:.1f} s)", flush=True)
        if (i + 1) % 10 == 0 or i + 1 == len(missing):
            RESULTS.mkdir(parents=True, exist_ok=True)
            REFERENCE.write_text(json.dumps({**key, "weights": weights}, indent=1, ensure_ascii=False))
    return {h: weights[h] for h in headlines}


def evaluate(
    scorer: HeadlineScorer, headlines: list[str], reference: dict, samples: int, repeat: int
) -> dict:
    rhos, tops = [], []
    for headline in headlines:
        weights = word_weights(headline, scorer.predict_proba, samples, SEED)
        rhos.append(spearman(weights, reference[headline]))
        tops.append(top3_agreement(weights, reference[headline]))
    seconds = median_seconds(lambda: word_weights(TWELVE_WORDS, scorer.predict_proba, samples, SEED), repeat)
    return {
        "samples": samples,
        "spearman_mean": float(np.mean(rhos)),
        "spearman_min": float(np.min(rhos)),
        "top3_mean": float(np.mean(tops)),
        "lime_12_words_s": seconds,
    }


def markdown(report: dict) -> str:
    lines = [
        "# LIME fidelity vs. speed",
        "",
        f"CPU: {report['cpu']}; {report['threads']} torch threads. Model `{report['model']}` "
        f"({report['model_version']}); measured {report['measured_at']} by `python -m benchmarks.lime_fidelity`.",
        "",
        f"Reference: fp32, {REFERENCE_SAMPLES:,} samples, random_state {SEED}, per headline of "
        f"`benchmarks/lime_headlines.txt` ({report['headlines']} validation headlines, {MIN_WORDS}-{MAX_WORDS} "
        "words). Spearman: rank correlation of all word weights; top-3: overlap of the three words "
        "with the largest |weight|. Seconds: median of one explanation of the 12-word headline "
        f'"{TWELVE_WORDS}" ({report["repeat"]} runs; indicative, the machine is shared).',
        "",
        "| path | samples | LIME 12 words (s) | Spearman mean | Spearman min | top-3 mean |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['path']} | {row['samples']} | {row['lime_12_words_s']:.3f} | {row['spearman_mean']:.3f} "
            f"| {row['spearman_min']:.3f} | {row['top3_mean']:.3f} |"
        )
    lines += ["", "Targets: ≤ 0.25 s, Spearman ≥ 0.97, top-3 ≥ 0.85.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--paths", nargs="+", default=["fp32", "int8"])
    parser.add_argument("--samples", nargs="+", type=int, default=list(DEFAULT_SAMPLES))
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per setting (median)")
    parser.add_argument("--redraw", action="store_true", help="rewrite lime_headlines.txt from the archives")
    args = parser.parse_args()

    if args.redraw or not HEADLINES.exists():
        HEADLINES.write_text("\n".join(draw_headlines()) + "\n", encoding="utf-8")
    headlines = load_headlines()
    fp32 = load_scorer(args.model, "fp32")
    reference = reference_weights(fp32, headlines)
    rows = []
    for path in args.paths:
        scorer = fp32 if path == "fp32" else load_scorer(args.model, path)
        for samples in args.samples:
            row = {"path": path, **evaluate(scorer, headlines, reference, samples, args.repeat)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    model = args.model.resolve()
    report = {
        "cpu": describe_cpu(),
        "threads": torch.get_num_threads(),
        "model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
        "model_version": fp32.version,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "headlines": len(headlines),
        "reference_samples": REFERENCE_SAMPLES,
        "random_state": SEED,
        "repeat": args.repeat,
        "rows": rows,
    }
    write_results("lime-fidelity", report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
