"""Model versions: one immutable folder each under models/, one model_versions row each, and
which one the product serves (an explicit setting, else the active version, else models/default).

A version is written to a temporary folder beside its target, checked against its manifest,
renamed into place (atomic within one filesystem) and only then registered, so no reader sees
half a model, and a failure or kill at any point leaves no row (the job launcher removes what a
killed worker left, see core.lifecycle.retrain). Folders never change after registration, so promotion and
rollback are one transaction flipping the active row. The row keeps the sha256 of the manifest,
which lists the sha256 of every file: a model altered on disk is refused before it is activated.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from core.basics.settings import Settings
from core.lifecycle.install import register_default
from core.model.manifest import ModelLoadError, read_verified_manifest
from core.model.scorer import HeadlineScorer
from db.engine import transaction
from db.model_versions import (
    active_model_version,
    get_model_version,
    list_model_versions,
    model_events,
)
from db.schema import ModelVersion


def model_path(settings: Settings, row: ModelVersion) -> Path:
    """Rows store folders relative to models/, so the registry survives moving the project."""
    path = Path(row.path)
    return path if path.is_absolute() else settings.models_dir / path


def active_model_dir(settings: Settings) -> Path:
    """Folder of the model to serve now."""
    if settings.model_dir:
        return Path(settings.model_dir)
    active = active_version(settings)
    return model_path(settings, active) if active is not None else settings.default_model_dir


def active_version(settings: Settings) -> ModelVersion | None:
    """The active row; on first use the bundled default is registered and made active."""
    with transaction(settings) as session:
        active = active_model_version(session)
    if active is None:
        try:
            register_default(settings)
        except (ModelLoadError, OSError, SQLAlchemyError):
            # No usable default, no room to copy it, or a read-only database: models/default
            # is served as is (checked against its own seal when loaded).
            return None
        with transaction(settings) as session:
            active = active_model_version(session)
    return active


def versions(settings: Settings) -> list[ModelVersion]:
    """All registered versions, newest first (a new bundled default is registered first)."""
    # Listed without it; loading it says why (a read-only database cannot register it: listed still).
    with contextlib.suppress(ModelLoadError, OSError, SQLAlchemyError):
        register_default(settings)
    with transaction(settings) as session:
        return list_model_versions(session)


def get_version(settings: Settings, version: str) -> ModelVersion:
    with transaction(settings) as session:
        row = get_model_version(session, version)
    if row is None:
        raise ValueError(f"no model version {version!r}; see `python -m core models list`")
    return row


def events(settings: Settings, version: str | None = None) -> list:
    with transaction(settings) as session:
        return model_events(session, version)


def registered_manifest_sha256(row: ModelVersion) -> str | None:
    return (row.settings or {}).get("registry", {}).get("manifest_sha256")


def verify_model(settings: Settings, row: ModelVersion) -> dict:
    """The version's manifest, after checking it is the registered one and every file matches it."""
    path = model_path(settings, row)
    manifest = read_verified_manifest(path, registered_manifest_sha256(row))
    if manifest.get("version") != row.version:
        raise ModelLoadError(f"{path} holds version {manifest.get('version')!r}, not {row.version!r}")
    return manifest


def load_model(settings: Settings, row: ModelVersion, **kwargs) -> HeadlineScorer:
    """A registered version, loaded only if its manifest is the registered one (its sha256 is in
    the row) and every file matches the manifest; raises ModelLoadError."""
    verify_model(settings, row)
    return HeadlineScorer.from_pretrained(
        model_path(settings, row), registered_sha256=registered_manifest_sha256(row), **kwargs
    )


def serving_model(settings: Settings, **kwargs) -> tuple[Path, HeadlineScorer]:
    """The model to serve now, (folder, scorer), checked as strictly as on activation: the
    active version against its registered manifest, an explicit folder or models/default
    against the manifest's own seal. Raises ModelLoadError (never falls back to another model)
    and the database's errors when the registry cannot be read.
    """
    if settings.model_dir:
        directory = Path(settings.model_dir)
        return directory, HeadlineScorer.from_pretrained(directory, **kwargs)
    active = active_version(settings)
    if active is None:
        directory = settings.default_model_dir
        return directory, HeadlineScorer.from_pretrained(directory, **kwargs)
    return model_path(settings, active), load_model(settings, active, **kwargs)
