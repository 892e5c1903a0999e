"""Padding-free BERT inference: each linear layer runs once over every token of every text.

Headlines are short and of mixed length. Padded into a (batch, tokens) grid they waste
work, and each small batch pays fixed per-call costs in every one of the encoder's ~100
operations. Here texts are sorted by token length and their tokens stacked into one
(tokens, hidden) matrix. Linear layers, GELU and LayerNorm act per token, so they run on
that matrix directly, as one large matrix product each; only attention needs sequences,
and it runs per group of equal-length texts, which needs no mask. The arithmetic is the
Hugging Face BERT forward's (tests compare the two), minus the padding.

Used for inference only; training runs the Hugging Face module, whose parameters this
reads (cast copies are cached and refreshed when a parameter changes in place).
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from core.model.hardware import onednn_bf16_supported
from core.model.quantized import Int8Linear

# Tokens per forward chunk. Activations of ~2k tokens (2048 x 1536 bf16 = 6 MB) stay in
# cache between operations; on 2 cores 2,048 ran LIME's batch 7% faster than 16,384 and
# 2% faster than 1,024 (benchmarks/results/speed-cpu.md has the end-to-end figures).
CHUNK_TOKENS = 2048


def supports(encoder: nn.Module) -> bool:
    """True for the plain post-LayerNorm BERT this module reimplements (MiniLM is one)."""
    config = encoder.config
    return (
        config.model_type == "bert"
        and getattr(config, "position_embedding_type", "absolute") == "absolute"
        and config.hidden_act == "gelu"
        and not getattr(config, "is_decoder", False)
    )


LINEAR_LAYERS = ("qkv", "att_out", "ffn_in", "ffn_out")  # each layer's four products


class PackedBert:
    """Mean-pooled BERT embeddings of token-id lists, without padding. Inference only.

    float_layers: names from LINEAR_LAYERS that stay float32 on the int8 path (none by
    default; benchmarks/int8_layers.py measures the choice).
    """

    def __init__(self, encoder: nn.Module, float_layers: tuple[str, ...] = ()) -> None:
        self.encoder = encoder
        self.float_layers = float_layers

    def __deepcopy__(self, memo: dict) -> PackedBert:
        """A copy over a copy of the encoder, without the cast weights: they are rebuilt on first
        use, and oneDNN's reordered bf16 weights cannot be copied (their storage is opaque).
        ``memo`` makes it the same encoder object as a scorer's copied network."""
        return PackedBert(copy.deepcopy(self.encoder, memo), self.float_layers)

    # ----- weights ------------------------------------------------------------------------
    def _weights(self, dtype: torch.dtype, int8: bool = False) -> dict:
        """Per-layer weights in dtype, Q/K/V fused; rebuilt when any parameter changed.

        A parameter's ``_version`` grows with every in-place update (optimizer steps,
        load_state_dict), so a scorer scored during training never sees stale copies.
        """
        params = list(self.encoder.parameters())
        key = (dtype, int8, tuple((p.data_ptr(), p._version) for p in params))
        if getattr(self, "cache_key_", None) != key:
            self.weights_ = self._cast_weights(dtype, int8)
            self.cache_key_ = key
        return self.weights_

    def _cast_weights(self, dtype: torch.dtype, int8: bool = False) -> dict:
        emb = self.encoder.embeddings
        device = emb.word_embeddings.weight.device

        def linear(name: str, dense: nn.Linear | list[nn.Linear]):
            dense = dense if isinstance(dense, list) else [dense]
            weight, bias = torch.cat([m.weight for m in dense]), torch.cat([m.bias for m in dense])
            if int8 and name not in self.float_layers:
                return Int8Linear(weight, bias)
            return _FloatLinear(weight, bias, dtype)

        with torch.no_grad():
            layers = []
            for layer in self.encoder.encoder.layer:
                att = layer.attention
                layers.append(
                    {
                        # Q, K and V in one product: (3h, h)
                        "qkv": linear("qkv", [att.self.query, att.self.key, att.self.value]),
                        "att_out": linear("att_out", att.output.dense),
                        "att_ln": att.output.LayerNorm,
                        "ffn_in": linear("ffn_in", layer.intermediate.dense),
                        "ffn_out": linear("ffn_out", layer.output.dense),
                        "ffn_ln": layer.output.LayerNorm,
                    }
                )
            return {
                "device": device,
                "word": emb.word_embeddings.weight,
                "position": emb.position_embeddings.weight,
                "types": emb.token_type_embeddings.weight,
                "emb_ln": emb.LayerNorm,
                "layers": layers,
            }

    # ----- forward ------------------------------------------------------------------------
    @torch.inference_mode()
    def mean_pooled(
        self,
        token_ids: list[list[int]],
        dtype: torch.dtype = torch.float32,
        type_ids: list[list[int]] | None = None,
        int8: bool = False,
    ) -> torch.Tensor:
        """(n, hidden) float32 mean of the last layer over each text's tokens, in input order.

        dtype is the compute precision (bfloat16 or float32); pooling is always float32.
        type_ids: BERT segment ids per token (0 headline, 1 context); all 0 when None.
        int8: linear layers in int8 (core.quantized, CPU only; dtype must be float32).
        """
        if int8 and dtype != torch.float32:
            raise ValueError("the int8 path computes everything else in float32")
        device = self.encoder.embeddings.word_embeddings.weight.device
        hidden = self.encoder.config.hidden_size
        out = torch.empty(len(token_ids), hidden, device=device)
        order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
        for chunk in _chunks(order, token_ids):
            types = None if type_ids is None else [type_ids[i] for i in chunk]
            out[torch.tensor(chunk, device=device)] = self._forward_sorted(
                [token_ids[i] for i in chunk], dtype, types, int8
            )
        return out

    def _forward_sorted(
        self, ids: list[list[int]], dtype: torch.dtype, type_ids: list[list[int]] | None, int8: bool = False
    ) -> torch.Tensor:
        """(n, hidden) pooled embeddings of texts sorted by length."""
        w = self._weights(dtype, int8)
        device = w["device"]
        groups = _length_groups([len(t) for t in ids])  # [(length, count)]
        flat = torch.tensor([tok for text in ids for tok in text], device=device)  # (T,)
        positions = torch.cat([torch.arange(length, device=device).repeat(count) for length, count in groups])
        if type_ids is None or not any(t for row in type_ids for t in row):
            segment = w["types"][0]  # (h,): every token in segment 0
        else:
            segment = w["types"][torch.tensor([t for row in type_ids for t in row], device=device)]
        x = w["word"][flat] + w["position"][positions] + segment  # (T, h) float32
        x = _layer_norm(x, w["emb_ln"]).to(dtype)
        heads = self.encoder.config.num_attention_heads
        for layer in w["layers"]:
            qkv = layer["qkv"](x)  # (T, 3h)
            context = _grouped_attention(qkv, groups, heads)  # (T, h)
            x = _layer_norm(layer["att_out"](context) + x, layer["att_ln"])
            inner = layer["ffn_in"](x, gelu=True)  # (T, intermediate)
            x = _layer_norm(layer["ffn_out"](inner) + x, layer["ffn_ln"])
        pooled, start = [], 0
        for length, count in groups:
            end = start + length * count
            pooled.append(x[start:end].view(count, length, -1).float().mean(1))  # (count, h)
            start = end
        return torch.cat(pooled)


def _layer_norm(x: torch.Tensor, norm: nn.LayerNorm) -> torch.Tensor:
    """LayerNorm with float32 statistics (as autocast does), returned in x's dtype."""
    if x.device.type == "cpu":
        # The CPU kernel takes float32 weights on a bf16 input and accumulates in float32,
        # without a float32 copy of x.
        return F.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps)
    # Elsewhere (CUDA; not timed here, no GPU was available) the plain, portable way.
    return F.layer_norm(x.float(), norm.normalized_shape, norm.weight, norm.bias, norm.eps).to(x.dtype)


class _FloatLinear:
    """x W^T + b in a fixed dtype, optionally followed by exact (erf) GELU. (T, in) -> (T, out).

    For bf16 on the CPU it calls oneDNN directly, the ops PyTorch's own compiler emits for
    a frozen linear layer: the weight is reordered once into oneDNN's blocked layout, and
    bias and GELU are applied inside the matrix product instead of as extra passes over
    the (T, out) result. On 2 cores that made LIME's batch ~12% faster than F.linear
    (+ a separate GELU). Elsewhere (float32, CUDA) it is F.linear. torch is pinned in
    requirements.txt, and tests compare both paths with the Hugging Face forward.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, dtype: torch.dtype) -> None:
        self.bias = bias.detach().to(dtype).contiguous()
        weight = weight.detach().to(dtype).contiguous()
        # oneDNN's bf16 kernels raise on CPUs without AVX512BW/VL/DQ or AVX-NE-CONVERT.
        self.onednn = weight.device.type == "cpu" and dtype == torch.bfloat16 and onednn_bf16_supported()
        # 2048: the typical rows per product (CHUNK_TOKENS); any row count works.
        self.weight = torch.ops.mkldnn._reorder_linear_weight(weight, CHUNK_TOKENS) if self.onednn else weight

    def __call__(self, x: torch.Tensor, gelu: bool = False) -> torch.Tensor:
        if self.onednn:
            return torch.ops.mkldnn._linear_pointwise(
                x, self.weight, self.bias, "gelu" if gelu else "none", [], "none"
            )
        y = F.linear(x, self.weight, self.bias)
        return F.gelu(y) if gelu else y


def _grouped_attention(qkv: torch.Tensor, groups: list[tuple[int, int]], heads: int) -> torch.Tensor:
    """Self-attention within each text. qkv: (T, 3h) rows grouped by length -> (T, h)."""
    hidden = qkv.shape[1] // 3
    dim = hidden // heads
    scale = 1.0 / math.sqrt(dim)
    parts, start = [], 0
    for length, count in groups:
        end = start + length * count
        # (count, length, 3, heads, dim) -> 3 x (count, heads, length, dim)
        q, k, v = qkv[start:end].view(count, length, 3, heads, dim).permute(2, 0, 3, 1, 4)
        scores = torch.matmul(q, k.transpose(-1, -2)) * scale  # (count, heads, length, length)
        probs = scores.softmax(-1)  # bf16 softmax accumulates in float32 internally
        context = torch.matmul(probs, v)  # (count, heads, length, dim)
        parts.append(context.transpose(1, 2).reshape(count * length, hidden))
        start = end
    return torch.cat(parts)


def _length_groups(lengths: list[int]) -> list[tuple[int, int]]:
    """[(length, count)] runs of equal length in a sorted list."""
    groups: list[tuple[int, int]] = []
    for length in lengths:
        if groups and groups[-1][0] == length:
            groups[-1] = (length, groups[-1][1] + 1)
        else:
            groups.append((length, 1))
    return groups


def _chunks(order: list[int], token_ids: list[list[int]]) -> list[list[int]]:
    """Split indices (sorted by length) into chunks of at most CHUNK_TOKENS tokens."""
    chunks: list[list[int]] = [[]]
    tokens = 0
    for i in order:
        if chunks[-1] and tokens + len(token_ids[i]) > CHUNK_TOKENS:
            chunks.append([])
            tokens = 0
        chunks[-1].append(i)
        tokens += len(token_ids[i])
    return [c for c in chunks if c]
