"""Speed and memory of a big outcomes CSV import through the command line's code path.

    python -m benchmarks.import_speed [--mb 50] [--seed 0] [--keep DIR] [--before DIR]

Writes a synthetic outcomes CSV of about ``--mb`` megabytes (fixed seed: the same bytes every run;
headlines drawn from the bundled Upworthy archive, 2 to 4 arms per test, some dates and the odd
HTML entity), then times, each in a process of its own,
``python -m core import FILE --format outcomes`` into a fresh temporary SQLite file:

- the good file (every test stored);
- the same file again (already imported: hashed, not parsed);
- the file with one bad cell near its end (refused whole, nothing written);
- with ``--before DIR`` (an older checkout, e.g. ``git archive COMMIT | tar -x -C DIR``, named
  after its commit), the good file again through that code, into its own fresh database.

For each: wall and CPU seconds of the whole command (interpreter start and migration included)
and its peak resident memory (``ru_maxrss`` from ``os.wait4``). Writes
benchmarks/results/import-speed-<cpu kind>.md/.json, headed with the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench import machine, write_results
from core.basics.settings import REPO_ROOT, load_settings
from core.basics.text import clean_headline, normalise_headline
from core.model.hardware import cpu_kind, describe_cpu

TARGETS = {"seconds": 20.0, "peak_rss_mb": 600.0}  # for a 50 MB file


def synthetic_outcomes(target_bytes: int, seed: int = 0) -> pd.DataFrame:
    """An outcomes CSV of about ``target_bytes``: test_id, headline, impressions, clicks and date
    (one test in four has one); 2-4 arms per test whose headlines differ (after normalisation),
    drawn from the bundled Upworthy archive, some with HTML entities; about 100 bytes a row, as
    the 50 MB file of issue #13 had (523,683 rows)."""
    archive = pd.read_parquet(load_settings().upworthy_parquet, columns=["headline"])
    headlines = archive["headline"].map(clean_headline)
    headlines = headlines[~headlines.map(normalise_headline).duplicated() & headlines.ne("")].to_numpy()
    rng = np.random.default_rng(seed)
    n_tests = target_bytes // 310 + 1  # ~3 arms of ~103 bytes
    n_arms = rng.integers(2, 5, n_tests)
    total = int(n_arms.sum())
    test = np.repeat(np.arange(n_tests), n_arms)
    # Distinct headlines within a test: picks 7,919 apart from a random start in a pool of
    # ~10,000 (a test has at most 4 arms, so none comes round again).
    start = np.repeat(rng.integers(0, len(headlines), n_tests), n_arms)
    offset = np.arange(total) - np.repeat(np.cumsum(n_arms) - n_arms, n_arms)
    headline = headlines[(start + offset * 7919) % len(headlines)]
    entity = rng.random(total) < 0.02  # some exports escape their ampersands and quotes
    headline[entity] = [text.replace("&", "&amp;").replace("'", "&#39;") for text in headline[entity]]
    impressions = rng.integers(500, 60_000, total)
    clicks = rng.binomial(impressions, rng.uniform(0.002, 0.04, total))
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 900, n_tests), unit="D")
    dates = np.where(rng.random(n_tests) < 0.25, days.strftime("%Y-%m-%d"), "")
    return pd.DataFrame(
        {
            "test_id": [f"t{t:06d}" for t in test],
            "headline": headline,
            "impressions": impressions,
            "clicks": clicks,
            "date": np.repeat(dates, n_arms),
        }
    )


# The command runs as a grandchild: a child forked from this (big) process would count this
# process's memory as its own peak (Linux keeps a process's peak across exec), so a small Python
# forks and execs it, waits, and writes its wall seconds and resource usage to a file.
_LAUNCHER = """
import json, os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *argv])
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(result, "w") as file:
    json.dump({"exit_code": os.waitstatus_to_exitcode(status), "seconds": seconds,
               "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_kb": usage.ru_maxrss}, file)
"""


def run_import(path: Path, database_url: str, code: Path = REPO_ROOT) -> dict:
    """``python -m core import PATH --format outcomes`` run in ``code``: exit code, wall and CPU
    seconds, peak MB, and the load average just before (the machine may be shared)."""
    env = {**os.environ, "HEADLINE_LAB_DATABASE_URL": database_url}
    load_before = os.getloadavg()[0]
    argv = ["-m", "core", "import", str(path), "--format", "outcomes"]
    with tempfile.TemporaryDirectory() as folder:
        result, out = Path(folder) / "result.json", Path(folder) / "out.txt"
        with out.open("wb") as said:
            subprocess.run(
                [sys.executable, "-c", _LAUNCHER, str(result), *argv],
                cwd=code,
                env=env,
                stdout=said,
                stderr=subprocess.STDOUT,
                check=True,
            )
        measured = json.loads(result.read_text())
        said = out.read_text(errors="replace").strip()
    return {
        "exit_code": measured["exit_code"],
        "seconds": round(measured["seconds"], 2),
        "cpu_seconds": round(measured["cpu_seconds"], 2),
        "peak_rss_mb": round(measured["peak_kb"] / 1024, 1),  # Linux: kilobytes
        "load_average_before": round(load_before, 2),
        "said": said[:300],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=50.0, help="size of the synthetic file (MB)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the files and databases here, and keep them")
    parser.add_argument("--before", type=Path, help="an older checkout: import the good file with it too")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="import-speed-"))
    folder.mkdir(parents=True, exist_ok=True)

    frame = synthetic_outcomes(int(args.mb * 1_000_000), args.seed)
    good = folder / "outcomes.csv"
    frame.to_csv(good, index=False)
    bad = folder / "outcomes-bad.csv"  # one clicks cell above its impressions, 100 rows from the end
    frame.loc[len(frame) - 100, "clicks"] = frame.loc[len(frame) - 100, "impressions"] + 1
    frame.to_csv(bad, index=False)

    good_bytes = good.stat().st_size
    url = f"sqlite:///{folder / 'lab.db'}"
    runs = {
        "good file": run_import(good, url),
        "same file again": run_import(good, url),
        "one bad row": run_import(bad, f"sqlite:///{folder / 'refused.db'}"),
    }
    if args.before:
        runs[f"good file, code in {args.before.name}"] = run_import(
            good, f"sqlite:///{folder / 'before.db'}", args.before.resolve()
        )
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    report = {
        "file_mb": round(good_bytes / 1_000_000, 1),
        "rows": len(frame),
        "tests": frame["test_id"].nunique(),
        "seed": args.seed,
        "cpu": describe_cpu(),
        "machine": machine(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m core import FILE --format outcomes (fresh SQLite file)",
        "targets": TARGETS,
        "runs": runs,
    }
    if args.before:
        report["before"] = args.before.name
        report["before_note"] = "`git archive COMMIT | tar -x -C DIR`, DIR named after the commit"
    write_results(f"import-speed-{cpu_kind()}", report, markdown(report))
    return 0 if all(r["exit_code"] == want for r, want in zip(runs.values(), (0, 0, 2, 0))) else 1


def markdown(r: dict) -> str:
    lines = [
        "# Importing a big outcomes CSV",
        "",
        f"CPU: {r['cpu']}",
        "",
        f"A synthetic outcomes CSV of {r['file_mb']} MB ({r['rows']:,} rows, {r['tests']:,} tests of 2-4 "
        f"arms, seed {r['seed']}) through `{r['command']}`, each run a process of its own: wall and "
        "CPU seconds (interpreter start and migration included) and its peak resident memory. "
        f"Measured {r['measured_at']} by `python -m benchmarks.import_speed"
        f"{' --before DIR' if r.get('before') else ''}`; the machine is shared (2 cores, the load "
        "average is beside each run), so times are indicative.",
        "",
        "| run | exit | wall s | CPU s | peak MB | load average before | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, run in r["runs"].items():
        target = (
            f"≤ {r['targets']['seconds']:.0f} s, ≤ {r['targets']['peak_rss_mb']:.0f} MB (50 MB file)"
            if name == "good file"
            else ""
        )
        lines.append(
            f"| {name} | {run['exit_code']} | {run['seconds']:.1f} | {run['cpu_seconds']:.1f} "
            f"| {run['peak_rss_mb']:.0f} | {run['load_average_before']:.1f} | {target} |"
        )
    if r.get("before"):
        lines += [
            "",
            f"{r['before']}: the same command run in a copy of the code before this work ({r['before_note']}).",
        ]
    lines += ["", "What the command said:", ""]
    lines += [
        f"- {name}: `{run['said'].splitlines()[0] if run['said'] else ''}`" for name, run in r["runs"].items()
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
