"""Would ONNX Runtime score drafts faster than the shipped path? Measured, not adopted.

    pip install onnxruntime onnx   # not in requirements.txt: only this benchmark uses them
    .venv/bin/python -m benchmarks.onnx_runtime [--model DIR] [--rounds 5]

Exports the served scorer (encoder, masked mean pooling, head) to ONNX with PyTorch's
TorchScript exporter, fuses it with ONNX Runtime's BERT optimiser (bias + GELU, skip +
LayerNorm), quantises it dynamically to int8 (per-channel 7-bit weights, as the shipped path
does on AVX2), and times scoring the 10 drafts of ``benchmarks.bench`` against the shipped
path (``HeadlineScorer.score``), alternating the two, tokenisation included in both. Also
reports how far each path's raw scores are from fp32 PyTorch. Writes
benchmarks/results/onnx-runtime-<cpu kind>.md/.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
import torch

from benchmarks.bench import DRAFTS, median_seconds, write_results
from core.basics.settings import load_settings
from core.model.hardware import cpu_kind, describe_cpu
from core.model.scorer import HeadlineScorer

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


class _Network(torch.nn.Module):
    """The scorer's network with positional inputs, as the exporter wants. (b, t) x 3 -> (b,)"""

    def __init__(self, network: torch.nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.network(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)


def int8_session(scorer: HeadlineScorer, folder: Path):
    """An ONNX Runtime session of the scorer: exported, fused, quantised to int8; and fp32."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    encoded = scorer.encode(DRAFTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"score": {0: "batch"}}
    torch.onnx.export(
        _Network(scorer.network_).eval(),
        tuple(encoded[name] for name in INPUTS),
        folder / "fp32.onnx",
        input_names=INPUTS,
        output_names=["score"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    config = scorer.network_.encoder.config
    fused = optimizer.optimize_model(
        str(folder / "fp32.onnx"),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
    )
    fused.save_model_to_file(str(folder / "fused.onnx"))
    quantize_dynamic(
        folder / "fused.onnx",
        folder / "int8.onnx",
        per_channel=True,
        reduce_range=True,  # 7-bit: AVX2's u8 x s8 sums would saturate otherwise
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": 1},  # float, for outputs of fused operators
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    return ort.InferenceSession(str(folder / "int8.onnx"), options, providers=["CPUExecutionProvider"])


def onnx_scores(session, scorer: HeadlineScorer) -> np.ndarray:
    """(10,) raw scores of the drafts through ONNX Runtime, tokenised as the scorer does."""
    encoded = scorer.encode(DRAFTS)
    return session.run(None, {name: encoded[name].numpy() for name in INPUTS})[0]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=load_settings().default_model_dir)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scorer = HeadlineScorer.from_pretrained(args.model)
    with tempfile.TemporaryDirectory() as folder:
        session = int8_session(scorer, Path(folder))
    with torch.inference_mode():
        fp32 = scorer.network_(**scorer.encode(DRAFTS)).numpy()
    shipped = scorer.score(DRAFTS) * scorer.temperature
    times: dict[str, list[float]] = {"shipped": [], "onnx_int8": []}
    for _ in range(args.rounds):  # alternated: this machine's speed drifts within the hour
        times["shipped"].append(1000 * median_seconds(lambda: scorer.score(DRAFTS), 40))
        times["onnx_int8"].append(1000 * median_seconds(lambda: onnx_scores(session, scorer), 40))
    report = {
        "cpu": describe_cpu(),
        "model": str(args.model),
        "ms_10_drafts": {k: statistics.median(v) for k, v in times.items()},
        "ms_10_drafts_rounds": times,
        "max_abs_from_fp32": {
            "shipped": float(np.abs(shipped - fp32).max()),
            "onnx_int8": float(np.abs(onnx_scores(session, scorer) - fp32).max()),
        },
    }
    write_results(f"onnx-runtime-{cpu_kind()}", report, markdown(report))
    return 0


def markdown(r: dict) -> str:
    rows = [
        "# ONNX Runtime int8 against the shipped path: 10 drafts",
        "",
        f"CPU: {r['cpu']}",
        "",
        "Produced by `python -m benchmarks.onnx_runtime` (rounds alternated; median of 40 calls each).",
        "",
        "| path | ms, median of rounds | each round | largest raw-score gap to fp32 |",
        "|---|---|---|---|",
    ]
    names = {"shipped": "shipped (HeadlineScorer.score)", "onnx_int8": "ONNX Runtime, fused, int8"}
    for key, name in names.items():
        rounds = ", ".join(f"{t:.1f}" for t in r["ms_10_drafts_rounds"][key])
        rows.append(
            f"| {name} | {r['ms_10_drafts'][key]:.1f} | {rounds} | {r['max_abs_from_fp32'][key]:.3f} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
