"""What every row of the evaluation table is, and how the app gets the one it scores with."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from core.basics.settings import Settings
from core.model.manifest import MANIFEST

# The code that turns the archives into the baseline: a change to any of it refits the cache.
PIPELINE_MODULES = (
    "core.data.loaders",
    "core.basics.text",
    "core.data.pairs",
    "core.basics.stats",
    "core.data.splits",
    "core.data.datasets",
    "core.model.baselines",
)


@runtime_checkable
class PairPredictor(Protocol):
    name: str

    def fit(self, train_pairs: pd.DataFrame) -> PairPredictor: ...

    def predict_pairs(
        self, headlines_a: list[str], headlines_b: list[str], contexts: list[str | None] | None = None
    ) -> np.ndarray:
        """P(headline a wins) per pair, in [0, 1]. contexts: each pair's story excerpt, for
        predictors that read it (the baselines score the headlines alone)."""
        ...


class TransformerPredictor:
    """Adapter from :class:`core.model.scorer.HeadlineScorer` to :class:`PairPredictor`."""

    def __init__(self, scorer, model_dir: Path) -> None:
        self.scorer = scorer
        self.name = f"transformer ({model_dir.name})"
        # Which archive tests it trained on (core.data.datasets.ARCHIVE_SPLITS): decides on
        # which held-out pairs its figures mean anything.
        self.trained_split = (
            (getattr(scorer, "manifest", None) or {}).get("settings", {}).get("split", "test")
        )

    def fit(self, train_pairs: pd.DataFrame) -> TransformerPredictor:
        return self  # trained by `python -m core train`; evaluation never refits it

    def predict_pairs(
        self, headlines_a: list[str], headlines_b: list[str], contexts: list[str | None] | None = None
    ) -> np.ndarray:
        # Uploads repeat pairs: send each distinct (a, b, context) once.
        contexts = list(contexts) if contexts is not None else [None] * len(headlines_a)
        codes, unique = pd.factorize(pd.Series(list(zip(headlines_a, headlines_b, contexts)), dtype=object))
        if len(unique) == 0:
            return np.zeros(0)
        ua, ub, uc = (list(side) for side in zip(*unique))
        return np.asarray(self.scorer.pair_proba(ua, ub, uc), dtype=float)[codes]


BASELINE = "baseline"  # the name that asks for the TF-IDF baseline instead of a model folder


def has_model(model_dir: Path) -> bool:
    return (Path(model_dir) / MANIFEST).is_file()


def load_transformer(model_dir: Path) -> TransformerPredictor:
    from core.model.scorer import HeadlineScorer  # lazy: torch is heavy and the baseline needs none of it

    return TransformerPredictor(HeadlineScorer.from_pretrained(Path(model_dir)), Path(model_dir))


def training_pairs(settings: Settings) -> pd.DataFrame:
    """Both archives' training splits: what the default baseline learns from."""
    from core.data.datasets import DATASETS, dataset_split

    return pd.concat([dataset_split(name, settings).train for name in DATASETS], ignore_index=True)


def data_fingerprint(settings: Settings) -> str:
    """Hash of the source files, the code that reads and fits them, and the split's settings."""
    digest = hashlib.sha256()
    code = [importlib.util.find_spec(name).origin for name in PIPELINE_MODULES]
    for path in (settings.upworthy_parquet, settings.ars_csv, *code):
        digest.update(Path(path).read_bytes())
    for value in (
        settings.seed,
        settings.validation_fraction,
        settings.alpha,
        settings.unrandomised_start,
        settings.unrandomised_end,
    ):
        digest.update(repr(value).encode())
    return digest.hexdigest()[:16]


def default_baseline(settings: Settings) -> PairPredictor:
    """The TF-IDF pairwise LR (the best baseline in the evaluation), fitted once per data version."""
    from core.model.baselines import TfidfPairLR

    cache = settings.var_dir / "baselines" / f"tfidf-lr-{data_fingerprint(settings)}.pkl"
    if cache.is_file():
        with cache.open("rb") as f:
            return pickle.load(f)
    print(f"fitting the baseline once; cached as {cache}", file=sys.stderr)
    model = TfidfPairLR().fit(training_pairs(settings))
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(model, f)
    os.replace(tmp, cache)  # atomic: a concurrent reader never sees half a file
    for stale in cache.parent.glob("tfidf-lr-*.pkl"):
        if stale != cache:
            stale.unlink(missing_ok=True)  # fitted on data or code that has since changed
    return model


def load_pair_predictor(model_dir: Path | str | None, settings: Settings) -> PairPredictor:
    """The transformer in model_dir (default: settings.default_model_dir), or the cached default
    baseline when model_dir is ``"baseline"``. A missing or broken model folder raises
    ModelLoadError: a configured model is never silently replaced by the baseline."""
    if str(model_dir) == BASELINE:
        return default_baseline(settings)
    return load_transformer(Path(model_dir) if model_dir is not None else settings.default_model_dir)
