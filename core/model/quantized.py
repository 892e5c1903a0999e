"""int8 linear layers for the packed encoder on CPUs: weights per output channel, inputs per token.

Each linear layer's weight is quantised once to int8 with one symmetric scale per output
channel (row). At every call each input row (one token, (in,)) is divided by its own largest
absolute value, so that every row lies in [-1, 1]; PyTorch's fbgemm kernel
(``quantized::linear_dynamic``) then quantises the (tokens, in) matrix to uint8, multiplies in
integers and returns float32, which is scaled back row by row and given the bias.

Why per token: the kernel takes one input scale for the whole matrix, from its smallest and
largest value. Had the rows not been brought to one range, a text's score would depend on the
other texts scored with it (a draft's score moved by up to 0.04 in logit when another draft
was typed, and LIME's perturbed texts were scored in company). Two constant rows, +1 and -1 in
the first column, pin the matrix range to exactly [-1, 1], so the quantisation of a row
depends on that row alone. It is also more accurate: a token's small activations are no
longer rounded on the scale of another token's large ones.

On AVX2 (no VNNI) fbgemm multiplies with vpmaddubsw, whose 16-bit sums of two u8 x s8
products saturate above 32,767: with 8-bit inputs and weights up to 127 they do (errors of
15% of the output on random data). PyTorch's own dynamic quantisation gives inputs 7 bits
(``reduce_range``) instead; here weights get 7 bits (|q| <= 63, so 2 x 255 x 63 = 32,130
cannot saturate) and inputs keep 8.

The packed encoder uses it for every linear layer (Q/K/V, the attention output, the FFN's
input and output: nearly all of the matrix work); LayerNorm, softmax, GELU, embeddings and
pooling stay float32. The FFN output layer was float32 while inputs had one scale per matrix:
the long tail of its inputs (GELU outputs) cost 1.1 points on Ars then. benchmarks/results/numeric-paths.md
has the validation accuracy of this path beside fp32's.

The quantised-tensor functions are deprecated in recent PyTorch (they warn); torch is
pinned in requirements.txt and tests/test_quantized.py fails loudly if they change.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from core.model.hardware import cpu_flags

ENGINES = ("x86", "fbgemm")  # the engines with fast int8 kernels on x86-64 (AVX2 and up)


def int8_supported() -> bool:
    """fbgemm's int8 kernels run fast here: an x86-64 CPU with AVX2 and a build that has them."""
    return "avx2" in cpu_flags() and any(e in torch.backends.quantized.supported_engines for e in ENGINES)


def _use_fast_engine() -> None:
    if torch.backends.quantized.engine not in ENGINES:
        engine = next(e for e in ENGINES if e in torch.backends.quantized.supported_engines)
        torch.backends.quantized.engine = engine


WEIGHT_MAX = 63  # 7-bit weights: fbgemm's AVX2 products cannot saturate (see above)


def quantize_rows(weight: torch.Tensor, qmax: int = WEIGHT_MAX) -> tuple[torch.Tensor, torch.Tensor]:
    """(int8 weight, float32 scale per row): symmetric, weight ≈ int8 * scale[:, None], |int8| <= qmax."""
    weight = weight.detach().float()
    scale = (weight.abs().amax(dim=1) / qmax).clamp(min=1e-12)
    return torch.round(weight / scale[:, None]).clamp(-qmax, qmax).to(torch.int8), scale


class Int8Linear:
    """x W^T + b with int8 weights (per output channel) and int8 inputs (per token), optionally
    then exact GELU. (T, in) -> (T, out); each output row depends on its input row alone.

    The same call signature as core.model.packed_encoder's float linear layer; input and output
    are float32.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, reduce_range: bool = False) -> None:
        if weight.device.type != "cpu":
            raise ValueError("int8 linear layers run on the CPU only")
        _use_fast_engine()
        q, scale = quantize_rows(weight)
        self.reduce_range = reduce_range
        self.bias = bias.detach().float().contiguous()  # (out,): added after the per-token rescale
        with warnings.catch_warnings():  # quantised tensors are deprecated (torch is pinned)
            warnings.simplefilter("ignore", UserWarning)
            qweight = torch._make_per_channel_quantized_tensor(
                q, scale.double(), torch.zeros_like(scale, dtype=torch.long), 0
            )
            self.packed = torch.ops.quantized.linear_prepack(qweight, None)

    def __call__(self, x: torch.Tensor, gelu: bool = False) -> torch.Tensor:
        x = x.float()
        scale = x.abs().amax(dim=1, keepdim=True).clamp(min=1e-12)  # (T, 1): each token's range
        unit = x.new_empty(x.shape[0] + 2, x.shape[1])  # (T + 2, in): every row in [-1, 1]
        torch.div(x, scale, out=unit[:-2])
        unit[-2:] = 0.0
        unit[-2, 0], unit[-1, 0] = 1.0, -1.0  # pin the matrix range (see the module's docstring)
        y = torch.ops.quantized.linear_dynamic(unit, self.packed, self.reduce_range)[:-2]  # (T, out)
        y = y.mul_(scale).add_(self.bias)  # in place: a fresh (T, out) pass costs more
        return F.gelu(y) if gelu else y
