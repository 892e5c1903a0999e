"""Speed of the scorer on the machine this runs on; writes benchmarks/results/speed-<device>.json/.md.

    .venv/bin/python -m benchmarks.bench [--model DIR] [--device auto|cpu|cuda]

Measures: scoring 1 and 10 drafts (median ms), 10 drafts after editing one as Compare does it
(the other nine recalled; median ms), LIME on a 12-word headline at 1,000 samples
(median s), model load (median s), scoring 10,000 pairs (s), and training throughput
(pairs/s, real MiniLM, real pairs, bf16 autocast where supported).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import torch

from core.basics.settings import REPO_ROOT as ROOT
from core.basics.settings import load_settings
from core.data.datasets import dataset_split
from core.lifecycle.registry import active_model_dir
from core.model.hardware import cpu_kind, cpu_model, describe_cpu
from core.model.scorer import HeadlineScorer
from core.newsroom.explain import word_weights
from core.newsroom.remembered import Remembered
from core.training.config import TrainConfig
from core.training.loop import batch_loss, initial_scorer, optimizer_and_schedule
from db.migrate import upgrade

TWELVE_WORDS = "Scientists finally explain why this tiny island nation keeps winning every race"
DRAFTS = [
    "Scientists finally explain why this tiny island nation keeps winning",
    "This tiny island nation keeps winning, and scientists know why",
    "Why does one tiny island keep winning every race?",
    "The secret behind the island that never loses",
    "You won't believe how this island nation trains its runners",
    "One island, 40 medals: the science of winning",
    "How a nation of 100,000 people became a sprinting superpower",
    "Scientists studied the world's fastest island. Here's what they found",
    "The island where everybody runs",
    "What the rest of the world can learn from this island's athletes",
]


def median_seconds(fn, repeat: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def training_pairs_per_second(device: str, steps: int) -> float:
    settings = load_settings()
    pairs = dataset_split("upworthy", settings).train.sample(32 * (steps + 2), random_state=0)
    pairs = pairs.assign(weight=1.0, target=pairs["label"].astype(float))
    config = TrainConfig()
    scorer = initial_scorer(config)
    scorer.network_.to(device)
    scorer.device_ = torch.device(device)
    optimizer, scheduler = optimizer_and_schedule(scorer, config, steps + 2)
    scorer.network_.train()

    def step(batch):
        loss = batch_loss(scorer, scorer.network_, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()

    batches = [pairs.iloc[i * 32 : (i + 1) * 32] for i in range(steps + 2)]
    for batch in batches[:2]:  # warm-up
        step(batch)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for batch in batches[2:]:
        step(batch)
    if device == "cuda":
        torch.cuda.synchronize()
    return 32 * steps / (time.perf_counter() - start)


NOTES_MARK = "<!-- notes: written by hand; kept when the benchmark rewrites the file above -->"


def write_results(name: str, report: dict, text: str) -> None:
    """benchmarks/results/<name>.json and .md, and the Markdown on standard output. What an old
    .md holds from NOTES_MARK on (alternations run by hand, their reading) is kept below the new
    figures: a rerun once replaced such a section, which the README cites."""
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = out / f"{name}.md"
    old = markdown.read_text() if markdown.exists() else ""
    notes = old[old.index(NOTES_MARK) :] if NOTES_MARK in old else ""
    markdown.write_text(text.rstrip("\n") + "\n\n" + notes if notes else text)
    print(text)


def one_draft_edited(scorer: HeadlineScorer):
    """A call that ranks the ten drafts as Compare does after a keystroke in the last box: through
    the page's score memory, with that box's text new each time (the other nine recalled)."""
    remembered = Remembered(scorer.score)
    remembered(DRAFTS)
    keystrokes = iter(range(10**9))
    return lambda: remembered([*DRAFTS[:-1], f"{DRAFTS[-1]} {next(keystrokes)}"])


def machine() -> dict:
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "processor": platform.processor() or platform.machine(),
        "cpu_description": describe_cpu(),
        "cpu": cpu_model(),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--train-steps", type=int, default=20)
    parser.add_argument("--precision", default="auto", help="auto | fp32 | bf16 | int8 (where supported)")
    args = parser.parse_args()
    settings = load_settings()
    if not args.model:
        upgrade(settings)  # an entry point: the registry says which model is active
    model_dir = args.model or active_model_dir(settings)
    scorer = HeadlineScorer.from_pretrained(model_dir, device=args.device, precision=args.precision)
    device = scorer.device_.type
    kind = device if device != "cpu" else f"cpu-{cpu_kind()}"

    results = {
        "model": str(model_dir.relative_to(ROOT) if model_dir.is_relative_to(ROOT) else model_dir),
        "model_version": scorer.version,
        "precision_used": args.precision,
        "device": device,
        "machine": machine(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "score_1_draft_ms": 1000 * median_seconds(lambda: scorer.score(DRAFTS[:1]), 50),
        "score_10_drafts_ms": 1000 * median_seconds(lambda: scorer.score(DRAFTS), 50),
        "score_10_drafts_one_edited_ms": 1000 * median_seconds(one_draft_edited(scorer), 50),
        "lime_12_words_1000_samples_s": median_seconds(
            lambda: word_weights(TWELVE_WORDS, scorer.predict_proba, 1000, 0), 5, warmup=1
        ),
        "lime_samples_app": settings.lime_samples,
        "lime_12_words_app_samples_s": median_seconds(
            lambda: word_weights(TWELVE_WORDS, scorer.predict_proba, settings.lime_samples, 0), 7, warmup=1
        ),
        "model_load_s": median_seconds(
            lambda: HeadlineScorer.from_pretrained(model_dir, device=args.device), 3, 1
        ),
    }
    valid = dataset_split("upworthy", settings).valid
    pairs = valid.sample(10_000, replace=True, random_state=0)
    start = time.perf_counter()
    scorer.pair_proba(list(pairs["headline_a"]), list(pairs["headline_b"]))
    results["score_10000_pairs_s"] = time.perf_counter() - start
    results["score_10000_pairs_unique_headlines"] = len(set(pairs["headline_a"]) | set(pairs["headline_b"]))
    results["training_pairs_per_s"] = training_pairs_per_second(device, args.train_steps)

    write_results(f"speed-{kind}", results, markdown(results))
    return 0


def markdown(r: dict) -> str:
    targets = {
        "score_10_drafts_ms": "≤ 15 ms (2 AVX2 cores)",
        "lime_12_words_app_samples_s": "≤ 0.25 s (2 AVX2 cores)",
        "model_load_s": "≤ 3 s",
    }
    rows = [
        ("score 1 draft (median ms)", f"{r['score_1_draft_ms']:.1f}", ""),
        ("score 10 drafts (median ms)", f"{r['score_10_drafts_ms']:.1f}", targets["score_10_drafts_ms"]),
        (
            "score 10 drafts after editing one, as Compare does (median ms)",
            f"{r['score_10_drafts_one_edited_ms']:.1f}",
            targets["score_10_drafts_ms"],
        ),
        (
            f"LIME, 12 words, {r['lime_samples_app']:,} samples as the app runs it (median s)",
            f"{r['lime_12_words_app_samples_s']:.2f}",
            targets["lime_12_words_app_samples_s"],
        ),
        ("LIME, 12 words, 1,000 samples (median s)", f"{r['lime_12_words_1000_samples_s']:.2f}", ""),
        ("model load (median s)", f"{r['model_load_s']:.2f}", targets["model_load_s"]),
        (
            f"score 10,000 pairs ({r['score_10000_pairs_unique_headlines']} unique headlines, s)",
            f"{r['score_10000_pairs_s']:.1f}",
            "",
        ),
        ("training throughput (pairs/s)", f"{r['training_pairs_per_s']:.1f}", ""),
    ]
    m = r["machine"]
    head = (
        f"# Speed on {r['device']}\n\nCPU: {m.get('cpu_description', m.get('cpu', ''))} {m.get('gpu', '')}\n\n"
        f"Model `{r['model']}` ({r['model_version']}), precision {r.get('precision_used', 'auto')}; "
        f"{m['threads']} torch threads; measured {r['measured_at']} by "
        f"`python -m benchmarks.bench`.\n\n| measure | value | target |\n|---|---|---|\n"
    )
    return head + "".join(f"| {a} | {b} | {c} |\n" for a, b, c in rows)


if __name__ == "__main__":
    sys.exit(main())
