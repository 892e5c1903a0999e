"""Rows of the model registry: versions, which one is active, and the events that changed it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from db.schema import (
    MODEL_ACTIONS,
    ModelEvent,
    ModelVersion,
    utcnow,
)

ACTIVATE_ACTIONS = ("promote", "rollback", "override")


def add_model_version(
    session: Session,
    version: str,
    path: str | Path,
    base_model: str,
    data_fingerprint: dict[str, Any],
    git_commit: str | None,
    settings: dict[str, Any],
    metrics: dict[str, Any],
    by: str | None = None,
    note: str | None = None,
    created_at: datetime | None = None,
) -> ModelVersion:
    """Register a trained model as a candidate (and log a "register" event).

    ``created_at`` is when the model was trained (its manifest says); registering it here is
    the "register" event's time. Without it, now."""
    if not version.strip():
        raise ValueError("model version must not be empty")
    if get_model_version(session, version) is not None:
        raise ValueError(f"model version {version!r} is already registered")
    model = ModelVersion(
        version=version,
        path=str(path),
        base_model=base_model,
        data_fingerprint=data_fingerprint,
        git_commit=git_commit,
        settings=settings,
        metrics=metrics,
        status="candidate",
        created_at=created_at or utcnow(),
    )
    session.add(model)
    add_model_event(session, version, "register", by, note)
    session.flush()
    return model


def get_model_version(session: Session, version: str) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.version == version))


def list_model_versions(session: Session, status: str | None = None) -> list[ModelVersion]:
    """Registered models, the last registered first; ``status`` keeps one of candidate/active/retired."""
    query = select(ModelVersion).order_by(ModelVersion.id.desc())
    if status is not None:
        query = query.where(ModelVersion.status == status)
    return list(session.scalars(query))


def active_model_version(session: Session) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.status == "active"))


def activate_model_version(
    session: Session, version: str, by: str | None = None, action: str = "promote", note: str | None = None
) -> ModelVersion:
    """Make ``version`` the one active model: the active one is retired in the same
    transaction, and the change is logged as ``action`` (promote, rollback or override)."""
    if action not in ACTIVATE_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIVATE_ACTIONS)}, got {action!r}")
    model = get_model_version(session, version)
    if model is None:
        raise ValueError(f"no model version {version!r}")
    # Retire with one UPDATE before anything else is written: it takes the write lock, so of
    # two promotions at once the second waits and then retires the first's model.
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.status == "active", ModelVersion.version != version)
        .values(status="retired")
    )
    model.status = "active"
    model.promoted_at = utcnow()
    add_model_event(session, version, action, by, note)
    session.flush()
    return model


def activate_if_none_active(session: Session, version: str, by: str | None, note: str | None) -> bool:
    """Make ``version`` active, logged as a promotion, only if no version is active; whether it did.

    One conditional UPDATE, not a read and then a write: servers starting at once on a fresh
    database each read "none active" before either wrote, and the first model's promotion was
    logged once per server. The row's own status is in the condition too, so that a second
    writer waiting for the row's lock (PostgreSQL) re-checks it and changes nothing.
    """
    other = aliased(ModelVersion)
    changed = session.execute(
        update(ModelVersion)
        .where(
            ModelVersion.version == version,
            ModelVersion.status != "active",
            ~select(other.id).where(other.status == "active").exists(),
        )
        .values(status="active", promoted_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        add_model_event(session, version, "promote", by, note)
        session.flush()
    return bool(changed)


def add_model_event(
    session: Session, version: str, action: str, by: str | None = None, note: str | None = None
) -> ModelEvent:
    if action not in MODEL_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(MODEL_ACTIONS)}, got {action!r}")
    event = ModelEvent(version=version, action=action, by=by, note=note, at=utcnow())
    session.add(event)
    return event


def model_events(session: Session, version: str | None = None, limit: int | None = None) -> list[ModelEvent]:
    """The registry's audit log, newest first; ``version`` keeps that model's events."""
    query = select(ModelEvent).order_by(ModelEvent.at.desc(), ModelEvent.id.desc()).limit(limit)
    if version is not None:
        query = query.where(ModelEvent.version == version)
    return list(session.scalars(query))
