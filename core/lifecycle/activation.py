"""Which version is served: activation after a load check, and rollback to an earlier one."""

from __future__ import annotations

from core.basics.settings import Settings
from core.lifecycle.registry import get_version, load_model
from db.engine import transaction
from db.model_versions import (
    activate_model_version,
    active_model_version,
)
from db.schema import ModelVersion


def activate(
    settings: Settings,
    version: str,
    by: str | None,
    action: str,
    note: str | None = None,
    expected_active: str | None = None,
) -> ModelVersion:
    """Make ``version`` the active one, after loading it (a tampered or broken model is refused).

    ``expected_active``: refuse if another version became active since the caller compared.
    """
    row = get_version(settings, version)
    if row.status == "active":
        raise ValueError(f"{version} is already the active model")
    load_model(settings, row)  # raises ModelLoadError: nothing changes
    with transaction(settings) as session:
        current = active_model_version(session)
        if expected_active is not None and (current.version if current else None) != expected_active:
            now_active = current.version if current else None
            raise RuntimeError(
                f"the active model changed to {now_active} since the comparison; compare again"
            )
        return activate_model_version(session, version, by, action, note)


def rollback(
    settings: Settings, version: str, by: str | None = None, reason: str | None = None
) -> ModelVersion:
    """Serve an earlier (retired) version again; its folder is unchanged, so are its scores."""
    row = get_version(settings, version)
    if row.status != "retired":
        raise ValueError(
            f"{version} is {row.status}: only a version that was active before can be rolled back to "
            "(a candidate is promoted after a comparison)"
        )
    if not (by or "").strip():  # it changes the model every editor is served: someone answers for it
        raise ValueError("a rollback needs who does it (by)")
    return activate(settings, version, by, "rollback", reason)
