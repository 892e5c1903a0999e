"""Learning from each recorded outcome: a fast update of the active model, as a candidate version.

After an outcome is recorded the app starts ``python -m core update`` in the background
(core.lifecycle.jobs). It refits the head of the active model's *base* (the last fully trained
model: an update is never stacked on an update) on every recorded outcome the base did not
train on (core.training.fast_update), writes the result as an ordinary model folder whose
manifest names its base, and registers it as a candidate. It becomes active only through the
champion/challenger rule (core.lifecycle.champion), automatically when
``settings.auto_promote_updates`` and the rule says it is not worse.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.basics.settings import Settings
from core.basics.words import plural
from core.data.editor import editor_pairs
from core.evaluation.validation import validation_metrics
from core.lifecycle import champion, install, jobs, registry
from core.training.fast_update import FastUpdateConfig, fast_update
from core.training.provenance import data_fingerprint, git_commit, new_version
from db.engine import transaction
from db.schema import ModelVersion

KIND = "update"


@dataclass(frozen=True)
class UpdateResult:
    version: str | None  # the registered candidate; None when there was nothing to learn
    message: str
    promoted: bool = False


def update_base(settings: Settings) -> tuple[ModelVersion, dict] | None:
    """(row, verified manifest) of the model an update starts from: the active one, or the base
    it was itself updated from."""
    active = registry.active_version(settings)
    if active is None:
        return None
    manifest = registry.verify_model(settings, active)
    base = (manifest.get("fast_update") or {}).get("base")
    if not base:
        return active, manifest
    try:
        row = registry.get_version(settings, base)
    except ValueError:  # the base was removed: start from the update itself
        return active, manifest
    return row, registry.verify_model(settings, row)


def unlearned_pairs(settings: Settings, base_manifest: dict) -> pd.DataFrame:
    """Recorded outcome pairs from tests the base did not train on."""
    with transaction(settings) as session:
        pairs = editor_pairs(session, settings)
    seen = set(map(str, base_manifest.get("data_fingerprint", {}).get("editor_test_ids", [])))
    return pairs[~pairs["test_id"].astype(str).isin(seen)].reset_index(drop=True)


def updated_manifest(base_manifest: dict, pairs: pd.DataFrame, report: dict, base: str) -> dict:
    """The base's manifest with this update's provenance: a new version, its code, its data."""
    version, created = new_version()
    fingerprint = dict(base_manifest.get("data_fingerprint", {}))
    seen = set(map(str, fingerprint.get("editor_test_ids", []))) | set(map(str, pairs["test_id"]))
    recorded = data_fingerprint(pairs.assign(editor=True))
    fingerprint.update(editor_test_ids=sorted(seen), editor_tests=len(seen), update_pairs=recorded["pairs"])
    return {
        **{k: v for k, v in base_manifest.items() if k not in ("files", "manifest_sha256")},
        "version": version,
        "created_at": created,
        "git_commit": git_commit(),
        "data_fingerprint": fingerprint,
        "fast_update": {**report, "base": base, "update_tests_sha256": recorded["test_ids_sha256"]},
    }


def update_and_register(
    settings: Settings, by: str | None = None, auto_promote: bool | None = None
) -> UpdateResult:
    """Fast-update the active model's base on the outcomes it has not learned; register a candidate."""
    config = FastUpdateConfig(min_pairs=settings.update_min_pairs)
    if settings.model_dir:
        return UpdateResult(
            None,
            f"the app serves the folder {settings.model_dir}, not a registered version: nothing to update",
        )
    found = update_base(settings)
    if found is None:
        return UpdateResult(None, "no active model to update")
    base, base_manifest = found
    pairs = unlearned_pairs(settings, base_manifest)
    if len(pairs) < config.min_pairs:  # said before the model is loaded: that takes seconds
        return UpdateResult(
            None,
            f"nothing to update yet: {plural(len(pairs), 'recorded headline pair')} that {base.version} has not "
            f"learned from; an update needs {config.min_pairs}",
        )
    scorer = registry.load_model(settings, base)
    result = fast_update(scorer, pairs, config)
    child = result.scorer
    child.manifest = updated_manifest(scorer.manifest, pairs, result.report, base.version)
    split = child.manifest.get("settings", {}).get("split", "test")
    child.manifest["validation_metrics"] = validation_metrics(child, settings, split)
    tests = result.report["tests"]
    row = install.publish_model(
        settings, child, by=by, note=f"fast update of {base.version} from {plural(tests, 'recorded test')}"
    )
    message = f"registered {row.version}: {base.version} updated on {plural(tests, 'recorded test')}"
    if not (settings.auto_promote_updates if auto_promote is None else auto_promote):
        return UpdateResult(row.version, message)
    comparison = champion.compare(settings, row.version)
    if not comparison.allowed:
        return UpdateResult(row.version, f"{message}; kept as a candidate: {'; '.join(comparison.reasons)}")
    champion.promote(settings, row.version, by=by or "automatic update", comparison=comparison)
    return UpdateResult(row.version, f"{message}; promoted (not worse than {comparison.champion})", True)


# ----- as a background job -------------------------------------------------------------------
def start_update(settings: Settings, by: str | None = None) -> str | None:
    """Start an update in the background; returns the job id, or None when one is running or
    when the served model is an explicit folder (``settings.model_dir``), which is not a
    registered version an update could follow."""
    if settings.model_dir:
        return None
    if jobs.running_job(settings, KIND):
        return None  # the running one reads the database when it starts: a later one follows
    return jobs.start(settings, KIND, ["update"] + (["--by", by] if by else []), {"by": by})


def latest_update(settings: Settings) -> dict | None:
    """The newest update job's status, or None."""
    ids = jobs.job_ids(settings, KIND)
    return jobs.read_status(settings, ids[0]) if ids else None


def run_update_job(settings: Settings, job_dir: Path | None, by: str | None) -> int:
    """The worker: exit 0 with a message in the job folder, 1 on failure."""
    job = jobs.Reporter(job_dir)
    job.update(state="running", stage="updating")
    try:
        result = update_and_register(settings, by)
    except Exception as exc:
        traceback.print_exc()
        job.update(state="failed", stage="failed", message=f"{type(exc).__name__}: {exc}")
        return 1
    job.update(state="done", stage="done", version=result.version, message=result.message)
    print(result.message)
    return 0
