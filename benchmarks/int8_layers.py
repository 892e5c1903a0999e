"""Which linear layers the int8 path quantises: all four per layer, or all but the FFN output.

    python -m benchmarks.int8_layers [--model DIR] [--rounds 5]

Until 2026-11-30 the FFN output layer stayed float32 on the int8 path: with one input scale
per matrix, the long tail of its inputs (GELU outputs) had cost 1.1 points on Ars. Inputs are
now scaled per token, so this measures the choice again, for both variants of the same model:

- validation accuracy on both archives (all and significant pairs) beside fp32's, under the
  rule of numeric_paths.py (a path ships only within 0.5 points of fp32 on every figure);
- LIME fidelity at the app's sample count against the cached 5,000-sample fp32 reference
  (lime_fidelity.py; targets Spearman >= 0.97, top-3 >= 0.85);
- time to score the 10 drafts of bench.py and one LIME explanation of its 12-word headline,
  the two variants measured in alternation, round after round, so that a slow spell of this
  shared machine falls on both. Medians per round and over all rounds are reported.

Writes benchmarks/results/int8-layers-<cpu kind>.md and .json.
"""

from __future__ import annotations

import argparse
import statistics
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bench import DRAFTS, TWELVE_WORDS, median_seconds, write_results
from benchmarks.lime_fidelity import ROOT, SEED, evaluate, load_headlines, load_scorer, reference_weights
from benchmarks.numeric_paths import MAX_DROP_POINTS, accuracies, worst_drop_points
from core.basics.settings import load_settings
from core.model.hardware import cpu_kind, describe_cpu
from core.model.packed_encoder import PackedBert
from core.newsroom.explain import word_weights

VARIANTS = {  # name: layers kept float32 on the int8 path
    "int8, every linear layer (shipped)": (),
    "int8, FFN output float32 (before)": ("ffn_out",),
}
ACCURACY_KEYS = ("upworthy_all", "upworthy_significant", "ars_all", "ars_significant")


def variant_scorers(model_dir: Path) -> dict:
    scorers = {}
    for name, float_layers in VARIANTS.items():
        scorer = load_scorer(model_dir, "int8")
        scorer.packed_ = PackedBert(scorer.network_.encoder, float_layers=float_layers)
        scorers[name] = scorer
    return scorers


def alternating_times(scorers: dict, samples: int, rounds: int) -> dict:
    """{variant: {"drafts_ms": [per round], "lime_s": [per round]}}, variants alternating."""
    times = {name: {"drafts_ms": [], "lime_s": []} for name in scorers}
    for _ in range(rounds):
        for name, s in scorers.items():
            times[name]["drafts_ms"].append(1000 * median_seconds(lambda s=s: s.score(DRAFTS), 40))
            times[name]["lime_s"].append(
                median_seconds(lambda s=s: word_weights(TWELVE_WORDS, s.predict_proba, samples, SEED), 5, 1)
            )
    return times


def markdown(report: dict) -> str:
    fp32 = report["fp32_accuracy"]
    lines = [
        "# Which linear layers the int8 path quantises",
        "",
        f"CPU: {report['cpu']}. Model `{report['model']}`; measured {report['measured_at']} by "
        f"`python -m benchmarks.int8_layers`. Accuracy: validation pairs, Δ in points against fp32 "
        f"(a path ships only within {MAX_DROP_POINTS} points). LIME: {report['samples']} samples "
        "(the app's setting) against the 5,000-sample fp32 reference over 50 archive headlines. "
        f"Times: the variants alternated for {report['rounds']} rounds; the median of the round "
        "medians, then each round's (indicative: the machine is shared).",
        "",
        "| variant | upworthy all | upworthy sig. | ars all | ars sig. | worst Δ (pts) | LIME Spearman | "
        "LIME top-3 | score 10 drafts (ms) | LIME (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| fp32 | "
        + " | ".join(f"{fp32[k]:.3f}" for k in ACCURACY_KEYS)
        + " | +0.00 | 1 (reference) | | | |",
    ]
    for name, row in report["variants"].items():
        acc, fid, t = row["accuracy"], row["lime_fidelity"], row["times"]
        lines.append(
            f"| {name} | "
            + " | ".join(f"{acc[k]:.3f}" for k in ACCURACY_KEYS)
            + f" | {row['worst_drop_points']:+.2f} | {fid['spearman_mean']:.3f} | {fid['top3_mean']:.2f} | "
            f"{statistics.median(t['drafts_ms']):.1f} ({', '.join(f'{x:.0f}' for x in t['drafts_ms'])}) | "
            f"{statistics.median(t['lime_s']):.3f} ({', '.join(f'{x:.2f}' for x in t['lime_s'])}) |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    samples = load_settings().lime_samples
    fp32 = load_scorer(args.model, "fp32")
    headlines = load_headlines()
    reference = reference_weights(fp32, headlines)
    fp32_accuracy = {k: accuracies(fp32)[k] for k in ACCURACY_KEYS}
    scorers = variant_scorers(args.model)
    variants = {}
    for name, scorer in scorers.items():
        accuracy = accuracies(scorer)
        variants[name] = {
            "float_layers": list(VARIANTS[name]),
            "accuracy": accuracy,
            "worst_drop_points": worst_drop_points(accuracy, fp32_accuracy),
            "lime_fidelity": evaluate(scorer, headlines, reference, samples, repeat=1),
        }
    for name, times in alternating_times(scorers, samples, args.rounds).items():
        variants[name]["times"] = times
    model = args.model.resolve()
    report = {
        "cpu": describe_cpu(),
        "model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
        "model_version": fp32.version,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "samples": samples,
        "rounds": args.rounds,
        "fp32_accuracy": fp32_accuracy,
        "variants": variants,
    }
    write_results(f"int8-layers-{cpu_kind()}", report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
