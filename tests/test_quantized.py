import numpy as np
import pytest
import torch
import torch.nn.functional as F

import core.model.quantized as quantized
import core.model.scorer as scorer_module
from core.model.packed_encoder import LINEAR_LAYERS, PackedBert
from core.model.quantized import Int8Linear, int8_supported, quantize_rows
from core.model.scorer import HeadlineScorer
from tests.tiny_model import make_tiny_base

TEXTS = [
    "Scientists explain why the island keeps winning",
    "Short",
    "You won't believe what this island did next, and why it matters to every runner on earth",
    "The island that wins every race",
    "Why one island nation dominates sprinting",
    "A",
]

needs_int8 = pytest.mark.skipif(not int8_supported(), reason="no fbgemm int8 kernels on this CPU")


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return make_tiny_base(tmp_path_factory.mktemp("tiny_base"))


def tiny_scorer(folder, precision):
    return HeadlineScorer.from_base(folder, seed=3, precision=precision, device="cpu")


def test_rows_are_quantised_symmetrically_with_one_scale_each():
    torch.manual_seed(0)
    weight = torch.randn(16, 8) * torch.linspace(0.01, 10, 16)[:, None]  # rows of very different size
    q, scale = quantize_rows(weight)
    assert q.dtype == torch.int8 and scale.shape == (16,)
    assert torch.all(q.abs().max(dim=1).values == 63)  # every row uses the full 7-bit range
    # Round to nearest: each weight within half a step of its row's grid.
    assert torch.all((q.float() * scale[:, None] - weight).abs() <= scale[:, None] / 2 + 1e-6)


@needs_int8
def test_int8_linear_is_close_to_float_linear():
    torch.manual_seed(0)
    weight, bias = torch.randn(64, 48) * 0.1, torch.randn(64)
    x = torch.randn(200, 48)
    expected = F.linear(x, weight, bias)
    got = Int8Linear(weight, bias)(x)
    assert got.dtype == torch.float32 and got.shape == expected.shape
    # 8-bit inputs, 7-bit weights: errors of about 1% of the output's range; a saturated
    # 16-bit sum (8-bit weights on AVX2) would be off by ~15% of it.
    error = (got - expected).abs()
    assert error.max() < 0.02 * expected.abs().max()
    assert error.mean() < 0.005 * expected.abs().max()
    torch.testing.assert_close(Int8Linear(weight, bias)(x, gelu=True), F.gelu(got))


@needs_int8
def test_each_int8_output_row_depends_on_its_own_input_row_alone():
    torch.manual_seed(1)
    weight, bias = torch.randn(64, 48) * 0.1, torch.randn(64)
    layer = Int8Linear(weight, bias)
    x = torch.randn(5, 48)
    loud = torch.randn(30, 48) * 40  # companions with a far larger range
    assert torch.equal(layer(torch.cat([x, loud]))[:5], layer(x))
    assert torch.equal(layer(x[2:3]), layer(x)[2:3])
    torch.testing.assert_close(layer(torch.zeros(2, 48)), bias.expand(2, -1))  # a zero row: the bias


@needs_int8
def test_an_int8_score_does_not_move_with_the_texts_scored_beside_it(tiny_folder):
    scorer = tiny_scorer(tiny_folder, "int8")
    alone = scorer.score(TEXTS[:1])
    beside = scorer.score(TEXTS)
    # float32 matrix products may round differently with the batch's size, nothing more
    np.testing.assert_allclose(beside[:1], alone, atol=1e-5)


@needs_int8
def test_int8_packed_encoder_stays_close_to_float32(tiny_folder):
    scorer = tiny_scorer(tiny_folder, "fp32")
    ids = scorer.tokenizer_(TEXTS, truncation=True, max_length=64)["input_ids"]
    packed = PackedBert(scorer.network_.encoder)
    fp32 = packed.mean_pooled(ids)
    int8 = packed.mean_pooled(ids, int8=True)  # the same object: the weight cache switches paths
    assert int8.dtype == torch.float32 and not torch.equal(int8, fp32)
    torch.testing.assert_close(int8, fp32, atol=0.05, rtol=0.05)
    cosine = F.cosine_similarity(int8, fp32, dim=1)
    assert cosine.min() > 0.999
    torch.testing.assert_close(packed.mean_pooled(ids), fp32)  # and back to float32 exactly


@needs_int8
def test_int8_scorer_scores_close_to_float32(tiny_folder):
    fp32 = tiny_scorer(tiny_folder, "fp32").score(TEXTS)
    int8_scorer = tiny_scorer(tiny_folder, "int8")
    assert int8_scorer._use_int8()
    int8 = int8_scorer.score(TEXTS)
    assert not np.array_equal(int8, fp32)
    np.testing.assert_allclose(int8, fp32, atol=0.02 * np.abs(fp32).max() + 1e-3)


def test_int8_refuses_bfloat16_compute(tiny_folder):
    scorer = tiny_scorer(tiny_folder, "fp32")
    ids = scorer.tokenizer_(TEXTS[:2])["input_ids"]
    with pytest.raises(ValueError, match="float32"):
        PackedBert(scorer.network_.encoder).mean_pooled(ids, torch.bfloat16, int8=True)


def test_without_avx2_int8_is_unsupported_and_the_scorer_runs_float32(tiny_folder, monkeypatch):
    monkeypatch.setattr(quantized, "cpu_flags", lambda: frozenset({"sse4_2"}))
    monkeypatch.setattr(scorer_module, "int8_supported", quantized.int8_supported)
    assert not quantized.int8_supported()
    asked = tiny_scorer(tiny_folder, "int8")
    assert not asked._use_int8()
    np.testing.assert_array_equal(asked.score(TEXTS), tiny_scorer(tiny_folder, "fp32").score(TEXTS))


def test_float_precisions_never_take_the_int8_path(tiny_folder):
    for precision in ("fp32", "bf16"):
        assert not tiny_scorer(tiny_folder, precision)._use_int8()


def test_auto_takes_int8_exactly_on_cpus_without_native_bf16_that_run_it(tiny_folder, monkeypatch):
    for native_bf16, int8_runs, expected in [(False, True, True), (True, True, False), (False, False, False)]:
        monkeypatch.setattr(scorer_module, "has_native_bf16", lambda v=native_bf16: v)
        monkeypatch.setattr(scorer_module, "int8_supported", lambda v=int8_runs: v)
        assert tiny_scorer(tiny_folder, "auto")._use_int8() is expected


@needs_int8
def test_the_int8_path_quantises_every_linear_layer_unless_told_to_keep_some_float(tiny_folder):
    scorer = tiny_scorer(tiny_folder, "fp32")
    ids = scorer.tokenizer_(TEXTS, truncation=True, max_length=64)["input_ids"]
    encoder = scorer.network_.encoder
    fp32 = PackedBert(encoder).mean_pooled(ids)
    every = PackedBert(encoder).mean_pooled(ids, int8=True)
    ffn_out_float = PackedBert(encoder, float_layers=("ffn_out",)).mean_pooled(ids, int8=True)
    assert not torch.equal(every, ffn_out_float)  # the FFN output layer is int8 by default
    assert (ffn_out_float - fp32).abs().mean() < (every - fp32).abs().mean()  # one rounding fewer
    all_float = PackedBert(encoder, float_layers=LINEAR_LAYERS).mean_pooled(ids, int8=True)
    torch.testing.assert_close(all_float, fp32, atol=1e-6, rtol=1e-6)  # nothing left in int8
