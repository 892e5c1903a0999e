"""Retraining from editors' recorded outcomes, as a background job.

The job runs ``python -m core train --from-db --register`` in its own process (core.lifecycle.jobs): the
archives' training split plus every recorded outcome, warm-started from the active model (or the
base encoder, ``settings.retrain_warm_start``), on the GPU when there is one. The new model is
registered as a *candidate* only after training completed; promotion is a separate, compared
step (core.lifecycle.champion). A cancel, crash, kill or full disk leaves the active model and the
database as they were, and no folder behind.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import traceback
from pathlib import Path

import pandas as pd

from core.basics.settings import Settings
from core.basics.words import plural
from core.lifecycle import install, jobs, registry
from core.lifecycle.leftovers import TMP_PREFIX
from core.training.config import TrainConfig, TrainingCancelled
from core.training.recipe import train_recipe
from db.engine import transaction
from db.model_versions import get_model_version

KIND = "retrain"


# ----- launcher (the app's side) -------------------------------------------------------------
def retrain_args(settings: Settings) -> list[str]:
    """Arguments of ``python -m core train`` for a retrain under these settings."""
    args = [
        "train",
        "--from-db",
        "--register",
        "--epochs",
        str(settings.retrain_epochs),
        "--max-train-pairs",
        str(settings.retrain_max_train_pairs),
        # A clear result teaches more than a coin flip: weight every pair by |2 P(a better) - 1|.
        "--pair-weighting",
        "significance",
        "--editor-weight",
        str(settings.retrain_editor_weight),
    ]
    active = registry.active_version(settings)
    if settings.retrain_warm_start and active is not None:
        args += ["--init-from", str(registry.model_path(settings, active))]
    return args


def latest_job(settings: Settings) -> str | None:
    ids = jobs.job_ids(settings, KIND)
    return ids[0] if ids else None


def running_job(settings: Settings) -> str | None:
    return jobs.running_job(settings, KIND, retrain_status)


def start_retrain(settings: Settings, by: str | None = None, extra_args: list[str] | tuple = ()) -> str:
    """Start a retrain in the background; returns its job id. One at a time (CPU, model names)."""
    running = running_job(settings)
    if running:
        raise RuntimeError(f"a retrain is already running (job {running}); cancel it or wait")
    argv = retrain_args(settings) + list(extra_args) + (["--by", by] if by else [])
    return jobs.start(settings, KIND, argv, {"by": by})


def failure_words(message: str) -> str:
    """A failed job's message for editors: the error's own words, without the Python name of its
    type or an errno ("DataFormatError: cannot read …: [Errno 2] No such file or directory: 'x'"
    becomes "cannot read …: no such file or directory: 'x'")."""
    kind, _, words = message.partition(": ")
    if words and re.fullmatch(r"[A-Z]\w*(Error|Exception|Cancelled)", kind):
        message = words
    message = re.sub(r"\[Errno \d+\] (\w)", lambda m: m.group(1).lower(), message).strip()
    return f"{message}." if message and message[-1] not in ".!?" else message or "no reason was recorded."


def retrain_status(settings: Settings, job_id: str) -> dict:
    """The job's status; a worker that died while running is reported failed, its leftovers removed."""
    status = jobs.read_status(settings, job_id)
    if status["state"] in jobs.RUNNING and not status["alive"]:
        status.update(_settle_dead_worker(settings, status))
        folder = jobs.job_dir(settings, job_id)
        jobs.write_status(folder, {k: v for k, v in status.items() if k != "alive"})
    return status


def _settle_dead_worker(settings: Settings, status: dict) -> dict:
    if status.get("tmp_dir"):
        shutil.rmtree(status["tmp_dir"], ignore_errors=True)
    version = status.get("version")
    if version:
        with transaction(settings) as session:
            registered = get_model_version(session, version) is not None
        if registered:  # killed after the commit, before it could say so
            return {"state": "done", "message": f"registered {version} as a candidate"}
        shutil.rmtree(settings.models_dir / version, ignore_errors=True)  # renamed, never registered
    return {
        "state": "failed",
        "version": None,
        "message": "the training process stopped unexpectedly (killed or crashed); nothing was registered",
    }


def cancel_retrain(settings: Settings, job_id: str) -> None:
    jobs.request_cancel(settings, job_id)


def job_log(settings: Settings, job_id: str, chars: int = 4000) -> str:
    path = jobs.job_dir(settings, job_id) / "log.txt"
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


# ----- worker (the training process's side) --------------------------------------------------
def train_and_register(
    config: TrainConfig,
    settings: Settings,
    extra: pd.DataFrame | None,
    job_dir: Path | None = None,
    by: str | None = None,
) -> int:
    """Train, then save atomically and register a candidate; report through the job folder.

    Exit code: 0 registered, 1 failed, 3 cancelled.
    """
    job = jobs.Reporter(job_dir)
    started = time.monotonic()

    def check() -> None:
        if job.cancelled():
            raise TrainingCancelled("training cancelled; nothing was written")

    try:
        job.update(state="running", stage="loading data", pid=os.getpid())
        result = train_recipe(config, settings, extra, progress=job.progress, should_stop=job.cancelled)
        if int(os.environ.get("RANK", "0")) != 0:
            return 0  # under torchrun every rank trains; rank 0 alone saves and registers
        check()
        # The whole wait so far (loading, training, calibrating, validating): the next estimate's.
        result.manifest["training"]["job_seconds"] = round(time.monotonic() - started, 1)
        version = install.free_version(settings, result.manifest["version"])
        tmp = settings.models_dir / f"{TMP_PREFIX}{job_dir.name if job_dir else version}"
        # Written before the folders exist, so whoever finds this worker dead can remove them.
        job.update(stage="saving", step=0, total=1, version=version, tmp_dir=str(tmp))
        editors = result.manifest["data_fingerprint"]["editor_tests"]
        note = f"retrained on the archive plus {plural(editors, 'newsroom test')}"  # as the pages say it
        row = install.publish_model(settings, result.scorer, version, tmp, by, note, check)
    except TrainingCancelled:
        job.update(state="cancelled", stage="cancelled", version=None, message="cancelled; nothing was saved")
        return 3
    except Exception as exc:
        traceback.print_exc()
        job.update(state="failed", stage="failed", version=None, message=f"{type(exc).__name__}: {exc}")
        return 1
    job.update(state="done", stage="done", step=1, message=f"registered {row.version} as a candidate")
    print(f"registered {row.version} as a candidate in {registry.model_path(settings, row)}")
    return 0
