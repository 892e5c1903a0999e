import json

import numpy as np
import pytest

from core.model.manifest import ModelLoadError
from core.model.scorer import HeadlineScorer
from tests.tiny_model import make_tiny_base

DRAFTS = [
    "Scientists explain why the island keeps winning",
    "You won't believe what this island did next",
    "The island that wins every race",
    "Why one island nation dominates sprinting",
]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return make_tiny_base(tmp_path_factory.mktemp("tiny_base"))


@pytest.fixture(scope="module")
def scorer(tiny_base):
    s = HeadlineScorer.from_base(tiny_base, seed=1, precision="fp32", device="cpu")
    s.temperature, s.reference_score = 0.5, 0.1
    return s


@pytest.fixture(scope="module")
def saved(scorer, tmp_path_factory):
    return scorer.save_pretrained(tmp_path_factory.mktemp("model"), manifest={"version": "t1"})


def test_save_load_round_trip_gives_identical_scores(scorer, saved):
    loaded = HeadlineScorer.from_pretrained(saved, device="cpu", precision="fp32")
    # fp16 storage rounds the trained weights, so compare against a scorer holding the same rounding
    np.testing.assert_allclose(loaded.score(DRAFTS), scorer.score(DRAFTS), atol=5e-3)
    again = HeadlineScorer.from_pretrained(saved, device="cpu", precision="fp32")
    np.testing.assert_array_equal(again.score(DRAFTS), loaded.score(DRAFTS))
    assert loaded.temperature == 0.5 and loaded.reference_score == 0.1
    assert loaded.version == "t1"


def test_manifest_traces_files_and_settings(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    assert set(manifest["files"]) >= {"model.safetensors", "config.json", "tokenizer.json"}
    assert manifest["settings"]["max_tokens"] == 64
    assert "path" in manifest["base_model"]


def test_only_trained_parameters_are_stored(scorer, saved):
    from safetensors.torch import load_file

    stored = load_file(str(saved / "model.safetensors"))
    assert not any(k.startswith("encoder.embeddings.") for k in stored)
    assert "head.weight" in stored
    assert all(v.dtype.is_floating_point and v.element_size() == 2 for v in stored.values())


def test_win_probabilities_antisymmetric_and_agree_with_scores(scorer):
    p = scorer.win_probabilities(DRAFTS)
    assert p.shape == (4, 4)
    np.testing.assert_allclose(p + p.T, 1.0, atol=1e-12)
    np.testing.assert_allclose(np.diag(p), 0.5)
    s = scorer.score(DRAFTS)
    for i in range(4):
        for j in range(4):
            assert (p[i, j] > 0.5) == (s[i] > s[j]) or s[i] == s[j]
    np.testing.assert_allclose(scorer.pair_proba(DRAFTS[:2], DRAFTS[2:]), [p[0, 2], p[1, 3]])


def test_predict_proba_rows_sum_to_one(scorer):
    proba = scorer.predict_proba(DRAFTS)
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert ((proba >= 0) & (proba <= 1)).all()


def test_win_shares_sum_to_one_and_follow_scores(scorer):
    shares = scorer.win_shares(DRAFTS)
    np.testing.assert_allclose(shares.sum(), 1.0)
    assert np.argmax(shares) == np.argmax(scorer.score(DRAFTS))


def test_duplicates_scored_consistently(scorer):
    s = scorer.score([DRAFTS[0], DRAFTS[1], DRAFTS[0]])
    assert s[0] == s[2]


def test_bf16_matches_fp32(saved):
    fp32 = HeadlineScorer.from_pretrained(saved, device="cpu", precision="fp32").score(DRAFTS)
    bf16 = HeadlineScorer.from_pretrained(saved, device="cpu", precision="bf16").score(DRAFTS)
    np.testing.assert_allclose(bf16, fp32, atol=0.05 * max(1.0, np.abs(fp32).max()))
    assert list(np.argsort(bf16)) == list(np.argsort(fp32)) or np.ptp(fp32) < 0.05


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        HeadlineScorer.from_pretrained(tmp_path / "nope")


def test_folder_without_manifest_is_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"junk")
    with pytest.raises(ModelLoadError, match="manifest.json"):
        HeadlineScorer.from_pretrained(tmp_path)


def test_tampered_weights_are_refused(saved, tmp_path):
    import shutil

    copy = shutil.copytree(saved, tmp_path / "copy")
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="checksum"):
        HeadlineScorer.from_pretrained(copy)


def test_missing_weight_file_is_refused(saved, tmp_path):
    import shutil

    copy = shutil.copytree(saved, tmp_path / "copy")
    (copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        HeadlineScorer.from_pretrained(copy)


def test_corrupt_manifest_is_refused(saved, tmp_path):
    import shutil

    copy = shutil.copytree(saved, tmp_path / "copy")
    (copy / "manifest.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        HeadlineScorer.from_pretrained(copy)


# ----- story excerpt as context ---------------------------------------------------------------
@pytest.fixture(scope="module")
def context_scorer(tiny_base):
    return HeadlineScorer.from_base(tiny_base, seed=1, precision="fp32", device="cpu", context="excerpt")


def test_a_context_model_reads_the_excerpt(context_scorer):
    alone = context_scorer.score(DRAFTS)
    sports = context_scorer.score(DRAFTS, "A story about the Olympic sprint final")
    assert not np.allclose(alone, sports)
    # one excerpt for all drafts equals the same excerpt given per draft
    np.testing.assert_allclose(
        context_scorer.score(DRAFTS, ["A story about the Olympic sprint final"] * 4), sports
    )
    # a missing excerpt (None or NaN from a data frame) is the headline alone
    np.testing.assert_allclose(context_scorer.score(DRAFTS, [None, float("nan"), "", None]), alone)


def test_a_model_without_context_ignores_the_excerpt(scorer):
    np.testing.assert_array_equal(scorer.score(DRAFTS, "Any excerpt at all"), scorer.score(DRAFTS))


def test_context_scores_match_the_padded_forward(context_scorer):
    excerpts = ["Olympic sprint final", None, "A long excerpt " * 30, "Science news"]
    packed = context_scorer.score(DRAFTS, excerpts)
    saved_packed, context_scorer.packed_ = context_scorer.packed_, None
    try:
        padded = context_scorer.score(DRAFTS, excerpts)
    finally:
        context_scorer.packed_ = saved_packed
    np.testing.assert_allclose(packed, padded, atol=1e-5)


def test_context_setting_survives_save_and_load(context_scorer, tmp_path):
    folder = context_scorer.save_pretrained(tmp_path / "ctx")
    loaded = HeadlineScorer.from_pretrained(folder, device="cpu", precision="fp32")
    assert loaded.context == "excerpt"
    excerpt = "A story about the Olympic sprint final"
    np.testing.assert_allclose(
        loaded.score(DRAFTS, excerpt), context_scorer.score(DRAFTS, excerpt), atol=5e-3
    )


def test_contexts_must_match_headlines(context_scorer):
    with pytest.raises(ValueError, match="2 contexts for 4 headlines"):
        context_scorer.score(DRAFTS, ["a", "b"])
