"""``python -m core evaluate``: baselines and models on each archive, forward and split by test.

Every figure comes from :func:`core.data.datasets.forward_split` (older tests in, the newest
out) or :func:`core.data.datasets.dataset_split` (held-out test groups), the splits training
uses, and every table is preceded by the split's sizes and a leakage check.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from core.basics.settings import Settings
from core.basics.text import normalise_headline
from core.data.pairs import pair_contexts
from core.data.splits import Split, shared_headlines
from core.evaluation.metrics import Estimate, evaluate_pairs
from core.evaluation.predictors import PairPredictor, load_transformer
from core.model.baselines import AlwaysFirst, BestHeuristic, TfidfPairLR

NEAR_DUPLICATE_JACCARD = 0.8
COLUMNS = [
    "model",
    "pairs",
    "significant pairs",
    "accuracy (all) [95% CI]",
    "accuracy (significant) [95% CI]",
    "AUC [95% CI]",
    "log loss [95% CI]",
    "ECE [95% CI]",
]


@dataclass(frozen=True)
class SplitSummary:
    train_pairs: int
    train_tests: int
    valid_pairs: int
    valid_tests: int
    shared_headlines: int  # normalised headlines on both sides: must be 0
    valid_headlines: int
    near_duplicates: int  # validation headlines with a train headline of Jaccard >= threshold


def _headlines(frame: pd.DataFrame) -> list[str]:
    texts = pd.concat([frame["headline_a"], frame["headline_b"]]).map(normalise_headline)
    return sorted(set(texts) - {""})


def _prefix_matrix(words: sparse.csr_matrix, rank: np.ndarray, threshold: float) -> sparse.csr_matrix:
    """Each headline's rarest |x| − ceil(t·|x|) + 1 words.

    Two word sets with Jaccard >= t share at least ceil(t·|x|) words, so they must share
    one of these (prefix filtering): only pairs with a common rare word need checking.
    """
    coo = words.tocoo()
    order = np.lexsort((rank[coo.col], coo.row))
    rows, cols = coo.row[order], coo.col[order]
    position = np.arange(len(rows)) - np.searchsorted(rows, rows)
    sizes = np.diff(words.indptr)
    keep = position < sizes[rows] - np.ceil(threshold * sizes[rows] - 1e-9) + 1
    return sparse.csr_matrix((np.ones(keep.sum()), (rows[keep], cols[keep])), shape=words.shape)


def near_duplicates(train: list[str], valid: list[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> int:
    """How many valid headlines have a train headline with word-set Jaccard >= threshold."""
    if not train or not valid:
        return 0
    vectorizer = CountVectorizer(binary=True, lowercase=False, token_pattern=r"\S+").fit(train + valid)
    tr, va = vectorizer.transform(train).tocsr(), vectorizer.transform(valid).tocsr()
    frequency = np.asarray(tr.sum(axis=0) + va.sum(axis=0)).ravel()
    rank = np.empty(len(frequency), dtype=np.int64)
    rank[np.argsort(frequency, kind="stable")] = np.arange(len(frequency))
    candidates = (_prefix_matrix(va, rank, threshold) @ _prefix_matrix(tr, rank, threshold).T).tocoo()
    i, j = candidates.row, candidates.col
    shared = np.asarray(va[i].multiply(tr[j]).sum(axis=1)).ravel()
    sizes_va, sizes_tr = np.diff(va.indptr)[i], np.diff(tr.indptr)[j]
    jaccard = shared / (sizes_va + sizes_tr - shared)
    return len(np.unique(i[jaccard >= threshold]))


def split_summary(split: Split) -> SplitSummary:
    valid_headlines = _headlines(split.valid)
    return SplitSummary(
        train_pairs=len(split.train),
        train_tests=split.train["test_id"].nunique(),
        valid_pairs=len(split.valid),
        valid_tests=split.valid["test_id"].nunique(),
        shared_headlines=len(shared_headlines(split.train, split.valid)),
        valid_headlines=len(valid_headlines),
        near_duplicates=near_duplicates(_headlines(split.train), valid_headlines),
    )


def _cell(e: Estimate) -> str:
    return "n/a" if math.isnan(e.value) else f"{e.value:.3f} [{e.low:.3f}, {e.high:.3f}]"


def evaluation_table(
    split: Split, predictors: list[PairPredictor], settings: Settings, kind: str = "test"
) -> pd.DataFrame:
    """One row per predictor, fitted on split.train, measured on split.valid.

    kind: "test" or "forward", the split's kind. A trained model whose training tests were not
    split this way has seen validation tests: its row says so instead of giving figures.
    """
    valid = split.valid
    rows = []
    for predictor in predictors:
        trained = getattr(predictor, "trained_split", None)
        if trained is not None and trained != kind:
            note = f"not measured: trained on these tests (archive split {trained!r})"
            rows.append([predictor.name, note, *[""] * (len(COLUMNS) - 2)])
            continue
        predictor.fit(split.train)
        p = predictor.predict_pairs(
            valid["headline_a"].tolist(), valid["headline_b"].tolist(), pair_contexts(valid)
        )
        m = evaluate_pairs(valid, p, settings)
        rows.append(
            [
                predictor.name,
                f"{m['accuracy'].pairs:,} ({m['accuracy'].tests:,} tests)",
                f"{m['accuracy_significant'].pairs:,} ({m['accuracy_significant'].tests:,} tests)",
                *(_cell(m[k]) for k in ("accuracy", "accuracy_significant", "auc", "log_loss", "ece")),
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def markdown_table(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def summary_markdown(name: str, s: SplitSummary) -> str:
    verdict = "ok" if s.shared_headlines == 0 else "LEAK"
    return (
        f"Split: train {s.train_pairs:,} pairs in {s.train_tests:,} tests; validation {s.valid_pairs:,} pairs "
        f"in {s.valid_tests:,} tests"
        + (" (unrandomised window excluded)" if name == "upworthy" else "")
        + ".\n"
        f"Leakage check: {s.shared_headlines} normalised headlines on both sides ({verdict}); "
        f"{s.near_duplicates:,} of {s.valid_headlines:,} validation headlines have a near-duplicate in train "
        f"(word-set Jaccard >= {NEAR_DUPLICATE_JACCARD})."
    )


def baselines() -> list[PairPredictor]:
    return [AlwaysFirst(), BestHeuristic(), TfidfPairLR()]


def evaluate(datasets: list[str], model_dirs: list[Path], settings: Settings) -> tuple[str, bool]:
    """The Markdown report and whether every split passed the leakage check."""
    from core.data.datasets import dataset_split, forward_split

    models = [load_transformer(d) for d in model_dirs]
    parts = [
        "# Evaluation",
        f"Two yardsticks per archive. **Forward** (the headline figure): trained on the tests before a "
        f"cutoff, measured on the newest {settings.forward_fraction:.0%} of tests, as the product meets "
        "tests that have not run yet. **Split by test**: held-out headline-linked test groups drawn from "
        f"all years (seed {settings.seed}). 95% intervals: bootstrap over whole tests, "
        f"{settings.bootstrap_samples:,} resamples. Significant pairs: two-proportion z-test p < "
        f"{settings.alpha}. ECE: 10 equal-width bins of P(a wins). A model is measured only on the "
        "split it was trained for; its manifest's forward figures (from a twin of its recipe trained "
        "before the cutoff) are listed under the forward table.",
    ]
    clean = True
    for name in datasets:
        print(f"evaluating {name} ...", file=sys.stderr)
        parts.append(f"## {name}")
        for kind, split in (
            ("forward", forward_split(name, settings)),
            ("test", dataset_split(name, settings)),
        ):
            summary = split_summary(split)
            clean &= summary.shared_headlines == 0
            table = evaluation_table(split, baselines() + models, settings, kind)
            title = (
                f"### Forward: the newest {settings.forward_fraction:.0%} of tests, from {split.cutoff}"
                if kind == "forward"
                else "### Split by test"
            )
            parts += [title, summary_markdown(name, summary), markdown_table(table)]
            if kind == "forward":
                parts += recorded_forward_lines(name, models)
    return "\n\n".join(parts) + "\n", clean


def recorded_forward_lines(name: str, models: list) -> list[str]:
    """Each model's forward figures as its manifest records them (measured on its recipe's twin)."""
    lines = []
    for model in models:
        record = model.scorer.manifest.get("forward_evaluation", {})
        figures = record.get("archives", {}).get(name)
        if figures:
            lines.append(
                f"{model.name}, from its manifest: its recipe trained before the cutoff scored accuracy "
                f"{figures['accuracy']:.3f} on all and {figures['accuracy_significant']:.3f} on significant "
                f"pairs, AUC {figures['auc']:.3f}, log loss {figures['log_loss']:.3f} here "
                f"({record.get('source', 'benchmarks/results/recipe.md')})."
            )
    return lines
