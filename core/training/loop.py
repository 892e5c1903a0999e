"""Pairwise (Bradley-Terry) fine-tuning of the headline scorer.

Loss per pair: weighted BCE on sigmoid(s(a) - s(b)) against the outcome (hard label, or the
posterior P(a's true rate is higher) with ``soft_labels``). Each step encodes the unique
headlines of a batch of pairs once. Early stopping and the calibration temperature use a
dev split carved by test group out of the training pairs, so the validation split of
:mod:`core.data.datasets` is touched only for the final metrics.

Multi-GPU: launched under ``torchrun --nproc_per_node=N -m core train``, each rank takes
every N-th batch and gradients are averaged by DistributedDataParallel.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from core.basics.settings import REPO_ROOT, Settings, load_settings
from core.data.datasets import DATASETS, dataset_split
from core.data.pairs import pair_contexts
from core.data.splits import split_by_test
from core.model.scorer import HeadlineScorer

Progress = Callable[[str, int, int], None]


class TrainingCancelled(RuntimeError):
    """Raised inside the loop when ``should_stop`` says so; nothing is written."""


@dataclass(frozen=True)
class TrainConfig:
    datasets: tuple[str, ...] = DATASETS  # archives whose training split is used
    epochs: float = 2.0  # passes over the training pairs (early stopping may end sooner)
    lr: float = 4e-5  # encoder learning rate
    head_lr: float = 1e-3  # the linear head starts from scratch: larger steps
    batch_pairs: int = 32
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    pair_weighting: str = "none"  # "none" | "significance": weight |2 P(a better) - 1|
    soft_labels: bool = False  # target = posterior P(a better) instead of 0/1
    unrandomised_weight: float = 1.0  # weight of Upworthy pairs from the badly randomised window
    editor_weight: float = 1.0  # multiplier for editors' recorded outcomes
    max_train_pairs: int = 0  # subsample (0 = all) for quick ablations
    dev_fraction: float = 0.1  # of training pairs, by test group: early stopping + temperature
    eval_every: int = 150  # steps between dev evaluations
    patience: int = 4  # dev evaluations without improvement before stopping
    # The checkpoint kept is the last one within this much dev log loss of the best: on a
    # ~2,000-pair dev split smaller differences are noise, and the later one trained longer.
    select_tolerance: float = 0.002
    frozen_prefixes: tuple[str, ...] = ("encoder.embeddings.",)  # frozen: fewer weights to store
    context: str = "none"  # "excerpt": the encoder reads "headline [SEP] story excerpt"
    precision: str = "auto"  # bf16 autocast where the CPU/GPU supports it
    seed: int = 13
    # Seed of which pairs train (the max_train_pairs sample and the dev split; None: ``seed``).
    # Soup ingredients share it, so the averaged model is calibrated and checked on pairs
    # none of them trained on.
    data_seed: int | None = None
    # More seeds: one model each (same data, dev split and settings), weights averaged
    # (a uniform "model soup", core/soup.py). Empty: a single model.
    soup_seeds: tuple[int, ...] = ()
    init_from: str = ""  # warm start from a model folder; empty = the base encoder
    base_model: str = ""  # encoder folder; empty = the pip-installed all-MiniLM-L6-v2
    extra_pairs_note: str = field(default="", compare=False)


@dataclass
class TrainResult:
    scorer: HeadlineScorer
    manifest: dict
    history: list[dict]  # a single run's dev evaluations; a soup's are per ingredient, in the manifest


# ----- data ---------------------------------------------------------------------------------
def training_pairs(
    config: TrainConfig, settings: Settings, extra: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Training split of the chosen archives plus extra (editors') pairs, with a weight column."""
    frames = [dataset_split(name, settings).train for name in config.datasets]
    if extra is not None and len(extra):
        frames.append(extra.assign(editor=True))
    pairs = pd.concat(frames, ignore_index=True)
    if "editor" not in pairs:
        pairs["editor"] = False
    pairs["editor"] = pairs["editor"].fillna(False).astype(bool)
    archive = ~pairs["editor"]
    if config.max_train_pairs and archive.sum() > config.max_train_pairs:
        # The cap thins the archive only: the few editor outcomes are what a retrain is for.
        keep = pairs[archive].sample(config.max_train_pairs, random_state=data_seed_of(config))
        pairs = pd.concat([keep, pairs[~archive]], ignore_index=True)
    return pairs.assign(weight=pair_weights(pairs, config), target=pair_targets(pairs, config))


def data_seed_of(config: TrainConfig) -> int:
    """The seed that picks the training sample and the dev split."""
    return config.seed if config.data_seed is None else config.data_seed


def pair_weights(pairs: pd.DataFrame, config: TrainConfig) -> np.ndarray:
    weight = np.ones(len(pairs))
    if config.pair_weighting == "significance":
        weight = np.abs(2 * pairs["prob_a_better"].to_numpy(float) - 1)
    weight = np.where(pairs["unrandomised"].to_numpy(bool), weight * config.unrandomised_weight, weight)
    return np.where(pairs["editor"].to_numpy(bool), weight * config.editor_weight, weight)


def pair_targets(pairs: pd.DataFrame, config: TrainConfig) -> np.ndarray:
    return pairs["prob_a_better" if config.soft_labels else "label"].to_numpy(float)


def data_fingerprint(pairs: pd.DataFrame) -> dict:
    """Which tests trained the model: counts per source and a hash of the sorted test ids."""
    tests = sorted(pairs["test_id"].unique())
    return {
        "pairs": len(pairs),
        "tests": len(tests),
        "tests_by_source": {str(k): int(v) for k, v in pairs.groupby("source")["test_id"].nunique().items()},
        "editor_tests": int(pairs.loc[pairs["editor"], "test_id"].nunique()),
        "archive_tests": int(pairs.loc[~pairs["editor"], "test_id"].nunique()),
        # Editor tests are few: listed, so champion vs challenger can hold out the ones not trained on.
        "editor_test_ids": sorted(map(str, pairs.loc[pairs["editor"], "test_id"].unique())),
        "test_ids_sha256": hashlib.sha256("\n".join(tests).encode()).hexdigest(),
    }


def git_commit() -> str:
    """HEAD commit, with '+dirty' when the working tree differs (the code is then not exactly it)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


# ----- evaluation helpers -------------------------------------------------------------------
def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """Scalar T minimising log loss of sigmoid(logits / T); golden-section search on log T."""

    def loss(log_t: float) -> float:
        p = 1 / (1 + np.exp(-logits / math.exp(log_t)))
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(-np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)))

    lo, hi = math.log(0.05), math.log(50.0)
    g = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if loss(a) < loss(b):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


def pair_logits(scorer: HeadlineScorer, pairs: pd.DataFrame) -> np.ndarray:
    """Untempered s(a) - s(b) for each pair. (n,)"""
    margins = scorer.pair_margins(list(pairs["headline_a"]), list(pairs["headline_b"]), pair_contexts(pairs))
    return margins * scorer.temperature


def quick_metrics(p: np.ndarray, pairs: pd.DataFrame) -> dict:
    """Accuracy on all and significant pairs and log loss, with counts."""
    y = pairs["label"].to_numpy(int)
    sig = pairs["significant"].to_numpy(bool)
    correct = (p > 0.5) == (y == 1)
    pc = np.clip(p, 1e-7, 1 - 1e-7)
    return {
        "pairs": int(len(y)),
        "significant_pairs": int(sig.sum()),
        "accuracy": float(correct.mean()),
        "accuracy_significant": float(correct[sig].mean()) if sig.any() else float("nan"),
        "log_loss": float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))),
    }


# ----- training loop ------------------------------------------------------------------------
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
    return HeadlineScorer.from_base(
        config.base_model or None,
        seed=config.seed,
        precision=config.precision,
        frozen_prefixes=config.frozen_prefixes,
        context=config.context,
    )


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


def pairs_fit_dev(
    config: TrainConfig,
    settings: Settings,
    extra_pairs: pd.DataFrame | None = None,
    train_pairs: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(all training pairs with weight and target, the part trained on, the dev part).

    The dev part is split off by test group with :func:`data_seed`.
    """
    if train_pairs is not None:
        pairs = train_pairs.assign(editor=False)
        pairs = pairs.assign(weight=pair_weights(pairs, config), target=pair_targets(pairs, config))
    else:
        pairs = training_pairs(config, settings, extra_pairs)
    split = split_by_test(pairs, config.dev_fraction, data_seed_of(config))
    if len(split.valid) == 0:  # tiny data: early-stop on the training pairs themselves
        return pairs, split.train, split.train
    return pairs, split.train, split.valid


def reference_score(scorer: HeadlineScorer, fit: pd.DataFrame, seed: int) -> float:
    """Mean score of up to 2,000 distinct training headlines: LIME's 'typical headline'."""
    sample = pd.concat(
        [
            fit[["headline_a"]].set_axis(["headline"], axis=1),
            fit[["headline_b"]].set_axis(["headline"], axis=1),
        ]
    )
    if "excerpt" in fit:
        sample["excerpt"] = pd.concat([fit["excerpt"], fit["excerpt"]]).to_numpy()
    sample = sample.drop_duplicates().sample(min(len(sample), 2000), random_state=seed)
    return float(np.mean(scorer.score(list(sample["headline"]), pair_contexts(sample))))


def validation_metrics(scorer: HeadlineScorer, settings: Settings) -> dict:
    """quick_metrics on each archive's validation split, keyed by archive."""
    metrics = {}
    for name in DATASETS:
        valid = dataset_split(name, settings).valid
        p = scorer.pair_proba(list(valid["headline_a"]), list(valid["headline_b"]), pair_contexts(valid))
        metrics[name] = quick_metrics(p, valid)
    return metrics


def checkpoint_decision(dev_loss: float, lowest: float, tolerance: float) -> tuple[bool, bool]:
    """(improved, keep) for a new dev evaluation against the lowest dev loss so far.

    improved: lower by more than 1e-4 (resets patience). keep: this checkpoint becomes the
    one returned: it improved, or it is within ``tolerance`` of the lowest and, being
    later, has trained longer.
    """
    improved = dev_loss < lowest - 1e-4
    return improved, improved or dev_loss <= lowest + tolerance


def calibrated_dev_loss(scorer: HeadlineScorer, dev: pd.DataFrame) -> tuple[float, float, float]:
    """(tempered dev log loss, temperature, dev accuracy)."""
    logits = pair_logits(scorer, dev)
    y = dev["label"].to_numpy(float)
    temperature = fit_temperature(logits, y)
    m = quick_metrics(1 / (1 + np.exp(-logits / temperature)), dev)
    return m["log_loss"], temperature, m["accuracy"]


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
    metrics = validation_metrics(scorer, settings) if train_pairs is None else {}
    manifest = {
        "version": datetime.now(UTC).strftime("v%Y%m%d-%H%M%S"),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "data_fingerprint": data_fingerprint(pairs),
        "settings": {
            **dataclasses.asdict(config),
            "split_seed": settings.seed,
            "validation_fraction": settings.validation_fraction,
        },
        "training": {
            "steps": step,
            "best_step": best["step"],
            "seconds": round(elapsed, 1),
            "pairs_per_second": round(step * config.batch_pairs / max(elapsed, 1e-9), 2),
            "device": str(scorer.device_),
            "world_size": world,
            "history": history,
        },
        "validation_metrics": metrics,
    }
    scorer.manifest = manifest
    return TrainResult(scorer, manifest, history)


# ----- command line -------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig()
    parser.add_argument("--output", type=Path, help="model folder to write (default: models/<version>)")
    parser.add_argument("--datasets", nargs="+", default=list(defaults.datasets), choices=DATASETS)
    parser.add_argument("--epochs", type=float, default=defaults.epochs)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--batch-pairs", type=int, default=defaults.batch_pairs)
    parser.add_argument("--pair-weighting", choices=["none", "significance"], default=defaults.pair_weighting)
    parser.add_argument("--soft-labels", action="store_true")
    parser.add_argument("--unrandomised-weight", type=float, default=defaults.unrandomised_weight)
    parser.add_argument("--max-train-pairs", type=int, default=defaults.max_train_pairs)
    parser.add_argument("--eval-every", type=int, default=defaults.eval_every)
    parser.add_argument("--patience", type=int, default=defaults.patience)
    parser.add_argument("--select-tolerance", type=float, default=defaults.select_tolerance)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--soup-seeds",
        type=int,
        nargs="*",
        default=list(defaults.soup_seeds),
        help="also train with these seeds and average the weights (a model soup)",
    )
    parser.add_argument(
        "--data-seed",
        type=int,
        default=None,
        help="seed of the training sample and dev split (default: --seed)",
    )
    parser.add_argument("--init-from", default="", help="warm-start from this model folder")
    parser.add_argument("--base-model", default="", help="encoder folder (default: all-MiniLM-L6-v2)")
    parser.add_argument("--editor-weight", type=float, default=defaults.editor_weight)
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16"], default=defaults.precision)
    parser.add_argument(
        "--context",
        choices=["none", "excerpt"],
        default=defaults.context,
        help="excerpt: the encoder reads the story excerpt after the headline",
    )
    parser.add_argument(
        "--from-db", action="store_true", help="add editors' recorded outcomes from the database"
    )
    parser.add_argument(
        "--register", action="store_true", help="save into models/ and register as a candidate version"
    )
    parser.add_argument("--job-dir", type=Path, help="with --register: status file and cancel flag here")
    parser.add_argument("--by", help="with --register: who started the training")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        datasets=tuple(args.datasets),
        epochs=args.epochs,
        lr=args.lr,
        batch_pairs=args.batch_pairs,
        pair_weighting=args.pair_weighting,
        soft_labels=args.soft_labels,
        unrandomised_weight=args.unrandomised_weight,
        max_train_pairs=args.max_train_pairs,
        eval_every=args.eval_every,
        patience=args.patience,
        select_tolerance=args.select_tolerance,
        seed=args.seed,
        data_seed=args.data_seed,
        soup_seeds=tuple(args.soup_seeds),
        init_from=args.init_from,
        base_model=args.base_model,
        editor_weight=args.editor_weight,
        precision=args.precision,
        context=args.context,
    )


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    settings = load_settings()
    config = config_from_args(args)
    extra = None
    if args.from_db:
        from core.lifecycle.retrain import editor_pairs  # database outcomes -> pairs

        extra = editor_pairs(settings)
    if args.register:
        from core.lifecycle.retrain import (
            train_and_register,  # background job: status file, atomic registration
        )

        return train_and_register(config, settings, extra, args.job_dir, args.by)
    bar = tqdm(total=1, unit="step", dynamic_ncols=True)

    def progress(stage: str, done: int, total: int) -> None:
        bar.set_description(stage)
        bar.total = total
        bar.n = done
        bar.refresh()

    from core.training.soup import (
        train_recipe,  # a soup trains several models (core.training.soup imports this module)
    )

    result = train_recipe(config, settings, extra, progress)
    bar.close()
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun every rank trains the same weights; rank 0 alone saves
    out = args.output or settings.models_dir / result.manifest["version"]
    result.scorer.save_pretrained(out)
    print(json.dumps(result.manifest["validation_metrics"], indent=2))
    print(f"saved {out}")
    return 0
