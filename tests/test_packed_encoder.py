import copy

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertModel

import core.model.packed_encoder as packed
from core.basics.settings import load_settings
from core.model.hardware import onednn_bf16_supported
from core.model.packed_encoder import PackedBert, supports
from core.model.scorer import HeadlineScorer
from tests.tiny_model import make_tiny_base

TEXTS = [
    "Scientists explain why the island keeps winning",
    "Short",
    "You won't believe what this island did next, and why it matters to every runner on earth",
    "The island that wins every race",
    "Why one island nation dominates sprinting",
    "Short",
    "A",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = make_tiny_base(tmp_path_factory.mktemp("tiny_base"))
    scorer = HeadlineScorer.from_base(folder, seed=3, precision="fp32", device="cpu")
    return scorer.network_.encoder.eval(), scorer.tokenizer_


def reference_pooled(encoder, tokenizer, texts, max_tokens=64) -> torch.Tensor:
    """The Hugging Face forward on a padded batch, masked mean pooling, float32. (n, hidden)"""
    batch = tokenizer(texts, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt")
    with torch.no_grad():
        hidden = encoder(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    return (hidden * mask).sum(1) / mask.sum(1)


def ids_of(tokenizer, texts, max_tokens=64):
    return tokenizer(texts, truncation=True, max_length=max_tokens)["input_ids"]


def test_float32_matches_the_padded_hugging_face_forward(tiny):
    encoder, tokenizer = tiny
    got = PackedBert(encoder).mean_pooled(ids_of(tokenizer, TEXTS))
    torch.testing.assert_close(got, reference_pooled(encoder, tokenizer, TEXTS), atol=1e-5, rtol=1e-5)


def test_truncated_texts_match_too(tiny):
    encoder, tokenizer = tiny
    got = PackedBert(encoder).mean_pooled(ids_of(tokenizer, TEXTS, max_tokens=6))
    torch.testing.assert_close(got, reference_pooled(encoder, tokenizer, TEXTS, 6), atol=1e-5, rtol=1e-5)


def test_bfloat16_stays_close_to_float32(tiny):
    encoder, tokenizer = tiny
    ids = ids_of(tokenizer, TEXTS)
    fp32 = PackedBert(encoder).mean_pooled(ids, torch.float32)
    bf16 = PackedBert(encoder).mean_pooled(ids, torch.bfloat16)
    assert bf16.dtype == torch.float32
    torch.testing.assert_close(bf16, fp32, atol=0.05, rtol=0.05)


def test_output_follows_input_order_and_chunking_changes_nothing(tiny, monkeypatch):
    encoder, tokenizer = tiny
    ids = ids_of(tokenizer, TEXTS)
    whole = PackedBert(encoder).mean_pooled(ids)
    reversed_ = PackedBert(encoder).mean_pooled(ids[::-1])
    torch.testing.assert_close(reversed_, whole.flip(0))
    monkeypatch.setattr(packed, "CHUNK_TOKENS", 12)  # several chunks, one text per chunk at most
    torch.testing.assert_close(PackedBert(encoder).mean_pooled(ids), whole, atol=1e-6, rtol=1e-6)


def test_cached_weights_follow_in_place_updates(tiny):
    encoder, tokenizer = tiny
    ids = ids_of(tokenizer, TEXTS[:3])
    model = PackedBert(encoder)
    before = model.mean_pooled(ids)
    layer = encoder.encoder.layer[0].intermediate.dense
    saved = layer.weight.detach().clone()
    try:
        with torch.no_grad():
            layer.weight.mul_(3.0)  # what an optimizer step does: same tensor, new values
        after = model.mean_pooled(ids)
        assert not torch.allclose(after, before)
        torch.testing.assert_close(
            after, reference_pooled(encoder, tokenizer, TEXTS[:3]), atol=1e-5, rtol=1e-5
        )
    finally:
        with torch.no_grad():
            layer.weight.copy_(saved)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_a_used_packed_encoder_can_be_deep_copied_with_its_encoder(tiny, dtype):
    """A fast update deep-copies its scorer after scoring. On CPUs with oneDNN bf16 the cached
    weights are opaque oneDNN tensors that cannot be copied: the copy rebuilds them instead."""
    encoder, tokenizer = tiny
    ids = ids_of(tokenizer, TEXTS)
    model = PackedBert(encoder, float_layers=("qkv",))
    before = model.mean_pooled(ids, dtype)  # fills the cache (oneDNN weights where bf16 runs on it)
    memo: dict = {}
    twin_encoder = copy.deepcopy(encoder, memo)
    twin = copy.deepcopy(model, memo)
    assert twin.encoder is twin_encoder and twin.float_layers == ("qkv",)  # one copy, shared
    torch.testing.assert_close(twin.mean_pooled(ids, dtype), before)
    with torch.no_grad():
        twin_encoder.encoder.layer[0].output.dense.weight.mul_(2.0)  # the copy's own weights
    assert not torch.allclose(twin.mean_pooled(ids, dtype), before)
    torch.testing.assert_close(model.mean_pooled(ids, dtype), before)  # the original untouched


def test_empty_input_gives_an_empty_result(tiny):
    encoder, _ = tiny
    assert PackedBert(encoder).mean_pooled([]).shape == (0, encoder.config.hidden_size)


def test_only_plain_bert_is_claimed():
    assert supports(BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2)))
    relu = BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, hidden_act="relu"))
    assert not supports(relu)
    relative = BertConfig(
        hidden_size=8, num_hidden_layers=1, num_attention_heads=2, position_embedding_type="relative_key"
    )
    assert not supports(BertModel(relative))


def test_scorer_without_the_packed_path_gives_the_same_scores(tiny_scorer_pair):
    packed_scorer, padded_scorer = tiny_scorer_pair
    np.testing.assert_allclose(padded_scorer.score(TEXTS), packed_scorer.score(TEXTS), atol=1e-5)


@pytest.fixture()
def tiny_scorer_pair(tmp_path):
    folder = make_tiny_base(tmp_path / "base")
    a = HeadlineScorer.from_base(folder, seed=5, precision="fp32", device="cpu")
    b = HeadlineScorer.from_base(folder, seed=5, precision="fp32", device="cpu")
    b.packed_ = None  # what an encoder the packed path does not claim gets: padded batches
    return a, b


def test_shipped_model_bf16_path_agrees_with_the_hugging_face_float32_forward():
    """bf16 (oneDNN where the CPU has it, the portable kernels elsewhere) against fp32."""
    model_dir = load_settings().default_model_dir
    scorer = HeadlineScorer.from_pretrained(model_dir, device="cpu", precision="bf16")
    encoder = scorer.network_.encoder
    reference = reference_pooled(encoder, scorer.tokenizer_, TEXTS)
    got = scorer.packed_.mean_pooled(ids_of(scorer.tokenizer_, TEXTS), torch.bfloat16)
    with torch.no_grad():
        ref_scores = scorer.network_.head(reference).squeeze(-1).numpy()
        got_scores = scorer.network_.head(got).squeeze(-1).numpy()
    # Scores spread over ~±1; bf16 keeps 8 bits of mantissa, so agreement to ~0.03.
    np.testing.assert_allclose(got_scores, ref_scores, atol=0.03)
    assert np.corrcoef(got_scores, ref_scores)[0, 1] > 0.999


def test_real_encoder_float32_matches_exactly():
    scorer = HeadlineScorer.from_base(device="cpu", precision="fp32")
    encoder, tokenizer = scorer.network_.encoder, scorer.tokenizer_
    got = PackedBert(encoder).mean_pooled(ids_of(tokenizer, TEXTS))
    torch.testing.assert_close(got, reference_pooled(encoder, tokenizer, TEXTS), atol=1e-5, rtol=1e-4)


def test_bf16_uses_onednn_exactly_where_the_cpu_supports_it(tiny):
    """AVX2-only CPUs must never reach oneDNN's bf16 kernels (they raise a RuntimeError)."""
    encoder, tokenizer = tiny
    model = PackedBert(encoder)
    model.mean_pooled(ids_of(tokenizer, TEXTS), torch.bfloat16)
    assert model.weights_["layers"][0]["ffn_in"].onednn == onednn_bf16_supported()


@pytest.mark.skipif(not onednn_bf16_supported(), reason="fast path: this CPU has no oneDNN bf16 kernels")
def test_onednn_fast_path_agrees_with_the_portable_path(tiny, monkeypatch):
    encoder, tokenizer = tiny
    ids = ids_of(tokenizer, TEXTS)
    fast = PackedBert(encoder).mean_pooled(ids, torch.bfloat16)
    monkeypatch.setattr(packed, "onednn_bf16_supported", lambda: False)
    portable = PackedBert(encoder).mean_pooled(ids, torch.bfloat16)
    torch.testing.assert_close(portable, fast, atol=0.05, rtol=0.05)


def test_bfloat16_without_onednn_uses_the_portable_path_and_agrees(tiny, monkeypatch):
    encoder, tokenizer = tiny
    ids = ids_of(tokenizer, TEXTS)
    fast = PackedBert(encoder).mean_pooled(ids, torch.bfloat16)
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: False)  # what CUDA gets
    model = PackedBert(encoder)
    portable = model.mean_pooled(ids, torch.bfloat16)
    assert not model.weights_["layers"][0]["ffn_in"].onednn
    torch.testing.assert_close(portable, fast, atol=0.05, rtol=0.05)
    torch.testing.assert_close(portable, PackedBert(encoder).mean_pooled(ids), atol=0.05, rtol=0.05)
