"""How long History and Record outcome take to rerun once a newsroom has recorded thousands of
tests: the page runs an editor waits for after each search or pick.

A throwaway SQLite database gets ``--tests`` editor tests (2 or 3 headlines each, the model's
predictions, a recorded outcome, every tenth corrected once), then each page runs in Streamlit's
AppTest, as app.py serves it: History with five searches, Record outcome with four picks.
Medians of those reruns go to benchmarks/results/page-speed-<cpu kind>.md. The bundled Upworthy
archive is imported first, as in every newsroom's database (its tests are never listed).

    python -m benchmarks.page_speed --tests 5000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bench import machine, write_results
from core.basics.settings import load_settings
from core.data.importer import ensure_base_corpus
from core.model.hardware import cpu_kind
from core.newsroom.recording import record
from db import experiments
from db.engine import get_sessionmaker
from db.migrate import upgrade
from tests.app_env import app_environment, tiny_model

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "cats",
    "owls",
    "mayor",
    "vote",
    "island",
    "storm",
    "bakery",
    "river",
    "budget",
    "school",
    "rocket",
    "garden",
]


def planted_database(path: Path, tests: int, seed: int = 0) -> None:
    """``tests`` editor tests with predictions and an outcome each, in one transaction."""
    settings = load_settings(database_url=f"sqlite:///{path}")
    upgrade(settings)
    # The bundled archive too, as in any newsroom's database; imported now, so that the app's
    # own import (a background process on a fresh database) does not run while pages are timed.
    ensure_base_corpus(settings)
    rng = np.random.default_rng(seed)
    with get_sessionmaker(settings).begin() as session:
        for t in range(tests):
            k = 2 + (t % 4 == 0)
            headlines = [f"{' '.join(rng.choice(WORDS, 5))} {t}-{i}" for i in range(k)]
            shares = rng.dirichlet(np.ones(k))
            test = experiments.create_test(session, headlines, None, "ana", "v1", [0.0] * k, shares.tolist())
            counts = [(1000, int(c)) for c in rng.integers(20, 80, k)]
            record(session, test, counts, "bo")
            if t % 10 == 0:  # a correction: two recordings, the second counts
                record(session, test, [(i + 500, c) for i, c in counts], "cy")


def page_seconds(app: str, page: str, edits) -> tuple[float, list[float]]:
    """The page's first run, then each edit's rerun, in seconds."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(app, default_timeout=300).run()
    started = time.perf_counter()
    at.switch_page(page).run()
    first = time.perf_counter() - started
    assert not at.exception, [e.value for e in at.exception]
    reruns = []
    for edit in edits:
        started = time.perf_counter()
        edit(at).run()
        reruns.append(time.perf_counter() - started)
        assert not at.exception, [e.value for e in at.exception]
    return first, reruns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=5000)
    parser.add_argument(
        "--database", type=Path, default=None, help="a database planted before (kept): only the pages run"
    )
    parser.add_argument("--no-results", action="store_true", help="print, write no results file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="page-speed-"))
    database = args.database or folder / "lab.db"
    if not database.exists():
        started = time.perf_counter()
        planted_database(database, args.tests)
        print(f"planted {args.tests:,} tests in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # The tiny model: the pages' own work is measured, not the model's (they only name it).
    os.environ.update(app_environment(Path(tiny_model(folder)), database, 100))
    app = str(ROOT / "app.py")
    searches = ["cats", "island owls", "", "ana", "#12"]
    history = page_seconds(
        app,
        "pages/history.py",
        [lambda at, s=s: at.text_input(key="history_search").set_value(s) for s in searches],
    )
    picks = [3, 10, 50, 1]
    record_page = page_seconds(
        app, "pages/record_outcome.py", [lambda at, i=i: at.selectbox[0].select_index(i) for i in picks]
    )
    info = machine()
    rows = [
        ("History: a search", history),
        ("Record outcome: a pick of another test", record_page),
    ]
    report = {
        "machine": info,
        "tests": args.tests,
        "rows": [{"what": w, "first_run_s": f, "reruns_s": r} for w, (f, r) in rows],
    }
    lines = [
        f"# Page reruns with {args.tests:,} recorded tests",
        "",
        f"`python -m benchmarks.page_speed --tests {args.tests}` on {info['cpu_description']}, "
        f"{info['threads']} torch threads: a SQLite database of {args.tests:,} editor tests with outcomes, each "
        "page run in Streamlit's AppTest as app.py serves it (the browser's drawing not included).",
        "",
        "| what an editor does | page's first run | rerun, median (each) |",
        "|---|---|---|",
        *[
            f"| {w} | {f:.2f} s | {statistics.median(r):.2f} s ({', '.join(f'{x:.2f}' for x in r)}) |"
            for w, (f, r) in rows
        ],
        "",
    ]
    if args.no_results:
        print("\n".join(lines))
    else:
        write_results(f"page-speed-{cpu_kind()}", report, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
