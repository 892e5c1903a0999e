"""Which model the product serves: an explicit setting, else the registry's active version,
else the bundled default in models/default."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from db.engine import get_sessionmaker
from db.queries import active_model_version


def active_model_dir(settings: Settings) -> Path:
    """Folder of the model to serve now."""
    if settings.model_dir:
        return Path(settings.model_dir)
    with get_sessionmaker(settings).begin() as session:
        active = active_model_version(session)
        if active is not None:
            return Path(active.path)
    return settings.default_model_dir
