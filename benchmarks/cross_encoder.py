"""What does the pointwise design cost? A pairwise cross-encoder on the same data and budget.

    .venv/bin/python -m benchmarks.cross_encoder

The product's scorer gives each headline a score of its own, so any number of drafts is
ranked in one batch and LIME explains one headline at a time. A cross-encoder reads both
headlines of a pair at once ("A [SEP] B") and can compare them word by word, which is how
the Ars Technica series' models worked. This trains one on the shipped recipe's data,
dev split, optimiser, learning rates and budget (one epoch) and measures it on the
validation split beside the bundled model. It is made antisymmetric by construction:
logit(A beats B) = g(A, B) - g(B, A), with g the encoder reading "A [SEP] B", mean pooling
and a linear head. It is a measurement for the Ars target, not a product model. Writes
benchmarks/results/cross_encoder.json and .md; about 12 minutes on 2 CPU cores.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time

import numpy as np
import pandas as pd
import torch
from torch import nn

from benchmarks.ablations import metric_cells
from core.basics.settings import REPO_ROOT as ROOT
from core.basics.settings import load_settings
from core.data.datasets import DATASETS, dataset_split
from core.data.pairs import pair_contexts
from core.evaluation.metrics import evaluate_pairs
from core.lifecycle.champion import mcnemar
from core.model.scorer import HeadlineScorer
from core.training.calibration import fit_temperature
from core.training.config import TrainConfig
from core.training.data import pairs_fit_dev
from core.training.loop import optimizer_and_schedule

OUT = ROOT / "benchmarks" / "results"


def pair_logits(model: HeadlineScorer, a: list[str], b: list[str], grad: bool = False) -> torch.Tensor:
    """g(A, B) - g(B, A) per pair. (n,)"""
    with torch.set_grad_enabled(grad), model._autocast():
        g = model.network_(**model.encode(a + b, b + a)).float()  # (2n,)
    return g[: len(a)] - g[len(a) :]


def predict(model: HeadlineScorer, pairs: pd.DataFrame, batch: int = 256) -> np.ndarray:
    model.network_.eval()
    a, b = list(pairs["headline_a"]), list(pairs["headline_b"])
    parts = [
        pair_logits(model, a[i : i + batch], b[i : i + batch]).cpu().numpy() for i in range(0, len(a), batch)
    ]
    return np.concatenate(parts)


def trained_cross_encoder(config: TrainConfig, settings) -> tuple[HeadlineScorer, float, float]:
    """(model, temperature fitted on the dev split, seconds)."""
    torch.manual_seed(config.seed)
    _, fit, dev = pairs_fit_dev(config, settings)
    model = HeadlineScorer.from_base(
        seed=config.seed, context="excerpt", frozen_prefixes=config.frozen_prefixes
    )
    total = int(config.epochs * math.ceil(len(fit) / config.batch_pairs))
    optimizer, scheduler = optimizer_and_schedule(model, config, total)
    order = np.random.default_rng(config.seed).permutation(len(fit))
    started = time.perf_counter()
    for step in range(total):
        rows = fit.iloc[order[(step * config.batch_pairs) % len(fit) :][: config.batch_pairs]]
        model.network_.train()
        logits = pair_logits(model, list(rows["headline_a"]), list(rows["headline_b"]), grad=True)
        target = torch.tensor(rows["target"].to_numpy(np.float32))
        weight = torch.tensor(rows["weight"].to_numpy(np.float32))
        loss = (
            nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none") * weight
        ).sum()
        loss = loss / weight.sum().clamp(min=1e-6)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.network_.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step % 50 == 0:
            print(
                f"step {step}/{total} loss {float(loss.detach()):.3f} {time.perf_counter() - started:.0f}s",
                flush=True,
            )
    seconds = time.perf_counter() - started
    temperature = fit_temperature(predict(model, dev), dev["label"].to_numpy(float))
    return model, temperature, seconds


def main() -> int:
    settings = load_settings()
    config = TrainConfig(epochs=1.0)
    model, temperature, seconds = trained_cross_encoder(config, settings)
    bundled = HeadlineScorer.from_pretrained(settings.default_model_dir)
    record = {"train_seconds": seconds, "temperature": temperature, "archives": {}}
    lines = [
        "# Pointwise scorer against a pairwise cross-encoder",
        "",
        "Both from all-MiniLM-L6-v2 on the same training pairs, dev split, optimiser and budget "
        f"(one epoch; the cross-encoder took {seconds / 60:.0f} min on 2 CPU cores). Validation split; "
        "95% intervals resample whole tests. Produced by `benchmarks/cross_encoder.py`.",
        "",
        "| archive | model | accuracy (all) | accuracy (significant) | log loss |",
        "|---|---|---|---|---|",
    ]
    notes = []
    for name in DATASETS:
        valid = dataset_split(name, settings).valid
        p_cross = 1 / (1 + np.exp(-predict(model, valid) / temperature))
        p_point = bundled.pair_proba(
            list(valid["headline_a"]), list(valid["headline_b"]), pair_contexts(valid)
        )
        rows = {}
        for label, p in (("bundled pointwise scorer", p_point), ("cross-encoder", p_cross)):
            rows[label] = {k: dataclasses.asdict(v) for k, v in evaluate_pairs(valid, p, settings).items()}
            m = rows[label]
            lines.append(f"| {name} | {label} | {metric_cells(m)} |")
        y, sig = valid["label"].to_numpy() == 1, valid["significant"].to_numpy(bool)
        test = mcnemar(((p_point > 0.5) == y)[sig], ((p_cross > 0.5) == y)[sig])
        rows["mcnemar_significant"] = dataclasses.asdict(test)
        notes.append(
            f"- {name}, significant pairs: only the pointwise scorer right on {test.champion_only}, only the "
            f"cross-encoder on {test.challenger_only}; McNemar p = {test.p_value:.2f}."
        )
        record["archives"][name] = rows
    lines += ["", *notes, ""]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cross_encoder.json").write_text(json.dumps(record, indent=2) + "\n")
    (OUT / "cross_encoder.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
