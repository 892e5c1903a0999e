"""Pairwise (Bradley-Terry) fine-tuning of the headline scorer: the training loop.

Loss per pair: weighted BCE on sigmoid(s(a) - s(b)) against the outcome (hard label, or the
posterior P(a's true rate is higher) with ``soft_labels``). Each step encodes the unique
headlines of a batch of pairs once. Early stopping and the calibration temperature use a
dev split carved by test group out of the training pairs (core.training.data), so the
validation split of :mod:`core.data.datasets` is touched only for the final metrics.

Multi-GPU: launched under ``torchrun --nproc_per_node=N -m core train``, each rank takes
every N-th batch and gradients are averaged by DistributedDataParallel.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from core.basics.settings import Settings, load_settings
from core.data.pairs import pair_contexts
from core.evaluation.validation import validation_metrics
from core.model.scorer import HeadlineScorer
from core.training.calibration import calibrated_dev_loss, reference_score
from core.training.config import Progress, TrainConfig, TrainingCancelled, TrainResult
from core.training.data import pairs_fit_dev
from core.training.provenance import git_commit, training_manifest


def _distributed() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    rank = torch.distributed.get_rank() if world > 1 else 0
    return rank, world


def initial_scorer(config: TrainConfig) -> HeadlineScorer:
    if config.init_from:
        scorer = HeadlineScorer.from_pretrained(config.init_from, precision=config.precision)
        scorer.temperature = 1.0
        return scorer
    scorer = HeadlineScorer.from_base(
        config.base_model or None,
        seed=config.seed,
        precision=config.precision,
        frozen_prefixes=config.frozen_prefixes,
        context=config.context,
        max_tokens=config.max_tokens,
    )
    if config.head_init == "zero":
        nn.init.zeros_(scorer.network_.head.weight)
        nn.init.zeros_(scorer.network_.head.bias)
    return scorer


def optimizer_and_schedule(scorer: HeadlineScorer, config: TrainConfig, total_steps: int):
    named = [(n, p) for n, p in scorer.network_.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in named if not n.startswith("head.")], "lr": config.lr},
        {"params": [p for n, p in named if n.startswith("head.")], "lr": config.head_lr},
    ]
    optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
    warmup = max(1, int(config.warmup_fraction * total_steps))

    def schedule(step: int) -> float:  # linear warm-up, then linear decay to zero
        return min((step + 1) / warmup, max(0.0, (total_steps - step) / max(1, total_steps - warmup)))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def batch_loss(scorer: HeadlineScorer, network: nn.Module, batch: pd.DataFrame) -> torch.Tensor:
    """Weighted pairwise BCE; each unique (headline, context) of the batch is encoded once."""
    contexts = scorer.contexts_for(len(batch), pair_contexts(batch))
    keys_a = list(zip(batch["headline_a"], contexts))
    keys_b = list(zip(batch["headline_b"], contexts))
    keys = sorted(set(keys_a) | set(keys_b))
    index = {k: i for i, k in enumerate(keys)}
    texts, key_contexts = [k[0] for k in keys], [k[1] for k in keys]
    with scorer._autocast():
        scores = network(**scorer.encode(texts, key_contexts)).float()  # (unique,)
    ia = torch.tensor([index[k] for k in keys_a], device=scores.device)
    ib = torch.tensor([index[k] for k in keys_b], device=scores.device)
    logits = scores[ia] - scores[ib]  # (batch,)
    target = torch.tensor(batch["target"].to_numpy(np.float32), device=scores.device)
    weight = torch.tensor(batch["weight"].to_numpy(np.float32), device=scores.device)
    losses = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (losses * weight).sum() / weight.sum().clamp(min=1e-6)


def checkpoint_decision(dev_loss: float, lowest: float, tolerance: float) -> tuple[bool, bool]:
    """(improved, keep) for a new dev evaluation against the lowest dev loss so far.

    improved: lower by more than 1e-4 (resets patience). keep: this checkpoint becomes the
    one returned: it improved, or it is within ``tolerance`` of the lowest and, being
    later, has trained longer.
    """
    improved = dev_loss < lowest - 1e-4
    return improved, improved or dev_loss <= lowest + tolerance


def train(
    config: TrainConfig,
    settings: Settings | None = None,
    extra_pairs: pd.DataFrame | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    train_pairs: pd.DataFrame | None = None,
) -> TrainResult:
    """Fine-tune and return the best scorer (by dev log loss), calibrated, with its manifest.

    ``train_pairs`` replaces the archives' training split (tests pass a handful of pairs).
    """
    settings = settings or load_settings()
    commit = git_commit()  # now: the code that trains, not whatever HEAD is when it ends
    progress = progress or (lambda stage, done, total: None)
    should_stop = should_stop or (lambda: False)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    rank, world = _distributed()

    progress("loading data", 0, 1)
    pairs, fit, dev = pairs_fit_dev(config, settings, extra_pairs, train_pairs)

    progress("loading model", 0, 1)
    scorer = initial_scorer(config)
    network: nn.Module = scorer.network_
    if world > 1:
        network = nn.parallel.DistributedDataParallel(network)
    # Every rank takes the same number of steps: DDP hangs if one rank runs an extra backward.
    steps_per_epoch = max(1, math.ceil(len(fit) / config.batch_pairs) // world)
    total_steps = max(1, int(config.epochs * steps_per_epoch))
    optimizer, scheduler = optimizer_and_schedule(scorer, config, total_steps)

    history: list[dict] = []
    best = {"loss": float("inf"), "state": None, "temperature": 1.0, "step": 0}
    bad_evals, step, started = 0, 0, time.perf_counter()
    rng = np.random.default_rng(config.seed)
    while step < total_steps:
        order = rng.permutation(len(fit))  # same seed on every rank: same order
        starts = list(range(0, len(order), config.batch_pairs))[rank::world][:steps_per_epoch]
        for start in starts:
            if step >= total_steps or bad_evals >= config.patience:
                break
            if should_stop():
                raise TrainingCancelled("training cancelled; nothing was written")
            network.train()
            loss = batch_loss(scorer, network, fit.iloc[order[start : start + config.batch_pairs]])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            progress("training", step, total_steps)
            if step % config.eval_every == 0 or step == total_steps:
                dev_loss, temperature, dev_acc = calibrated_dev_loss(scorer, dev)
                history.append(
                    {
                        "step": step,
                        "train_loss": float(loss.detach()),
                        "dev_log_loss": dev_loss,
                        "dev_accuracy": dev_acc,
                        "temperature": temperature,
                        "seconds": time.perf_counter() - started,
                    }
                )
                improved, keep = checkpoint_decision(dev_loss, best["loss"], config.select_tolerance)
                if keep:
                    state = {k: v.detach().clone() for k, v in scorer.network_.state_dict().items()}
                    lowest = min(dev_loss, best["loss"])
                    best.update(loss=lowest, state=state, temperature=temperature, step=step)
                bad_evals = 0 if improved else bad_evals + 1
        if bad_evals >= config.patience:
            break
    elapsed = time.perf_counter() - started

    if best["state"] is not None:
        scorer.network_.load_state_dict(best["state"])
    scorer.temperature = best["temperature"]
    progress("calibrating", 0, 1)
    scorer.reference_score = reference_score(scorer, fit, config.seed)
    progress("validating", 0, 1)
    metrics = validation_metrics(scorer, settings, config.split) if train_pairs is None else {}
    training = {
        "steps": step,
        "best_step": best["step"],
        "seconds": round(elapsed, 1),
        "pairs_per_second": round(step * config.batch_pairs / max(elapsed, 1e-9), 2),
        "device": str(scorer.device_),
        "world_size": world,
        "history": history,
    }
    manifest = training_manifest(config, settings, pairs, commit, training, metrics)
    scorer.manifest = manifest
    return TrainResult(scorer, manifest, history)
