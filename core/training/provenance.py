"""Where a trained model came from: the code (git commit), the data (a fingerprint of its tests)
and the settings, written into every manifest so any model on disk can be traced.
"""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
from datetime import UTC, datetime

import pandas as pd

from core.basics.settings import REPO_ROOT, Settings
from core.training.config import TrainConfig


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


def new_version() -> tuple[str, str]:
    """(version name, ISO timestamp) for a model created now."""
    now = datetime.now(UTC)
    return now.strftime("v%Y%m%d-%H%M%S"), now.isoformat(timespec="seconds")


def training_manifest(
    config: TrainConfig,
    settings: Settings,
    pairs: pd.DataFrame,
    commit: str,
    training: dict,
    metrics: dict,
) -> dict:
    """The manifest of a freshly trained model (a single run or a soup): code, data, settings,
    how training went, and validation metrics."""
    version, created = new_version()
    return {
        "version": version,
        "created_at": created,
        "git_commit": commit,
        "data_fingerprint": data_fingerprint(pairs),
        "settings": {
            **dataclasses.asdict(config),
            "split_seed": settings.seed,
            "validation_fraction": settings.validation_fraction,
            "forward_fraction": settings.forward_fraction,
        },
        "training": training,
        "validation_metrics": metrics,
    }
