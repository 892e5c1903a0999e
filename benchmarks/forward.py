"""Does the model hold up on tests newer than any it trained on?

    .venv/bin/python -m benchmarks.forward [--newest 0.2]

The product is judged on tests that ran after the archives end, while the validation split
of ``core.data.datasets`` draws its tests at random from the whole period. This measures the
gap. Per archive, the newest ``--newest`` share of tests (by date) is held out as the
*forward* set, dropping pairs that share a headline with older tests. The older tests are
split by test group into training (80%) and an *in-period* set (20%). One model of the
shipped recipe (``TrainConfig(epochs=1)``, both archives) and the TF-IDF baseline train on
the training part, and both are measured on the in-period and the forward set. Upworthy
pairs from the badly randomised window are kept for training and left out of both
measured sets, as in ``core.data.datasets``. Writes benchmarks/results/forward.json and
forward.md; about 6 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import pandas as pd

from benchmarks.ablations import metric_cells
from core.basics.settings import REPO_ROOT as ROOT
from core.basics.settings import load_settings
from core.data.datasets import DATASETS, dataset_pairs
from core.data.pairs import pair_contexts
from core.data.splits import newest_cutoff, split_by_test, split_by_time
from core.evaluation.metrics import evaluate_pairs
from core.model.baselines import TfidfPairLR
from core.training.config import TrainConfig
from core.training.loop import train

OUT = ROOT / "benchmarks" / "results"


@dataclasses.dataclass(frozen=True)
class Sets:
    train: pd.DataFrame
    in_period: pd.DataFrame
    forward: pd.DataFrame
    cutoff: str
    dropped_for_leakage: int


def archive_sets(name: str, newest: float, settings) -> Sets:
    pairs = dataset_pairs(name, settings)
    cutoff = newest_cutoff(pairs, newest)
    by_time = split_by_time(pairs, cutoff)
    older = split_by_test(by_time.train, 0.2, settings.seed)
    measured = [s[~s["unrandomised"]].reset_index(drop=True) for s in (older.valid, by_time.valid)]
    return Sets(older.train, *measured, cutoff, by_time.dropped_for_leakage)


def figures(pairs: pd.DataFrame, p, settings) -> dict:
    return {k: dataclasses.asdict(v) for k, v in evaluate_pairs(pairs, p, settings).items()}


def markdown(record: dict, newest: float) -> str:
    lines = [
        "# Older tests in, newer tests out",
        "",
        f"Per archive the newest {newest:.0%} of tests (by date) are the forward set; the older tests "
        "are split by test group into training (80%) and an in-period set (20%). One model of the "
        f"shipped recipe trained on both archives' training parts ({record['train_pairs']:,} pairs, "
        f"{record['train_seconds']:.0f} s) and the TF-IDF baseline are measured on both sets. "
        "95% intervals resample whole tests. Produced by `benchmarks/forward.py`.",
        "",
    ]
    for name in DATASETS:
        r = record["archives"][name]
        lines += [
            f"## {name}: forward set from {r['cutoff']}",
            "",
            f"In-period: {r['in_period_pairs']:,} pairs; forward: {r['forward_pairs']:,} pairs "
            f"({r['dropped_for_leakage']:,} dropped for sharing a headline with older tests).",
            "",
            "| model | set | accuracy (all) | accuracy (significant) | log loss |",
            "|---|---|---|---|---|",
        ]
        for model in ("transformer", "TF-IDF LR"):
            for which in ("in_period", "forward"):
                m = r[model][which]
                label = "in-period" if which == "in_period" else "forward"
                lines.append(f"| {model} | {label} | {metric_cells(m)} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--newest", type=float, default=0.2, help="share of each archive's tests held out")
    args = parser.parse_args()
    settings = load_settings()
    sets = {name: archive_sets(name, args.newest, settings) for name in DATASETS}
    train_pairs = pd.concat([s.train for s in sets.values()], ignore_index=True)

    started = time.perf_counter()
    scorer = train(TrainConfig(epochs=1.0), settings, train_pairs=train_pairs).scorer
    seconds = time.perf_counter() - started
    tfidf = TfidfPairLR().fit(train_pairs)

    archives = {}
    for name, s in sets.items():
        r = {
            "cutoff": s.cutoff,
            "in_period_pairs": len(s.in_period),
            "forward_pairs": len(s.forward),
            "dropped_for_leakage": s.dropped_for_leakage,
        }
        for model, predict in (
            (
                "transformer",
                lambda d: scorer.pair_proba(list(d["headline_a"]), list(d["headline_b"]), pair_contexts(d)),
            ),
            ("TF-IDF LR", lambda d: tfidf.predict_pairs(list(d["headline_a"]), list(d["headline_b"]))),
        ):
            r[model] = {
                which: figures(d, predict(d), settings)
                for which, d in (("in_period", s.in_period), ("forward", s.forward))
            }
        archives[name] = r
    record = {
        "newest": args.newest,
        "train_pairs": len(train_pairs),
        "train_seconds": seconds,
        "archives": archives,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "forward.json").write_text(json.dumps(record, indent=2) + "\n")
    (OUT / "forward.md").write_text(markdown(record, args.newest))
    print((OUT / "forward.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
