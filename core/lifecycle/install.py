"""Installing a model version: written to a temporary folder, checked, fsynced, renamed into
place and only then registered, so no reader ever sees half a model (see core.lifecycle.registry)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from core.basics.settings import Settings
from core.lifecycle.leftovers import TMP_PREFIX
from core.model.manifest import MANIFEST, ModelLoadError, read_verified_manifest, sha256_file, write_manifest
from core.model.scorer import HeadlineScorer
from db.engine import transaction
from db.model_versions import (
    activate_if_none_active,
    add_model_version,
    get_model_version,
)
from db.schema import ModelVersion

VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # also the folder name


def free_version(settings: Settings, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``-3``...: neither registered nor a folder yet."""
    if not VERSION_PATTERN.fullmatch(wanted):
        raise ValueError(f"model version {wanted!r} must be letters, digits, '.', '_' or '-'")
    with transaction(settings) as session:
        for n in range(1, 1000):
            version = wanted if n == 1 else f"{wanted}-{n}"
            if get_model_version(session, version) is None and not (settings.models_dir / version).exists():
                return version
    raise RuntimeError(f"no free version name for {wanted!r}")


def publish_model(
    settings: Settings,
    scorer: HeadlineScorer,
    version: str | None = None,
    tmp_dir: Path | None = None,
    by: str | None = None,
    note: str | None = None,
    check: Callable[[], None] | None = None,
) -> ModelVersion:
    """Save a trained scorer as a new version and register it as a candidate.

    ``check`` runs after the files are written and before anything becomes visible (a cancel
    raises there). The scorer's manifest gets the registered version, which is what
    ``scorer.version`` and so every stored prediction carries.
    """
    version = version or free_version(settings, scorer.version)
    return _install(
        settings,
        version,
        lambda folder: scorer.save_pretrained(folder, manifest={"version": version}),
        tmp_dir,
        by,
        note,
        check,
    )


def register_default(settings: Settings) -> ModelVersion | None:
    """Copy the bundled models/default into the registry once, active if nothing else is.

    A copy, not the folder itself: models/default is tracked by git and may be replaced by a
    newer bundled model, while a registered version must never change (rollback needs it).
    """
    default = settings.default_model_dir
    if settings.model_dir or not (default / MANIFEST).exists():
        return None  # with a model folder set explicitly the registry does not serve: leave it be
    try:
        version = str(json.loads((default / MANIFEST).read_text()).get("version") or "default")
    except ValueError as exc:
        raise ModelLoadError(f"{default / MANIFEST} is not valid JSON: {exc}") from exc
    with transaction(settings) as session:
        row = get_model_version(session, version)
    if row is None:
        # The folder as the project names it, not the server's absolute path: the note is on a page.
        shown = default.relative_to(settings.root) if default.is_relative_to(settings.root) else default
        note, target = f"bundled default model ({shown})", settings.models_dir / version
        try:
            if target.exists():  # copied before: a fresh database, or another process right now
                row = _register(settings, version, read_verified_manifest(target), "system", note)
            else:
                row = _install(
                    settings, version, lambda f: _copy_model(default, f, version), by="system", note=note
                )
        except (ValueError, IntegrityError, OSError):
            row = _wait_for_row(settings, version)  # another process was registering it at once?
            if row is None:
                raise
    with transaction(settings) as session:
        activate_if_none_active(session, version, "system", "bundled default: first model")
    return row


def _wait_for_row(settings: Settings, version: str, seconds: float = 5.0) -> ModelVersion | None:
    deadline = time.monotonic() + seconds
    while True:
        with transaction(settings) as session:
            row = get_model_version(session, version)
        if row is not None or time.monotonic() > deadline:
            return row
        time.sleep(0.1)


def _copy_model(source: Path, folder: Path, version: str) -> None:
    read_verified_manifest(source)  # a default still being written is not copied
    shutil.copytree(source, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    if manifest.get("version") != version:  # the manifest is not among its own checksums
        manifest["version"] = version
        write_manifest(folder, manifest)  # sealed again


def _install(
    settings: Settings,
    version: str,
    write: Callable[[Path], object],
    tmp_dir: Path | None = None,
    by: str | None = None,
    note: str | None = None,
    check: Callable[[], None] | None = None,
) -> ModelVersion:
    if not VERSION_PATTERN.fullmatch(version):
        raise ValueError(f"model version {version!r} must be letters, digits, '.', '_' or '-'")
    target = settings.models_dir / version
    tmp = tmp_dir or settings.models_dir / f"{TMP_PREFIX}{version}-{uuid.uuid4().hex[:8]}"
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    moved = False
    try:
        write(tmp)
        manifest = read_verified_manifest(tmp)  # complete, and every file matches its checksum
        _fsync_tree(tmp)
        if check is not None:
            check()
        os.rename(tmp, target)  # atomic; refuses a non-empty existing target
        moved = True
        _fsync_dir(settings.models_dir)
        return _register(settings, version, manifest, by, note)
    except BaseException:
        # Full disk, cancel, kill signal, lost race: nothing half-written may stay behind.
        shutil.rmtree(tmp, ignore_errors=True)
        if moved and not _registered(settings, version):  # not if another process adopted it
            shutil.rmtree(target, ignore_errors=True)
        raise


def _register(
    settings: Settings, version: str, manifest: dict, by: str | None, note: str | None
) -> ModelVersion:
    """The candidate row of a complete folder models/<version>."""
    if manifest.get("version") != version:
        raise ModelLoadError(f"{settings.models_dir / version} holds version {manifest.get('version')!r}")
    with transaction(settings) as session:
        fields = _row_fields(manifest, settings.models_dir / version)
        return add_model_version(session, version, version, **fields, by=by, note=note)


def _registered(settings: Settings, version: str) -> bool:
    try:
        with transaction(settings) as session:
            return get_model_version(session, version) is not None
    except Exception:  # the database is unreachable: then nobody registered it either
        return False


def _row_fields(manifest: dict, folder: Path) -> dict:
    base = manifest["base_model"]
    base_name = f"{base['package']}=={base.get('version', '')}" if "package" in base else str(base["path"])
    # git_commit() may say "<sha>+dirty"; the column holds a sha, the flag goes beside the settings.
    commit = str(manifest.get("git_commit") or "unknown")
    registry = {
        "manifest_sha256": sha256_file(folder / MANIFEST),
        "git_dirty": commit.endswith("+dirty"),
    }
    return {
        "base_model": base_name[-200:],
        "data_fingerprint": manifest.get("data_fingerprint", {}),
        "git_commit": commit.removesuffix("+dirty")[:40],
        "settings": {**manifest.get("settings", {}), "registry": registry},
        "metrics": manifest.get("validation_metrics", {}),
        "created_at": trained_at(manifest),
    }


def trained_at(manifest: dict) -> datetime | None:
    """When the manifest says the model was made, as aware UTC; None when it does not say
    (an older manifest) or says something that is not a time with its zone."""
    try:
        made = datetime.fromisoformat(str(manifest.get("created_at")))
    except ValueError:
        return None
    return made.astimezone(UTC) if made.tzinfo else None


def _fsync_tree(folder: Path) -> None:
    """Flush the files to disk before the rename publishes them (a power cut, not just a kill)."""
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
