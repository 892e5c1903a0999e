"""How long does learning from recorded outcomes take on the product's path?

    .venv/bin/python -m benchmarks.update_speed [--model DIR] [--pairs 250 1000 3000]

Times ``core.training.fast_update.fast_update`` (encode every recorded headline once with
the serving path, choose the strength on the newest recorded tests, write the update into a
copy of the model) on the first N pairs of the forward sets, as if they were a newsroom's
recorded outcomes. The model defaults to models/default. Writes
benchmarks/results/update-speed-<cpu kind>.json and .md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks.bench import machine, write_results
from core.basics.settings import load_settings
from core.data.datasets import DATASETS, forward_split
from core.model.hardware import cpu_kind
from core.model.scorer import HeadlineScorer
from core.training.fast_update import fast_update


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--pairs", type=int, nargs="+", default=[250, 1000, 3000])
    args = parser.parse_args()
    settings = load_settings()
    scorer = HeadlineScorer.from_pretrained(args.model or settings.default_model_dir)
    recorded = pd.concat([forward_split(n, settings).valid for n in DATASETS], ignore_index=True)
    recorded = recorded.sort_values("date", kind="stable").reset_index(drop=True)
    rows = []
    for n in args.pairs:
        pairs = recorded.iloc[:n]
        started = time.perf_counter()
        result = fast_update(scorer, pairs)
        seconds = time.perf_counter() - started
        rows.append({"pairs": len(pairs), "tests": result.report["tests"], "seconds": round(seconds, 2)})
        print(rows[-1], file=sys.stderr)
    info = machine()
    report = {"machine": info, "model": scorer.version, "rows": rows}
    lines = [
        "# Learning from recorded outcomes: seconds per fast update",
        "",
        f"`python -m benchmarks.update_speed` on {info['cpu_description']}, {info['threads']} torch threads, "
        f"model {scorer.version}: every recorded headline encoded once on the serving path, the strength "
        "chosen on the newest recorded tests, the update written into a copy of the model.",
        "",
        "| recorded pairs | tests | seconds |",
        "|---|---|---|",
        *[f"| {r['pairs']:,} | {r['tests']:,} | {r['seconds']:.1f} |" for r in rows],
        "",
    ]
    write_results(f"update-speed-{cpu_kind()}", report, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
