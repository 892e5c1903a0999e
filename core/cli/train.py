"""``python -m core train``: fine-tune the scorer; every TrainConfig field is an option."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch

from core.basics.settings import Settings, load_settings
from core.cli.options import add_dataclass_arguments, dataclass_from_args, person_name
from core.data.datasets import DATASETS
from core.data.editor import editor_pairs
from core.lifecycle.retrain import train_and_register
from core.training.config import TrainConfig
from core.training.recipe import train_recipe
from db.engine import transaction

NEEDS_DATABASE = True  # --from-db and --register read and write it


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataclass_arguments(
        parser,
        TrainConfig,
        choices={
            "datasets": list(DATASETS),
            "pair_weighting": ["none", "significance"],
            "precision": ["auto", "fp32", "bf16"],
            "context": ["none", "excerpt"],
        },
    )
    parser.add_argument("--output", type=Path, help="model folder to write (default: models/<version>)")
    parser.add_argument(
        "--from-db", action="store_true", help="add editors' recorded outcomes from the database"
    )
    parser.add_argument(
        "--register", action="store_true", help="save into models/ and register as a candidate version"
    )
    parser.add_argument("--job-dir", type=Path, help="with --register: status file and cancel flag here")
    parser.add_argument("--by", type=person_name, help="with --register: who started the training")


def yield_to_editors(settings: Settings) -> None:
    """A background retrain runs at lower priority on bounded threads, so Compare stays live."""
    os.nice(max(0, settings.retrain_nice))
    torch.set_num_threads(max(1, settings.retrain_threads))


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return dataclass_from_args(TrainConfig, args)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    settings = load_settings()
    config = config_from_args(args)
    extra = None
    if args.from_db:
        with transaction(settings) as session:
            extra = editor_pairs(session, settings)
    if args.register:
        yield_to_editors(settings)
        return train_and_register(config, settings, extra, args.job_dir, args.by)
    bar = tqdm(total=1, unit="step", dynamic_ncols=True)

    def progress(stage: str, done: int, total: int) -> None:
        bar.set_description(stage)
        bar.total = total
        bar.n = done
        bar.refresh()

    result = train_recipe(config, settings, extra, progress)
    bar.close()
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun every rank trains the same weights; rank 0 alone saves
    out = args.output or settings.models_dir / result.manifest["version"]
    result.scorer.save_pretrained(out)
    print(json.dumps(result.manifest["validation_metrics"], indent=2))
    print(f"saved {out}")
    return 0
