"""A uniform model soup: several fine-tuning runs of one recipe, their weights averaged.

Runs that differ only in seed (head initialisation and pair order) start from the same
pretrained encoder and stay in one basin of the loss, so the average of their weights is a
model of its own (Wortsman et al., "Model soups", 2022). It keeps most of an ensemble's
gain over a single run at the cost of one model at inference, which the LIME latency
budget needs. Every ingredient uses the same data (``data_seed``: training sample and dev
split), so the soup's temperature is fitted on pairs none of them trained on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd
import torch

from core.basics.settings import Settings, load_settings
from core.evaluation.validation import validation_metrics
from core.training.calibration import calibrated_dev_loss, reference_score
from core.training.config import Progress, TrainConfig, TrainResult
from core.training.data import data_seed_of, pairs_fit_dev
from core.training.loop import train
from core.training.provenance import new_version


def soup_seeds(config: TrainConfig) -> tuple[int, ...]:
    """The ingredients' seeds: the config's own first, duplicates dropped."""
    return tuple(dict.fromkeys((config.seed, *config.soup_seeds)))


def average_state(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Element-wise mean of state dicts with the same keys and shapes, in float32."""
    keys = set(states[0])
    if any(set(s) != keys for s in states[1:]):
        raise ValueError("cannot average models with different parameters")
    return {k: torch.stack([s[k].float() for s in states]).mean(0) for k in states[0]}


def _ingredient_summary(seed: int, result: TrainResult) -> dict:
    training = result.manifest["training"]
    kept = next((h for h in training["history"] if h["step"] == training["best_step"]), {})
    return {
        "seed": seed,
        "best_step": training["best_step"],
        "steps": training["steps"],
        "seconds": training["seconds"],
        "dev_log_loss": kept.get("dev_log_loss"),
        "history": training["history"],
        "validation_metrics": result.manifest["validation_metrics"],
    }


def train_soup(
    config: TrainConfig,
    settings: Settings | None = None,
    extra_pairs: pd.DataFrame | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    train_pairs: pd.DataFrame | None = None,
) -> TrainResult:
    """Train one model per seed of ``soup_seeds(config)`` and return their weight average."""
    settings = settings or load_settings()
    progress = progress or (lambda stage, done, total: None)
    seeds = soup_seeds(config)
    shared = dataclasses.replace(config, data_seed=data_seed_of(config), soup_seeds=())
    states, summaries, first = [], [], None
    for i, seed in enumerate(seeds):

        def step(stage: str, done: int, total: int, i: int = i) -> None:
            progress(f"model {i + 1} of {len(seeds)}: {stage}", done, total)

        result = train(
            dataclasses.replace(shared, seed=seed), settings, extra_pairs, step, should_stop, train_pairs
        )
        states.append({k: v.detach().cpu().clone() for k, v in result.scorer.network_.state_dict().items()})
        summaries.append(_ingredient_summary(seed, result))
        first = first or result

    progress("averaging", 0, 1)
    scorer = first.scorer
    scorer.network_.load_state_dict(average_state(states))
    _, fit, dev = pairs_fit_dev(shared, settings, extra_pairs, train_pairs)
    dev_loss, scorer.temperature, dev_accuracy = calibrated_dev_loss(scorer, dev)
    scorer.reference_score = reference_score(scorer, fit, config.seed)
    progress("validating", 0, 1)
    metrics = validation_metrics(scorer, settings, config.split) if train_pairs is None else {}
    version, created = new_version()
    # Code, data and settings are the first ingredient's (all share them); the rest is the soup's.
    manifest = {**first.manifest, "version": version, "created_at": created}
    manifest["settings"] = {**manifest["settings"], "soup_seeds": list(seeds[1:])}
    # Steps and dev history belong to each ingredient; the soup has its own dev figures.
    manifest["training"] = {
        "device": first.manifest["training"]["device"],
        "world_size": first.manifest["training"]["world_size"],
        "seconds": round(sum(s["seconds"] for s in summaries), 1),
        "soup": {"seeds": list(seeds), "dev_log_loss": dev_loss, "dev_accuracy": dev_accuracy},
        "ingredients": summaries,
    }
    manifest["validation_metrics"] = metrics
    scorer.manifest = manifest
    return TrainResult(scorer, manifest, [])
