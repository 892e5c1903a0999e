"""A replayed newsroom year: does learning from each recorded outcome make the next prediction better?

    .venv/bin/python -m benchmarks.replay [--archives ars upworthy] [--retrains 2] [--base DIR]

A newsroom adopts Headline Lab on ADOPTION[archive] (Ars: 2020-01-01, Upworthy: 2014-07-01).
The model knows every archive test before that day (both archives). Then, week by week, each
way of updating predicts that week's tests; their outcomes are recorded through the app's own
code (``db.experiments.create_test``, ``core.newsroom.recording.record``) into a throwaway
SQLite file, and read back as training pairs with ``core.data.editor.editor_pairs``, as a
retrain does. Ways of updating:

- static: the model of the adoption day, never updated;
- fast update: after every weekly batch, the head refitted over frozen encodings on all
  outcomes recorded so far (``core.training.fast_update``);
- retrain: ``--retrains`` times, evenly spaced over the replay, the product's retrain (warm-started from the last
  model, ``settings.retrain_max_train_pairs`` archive pairs from before adoption beside every
  recorded pair, significance-weighted, editor weight ``settings.retrain_editor_weight``).

The adoption-day model is one epoch of the default recipe (dev slice by time) on the pre-adoption
tests, kept in var/replay/. Pairs sharing a headline with pre-adoption tests are dropped from
the replayed stream, as in the forward split. Accuracy intervals resample whole tests; the
differences to static are paired. Writes benchmarks/results/replay.json and replay.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from benchmarks.bench import machine, write_results
from benchmarks.recipe import paired, per_pair, trained
from core.basics.settings import REPO_ROOT, load_settings
from core.basics.stats import sigmoid
from core.data.datasets import DATASETS, dataset_pairs, forward_split, load_arms
from core.data.editor import editor_pairs
from core.data.splits import split_by_time
from core.evaluation.metrics import evaluate_pairs
from core.model.scorer import HeadlineScorer
from core.newsroom.recording import record
from core.training.config import TrainConfig
from core.training.fast_update import FastUpdateConfig, PairEncodings, choose_residual, fast_update
from db.engine import transaction
from db.experiments import create_test
from db.migrate import upgrade

WORK = REPO_ROOT / "var" / "replay"
ADOPTION = {"ars": "2020-01-01", "upworthy": "2014-07-01"}
WAYS = ("static", "fast update", "retrain")


def pre_adoption(day: str, settings) -> pd.DataFrame:
    """Every archive pair from before ``day``: what the adoption-day model knows."""
    frames = [p[pd.to_datetime(p["date"]) < day] for p in (dataset_pairs(n, settings) for n in DATASETS)]
    return pd.concat(frames, ignore_index=True)


def replay_stream(archive: str, day: str, settings) -> pd.DataFrame:
    """The archive's pairs from ``day`` on, headline-disjoint from its older tests, randomised only."""
    split = split_by_time(dataset_pairs(archive, settings), day)
    return by_week(split.valid[~split.valid["unrandomised"]])


def by_week(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with the Monday of their week, in week and test order."""
    weeks = pd.to_datetime(pairs["date"]).dt.to_period("W").dt.start_time
    return pairs.assign(week=weeks).sort_values(["week", "test_id"]).reset_index(drop=True)


class Encodings:
    """The adoption-day model's scores and encodings per headline, computed once (its encoder never changes)."""

    def __init__(self, scorer: HeadlineScorer) -> None:
        self.scorer = scorer
        self.score: dict[str, float] = {}
        self.feature: dict[str, np.ndarray] = {}

    def pairs(self, pairs: pd.DataFrame) -> PairEncodings:
        texts = list(pairs["headline_a"]) + list(pairs["headline_b"])
        new = [t for t in dict.fromkeys(texts) if t not in self.score]
        if new:  # one encoding pass: the scores are the head's linear map of the encodings
            features = self.scorer.features(new)
            self.score.update(zip(new, self.scorer.scores_from_features(features)))
            self.feature.update(zip(new, features))
        a, b = pairs["headline_a"], pairs["headline_b"]
        margins = np.array([self.score[x] - self.score[y] for x, y in zip(a, b)])
        diffs = np.array([self.feature[x] - self.feature[y] for x, y in zip(a, b)])
        return PairEncodings(margins, diffs.reshape(len(pairs), -1))


def record_week(session, week_tests: list[str], arms: pd.DataFrame, settings) -> None:
    """Each test of the week saved and its outcome recorded, as an uploaded outcomes file would be."""
    for test_id in week_tests:
        rows = arms[arms["test_id"] == test_id]
        test = create_test(
            session,
            list(rows["headline"]),
            created_by="replay",
            image_ids=[None if pd.isna(x) else str(x) for x in rows["image_id"]],
            dates=[d.date() for d in pd.to_datetime(rows["date"])],
        )
        counts = list(zip(rows["impressions"].astype(int), rows["clicks"].astype(int)))
        record(session, test, counts, recorded_by="replay", alpha=settings.alpha)


def forward_adoption(archive: str, settings) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """(adoption day, what the model knows, the replayed stream) when the newsroom adopts on the
    forward cutoff: the stream is the forward set that benchmarks/recipe.py measures on."""
    split = forward_split(archive, settings)
    pre = pd.concat([forward_split(n, settings).train for n in DATASETS], ignore_index=True)
    return split.cutoff, pre, by_week(split.valid)


def retrain_weeks(n_weeks: int, retrains: int) -> set[int]:
    """After which week numbers (1-based) to retrain: ``retrains`` evenly spaced, none after the last."""
    return {round(n_weeks * (i + 1) / (retrains + 1)) for i in range(retrains)} - {0, n_weeks}


def replay(archive: str, settings, retrains: int, db_url: str, base_dir: Path | None = None) -> dict:
    if base_dir is None:
        day = ADOPTION[archive]
        pre, stream = pre_adoption(day, settings), replay_stream(archive, day, settings)
    else:
        day, pre, stream = forward_adoption(archive, settings)
    arms = load_arms(archive, settings).arms
    arms = arms[arms["test_id"].isin(set(stream["test_id"]))]
    db_settings = dataclasses.replace(settings, database_url=db_url)
    upgrade(db_settings)

    if base_dir is None:  # one epoch of the default recipe on what is known on the adoption day
        base_folder = WORK / f"{archive}-base"
        base, base_seconds = trained(
            base_folder, TrainConfig(epochs=1.0, dev_split="time"), settings, train_pairs=pre
        )
    else:  # the model given, whatever recipe trained it
        base_folder, base = base_dir, HeadlineScorer.from_pretrained(base_dir)
        base_seconds = float(base.manifest.get("training", {}).get("seconds", 0.0))
    cache = Encodings(base)
    retrained, retrain_folder = base, base_folder
    residual = None
    predictions = {way: np.zeros(len(stream)) for way in WAYS}
    update_seconds: dict[str, list[float]] = {"fast update": [], "retrain": []}
    weeks = list(stream.groupby("week", sort=True).indices.items())
    retrain_after = retrain_weeks(len(weeks), retrains)
    for number, (_week, rows) in enumerate(weeks, start=1):
        batch = stream.iloc[rows]
        enc = cache.pairs(batch)
        predictions["static"][rows] = enc.margins
        predictions["fast update"][rows] = (
            enc.margins if residual is None else residual.margins(enc.margins, enc.diffs)
        )
        predictions["retrain"][rows] = retrained.pair_margins(
            list(batch["headline_a"]), list(batch["headline_b"])
        )

        with transaction(db_settings) as session:
            record_week(session, list(dict.fromkeys(batch["test_id"])), arms, settings)
        with transaction(db_settings) as session:
            recorded = editor_pairs(session, db_settings)
        if len(recorded) >= FastUpdateConfig().min_pairs:
            started = time.perf_counter()
            residual = choose_residual(
                cache.pairs(recorded), recorded.reset_index(drop=True), FastUpdateConfig()
            )
            update_seconds["fast update"].append(time.perf_counter() - started)
        if number in retrain_after:
            print(f"{archive}: retrain after week {number} ({len(recorded)} recorded pairs)", file=sys.stderr)
            config = TrainConfig(
                epochs=settings.retrain_epochs,
                max_train_pairs=settings.retrain_max_train_pairs,
                pair_weighting="significance",
                editor_weight=settings.retrain_editor_weight,
                init_from=str(retrain_folder),
                dev_split="time",
            )
            retrain_folder = WORK / f"{archive}-retrain-week{number}"
            retrained, seconds = trained(
                retrain_folder, config, settings, extra_pairs=recorded, train_pairs=pre
            )
            update_seconds["retrain"].append(seconds)

    # The product's path, cold: every recorded pair encoded afresh, the update written into a model.
    started = time.perf_counter()
    product = fast_update(base, recorded)
    cold_seconds = time.perf_counter() - started
    return summary(
        archive,
        day,
        stream,
        predictions,
        update_seconds,
        cold_seconds,
        base_seconds,
        product.report,
        settings,
    )


def summary(
    archive, day, stream, predictions, update_seconds, cold_seconds, base_seconds, product, settings
) -> dict:
    sig = stream["significant"].to_numpy(bool)
    everything = np.ones(len(stream), bool)
    static = per_pair(predictions["static"], stream)
    ways = {}
    for way, z in predictions.items():
        metrics = evaluate_pairs(stream, sigmoid(z), settings)
        mine = per_pair(z, stream)
        ways[way] = {
            "metrics": {k: dataclasses.asdict(v) for k, v in metrics.items()},
            "vs_static": {
                "accuracy": paired(mine["correct"], static["correct"], stream, everything, settings),
                "accuracy_significant": paired(mine["correct"], static["correct"], stream, sig, settings),
                "log_loss": paired(mine["loss"], static["loss"], stream, everything, settings),
            },
            "by_quarter": by_quarter(stream, mine["correct"]),
        }
    seconds = {
        k: {"updates": len(v), "median": float(np.median(v)) if v else None}
        for k, v in update_seconds.items()
    }
    seconds["fast update (cold, product path)"] = {"updates": 1, "median": cold_seconds}
    return {
        "archive": archive,
        "adoption": day,
        "pairs": len(stream),
        "significant": int(sig.sum()),
        "tests": int(stream["test_id"].nunique()),
        "weeks": int(stream["week"].nunique()),
        "base_train_seconds": base_seconds,
        "ways": ways,
        "update_seconds": seconds,
        "final_fast_update": product,
    }


def by_quarter(stream: pd.DataFrame, correct: np.ndarray) -> dict:
    """Accuracy on all and on significant pairs per calendar quarter of the replay."""
    quarter = pd.to_datetime(stream["date"]).dt.to_period("Q").astype(str).to_numpy()
    sig = stream["significant"].to_numpy(bool)
    return {
        q: {
            "all": float(correct[quarter == q].mean()),
            "significant": float(correct[(quarter == q) & sig].mean())
            if (sig & (quarter == q)).any()
            else None,
            "pairs": int((quarter == q).sum()),
        }
        for q in sorted(set(quarter))
    }


def cell(e: dict, digits: int = 3, sign: bool = False) -> str:
    f = f"+.{digits}f" if sign else f".{digits}f"
    return f"{e['value']:{f}} [{e['low']:{f}}, {e['high']:{f}}]"


def markdown(report: dict) -> str:
    lines = [
        "# A replayed newsroom year",
        "",
        "A newsroom adopts Headline Lab on the adoption day with the model of that day; each week it "
        "predicts that week's tests, their outcomes are recorded through the app's code, and the model "
        "updates. 95% intervals resample whole tests; differences to static are paired. Produced by "
        f"`python -m benchmarks.replay --retrains {report['retrains']}"
        + (f" --base {report['base']}" if report["base"] != "trained per adoption day" else "")
        + "` on "
        f"{report['machine']['cpu_description']} with 2 cores, shared with other work during the run "
        "(seconds are upper bounds).",
        "",
        (
            f"Adoption-day model: `{report['base']}`, trained on every test before each archive's forward "
            "cutoff; the newsroom adopts on that cutoff and the replayed weeks are the forward set of "
            "benchmarks/recipe.py, so the static row matches that model's row there."
            if report["base"] != "trained per adoption day"
            else "Adoption-day model: one epoch of the default recipe on every test before the adoption day."
        ),
        "",
    ]
    for r in report["archives"]:
        lines += [
            f"## {r['archive']}: adopted {r['adoption']}, {r['weeks']} weeks, {r['tests']:,} tests, "
            f"{r['pairs']:,} pairs ({r['significant']:,} significant)",
            "",
            "| way | acc. all | acc. significant | log loss | Δ acc. all | Δ acc. significant | Δ log loss |",
            "|---|---|---|---|---|---|---|",
        ]
        for way, w in r["ways"].items():
            m, d = w["metrics"], w["vs_static"]
            delta = (
                ["—"] * 3
                if way == "static"
                else [
                    cell(d["accuracy"], sign=True),
                    cell(d["accuracy_significant"], sign=True),
                    cell(d["log_loss"], 4, sign=True),
                ]
            )
            lines.append(
                f"| {way} | {cell(m['accuracy'])} | {cell(m['accuracy_significant'])} | {cell(m['log_loss'])} | "
                + " | ".join(delta)
                + " |"
            )
        quarters = list(r["ways"]["static"]["by_quarter"])
        lines += [
            "",
            "Accuracy on significant pairs by quarter:",
            "",
            "| way | " + " | ".join(quarters) + " |",
        ]
        lines.append("|---|" + "---|" * len(quarters))
        for way, w in r["ways"].items():
            cells = [w["by_quarter"][q]["significant"] for q in quarters]
            lines.append(f"| {way} | " + " | ".join("n/a" if c is None else f"{c:.3f}" for c in cells) + " |")
        s = r["update_seconds"]
        lines += [
            "",
            f"Seconds per update: fast update {s['fast update']['median']:.2f} s (median of "
            f"{s['fast update']['updates']}, encodings cached); cold on the product's path "
            f"{s['fast update (cold, product path)']['median']:.1f} s for {r['final_fast_update']['pairs']:,} "
            f"recorded pairs; retrain {_seconds(s['retrain'])}. Adoption-day model: "
            f"{r['base_train_seconds']:.0f} s to train.",
            "",
        ]
    return "\n".join(lines)


def _seconds(s: dict) -> str:
    return "none" if not s["updates"] else f"{s['median']:.0f} s (median of {s['updates']})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archives", nargs="+", choices=list(ADOPTION), default=list(ADOPTION))
    parser.add_argument(
        "--retrains",
        type=int,
        default=2,
        help="full retrains per replay, evenly spaced (one costs about 7 minutes on 2 AVX2 cores)",
    )
    parser.add_argument(
        "--base",
        type=Path,
        help="adopt on each archive's forward cutoff with this model (trained with split='forward', "
        "e.g. var/recipe/NAME from benchmarks/recipe.py) instead of training one per adoption day",
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = load_settings()
    results = []
    for archive in args.archives:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/replay.db"
            results.append(replay(archive, settings, args.retrains, url, args.base))
        report = {
            "machine": machine(),
            "retrains": args.retrains,
            "base": str(args.base) if args.base else "trained per adoption day",
            "archives": results,
        }
        write_results("replay", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
