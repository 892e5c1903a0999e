"""load_pair_predictor: the transformer of a model folder, or the cached baseline when asked for by name;
a missing model is an error, never silently the baseline."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from core.basics.settings import Settings
from core.evaluation import predictors
from core.model.baselines import TfidfPairLR
from core.model.manifest import ModelLoadError
from tests.synthetic_pairs import synthetic_pairs, word_trait


class FakeScorer:
    """Records what the adapter sends; P(a wins) grows with len(a) - len(b)."""

    calls: list[tuple[list[str], list[str]]] = []

    @classmethod
    def from_pretrained(cls, path):
        cls.loaded_from = path
        return cls()

    def pair_proba(self, headlines_a, headlines_b, contexts=None):
        self.calls.append((list(headlines_a), list(headlines_b), list(contexts)))
        diff = np.array([len(a) - len(b) for a, b in zip(headlines_a, headlines_b)], dtype=float)
        return 1 / (1 + np.exp(-diff))


@pytest.fixture
def tmp_settings(tmp_path) -> Settings:
    return Settings(root=tmp_path)


def test_manifest_selects_the_transformer_and_pairs_are_sent_once(tmp_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "core.model.scorer", types.SimpleNamespace(HeadlineScorer=FakeScorer))
    model_dir = tmp_settings.default_model_dir
    model_dir.mkdir(parents=True)
    (model_dir / "manifest.json").write_text("{}")
    FakeScorer.calls = []

    predictor = predictors.load_pair_predictor(None, tmp_settings)
    assert isinstance(predictor, predictors.TransformerPredictor)
    assert isinstance(predictor, predictors.PairPredictor)
    assert FakeScorer.loaded_from == model_dir and predictor.name == "transformer (default)"
    a, b = ["long one", "x", "long one", "x"], ["y", "long one", "y", "long one"]
    p = predictor.predict_pairs(a, b)
    assert FakeScorer.calls == [(["long one", "x"], ["y", "long one"], [None, None])]  # duplicates dropped
    assert np.allclose(p, 1 / (1 + np.exp(-np.array([7.0, -7.0, 7.0, -7.0]))))
    # the same pair under another story excerpt is a different question: sent separately
    FakeScorer.calls = []
    predictor.predict_pairs(["a", "a"], ["b", "b"], ["story one", "story two"])
    assert FakeScorer.calls == [(["a", "a"], ["b", "b"], ["story one", "story two"])]


@pytest.mark.parametrize("folder", [None, "missing", "empty", "no-manifest"])
def test_a_missing_or_empty_model_folder_is_an_error_not_the_baseline(tmp_settings, monkeypatch, folder):
    monkeypatch.setattr(predictors, "default_baseline", lambda settings: pytest.fail("fell back"))
    path = None if folder is None else tmp_settings.root / folder
    if folder in ("empty", "no-manifest"):
        path.mkdir()
    if folder == "no-manifest":
        (path / "model.safetensors").write_bytes(b"weights")
    with pytest.raises(ModelLoadError, match="does not exist|no manifest.json"):
        predictors.load_pair_predictor(path, tmp_settings)


def test_the_baseline_by_name_is_fitted_once_then_read_from_cache(tmp_settings, monkeypatch):
    fits = []

    def fake_training_pairs(settings):
        fits.append(settings)
        return synthetic_pairs(60, 2, word_trait("amazing"), seed=21)

    monkeypatch.setattr(predictors, "training_pairs", fake_training_pairs)
    monkeypatch.setattr(predictors, "data_fingerprint", lambda settings: "fixed")
    first = predictors.load_pair_predictor("baseline", tmp_settings)
    assert isinstance(first, TfidfPairLR) and len(fits) == 1
    assert list((tmp_settings.var_dir / "baselines").iterdir()) == [
        tmp_settings.var_dir / "baselines" / "tfidf-lr-fixed.pkl"
    ]
    second = predictors.load_pair_predictor(predictors.BASELINE, tmp_settings)
    assert len(fits) == 1  # served from the cache, not refitted
    a, b = ["amazing word1 word2", "word3"], ["word4 word5", "amazing word6"]
    assert np.array_equal(first.predict_pairs(a, b), second.predict_pairs(a, b))

    # New data: refitted once, and the stale cache is removed.
    monkeypatch.setattr(predictors, "data_fingerprint", lambda settings: "changed")
    predictors.load_pair_predictor("baseline", tmp_settings)
    assert len(fits) == 2
    assert [p.name for p in (tmp_settings.var_dir / "baselines").iterdir()] == ["tfidf-lr-changed.pkl"]


def test_fingerprint_changes_with_the_data(tmp_path):
    settings = Settings(root=tmp_path / "repo", shared_data=str(tmp_path / "shared"))
    for path in (settings.upworthy_parquet, settings.ars_csv):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("one version")
    before = predictors.data_fingerprint(settings)
    assert predictors.data_fingerprint(settings) == before
    settings.ars_csv.write_text("another version")
    assert predictors.data_fingerprint(settings) != before
    assert predictors.data_fingerprint(
        Settings(**{**settings.__dict__, "seed": 99})
    ) != predictors.data_fingerprint(settings)
