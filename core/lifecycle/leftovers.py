"""Removing what a killed training run left: a ``models/.tmp-*`` folder it was saving into.

A version is saved into such a folder and renamed into place within seconds (core.lifecycle.install),
so one older than ``STALE_AFTER_S`` belongs to a process that was killed while saving, unless a
job that is still alive names it as its ``tmp_dir``. The app and every CLI command call this at
start; a folder is never served or registered, so removing it changes nothing else.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from core.basics.settings import Settings
from core.lifecycle import jobs

TMP_PREFIX = ".tmp-"  # temporary folders beside the versions; never served, never registered

STALE_AFTER_S = 3600.0


def live_job_tmp_dirs(settings: Settings) -> set[Path]:
    """The temporary folders named by jobs whose worker still runs."""
    folders = set()
    for job_id in jobs.job_ids(settings):
        try:
            status = jobs.read_status(settings, job_id)
        except (OSError, ValueError):
            continue  # a status being replaced or unreadable: not proof of a live job
        if status.get("alive") and status.get("tmp_dir"):
            folders.add(Path(status["tmp_dir"]).resolve())
    return folders


def remove_stale_tmp_folders(settings: Settings, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove models/.tmp-* folders older than ``older_than_s`` not held by a live job; returns them."""
    if not settings.models_dir.is_dir():
        return []
    cutoff = time.time() - older_than_s
    candidates = []
    for path in settings.models_dir.glob(f"{TMP_PREFIX}*"):
        try:
            if path.is_dir() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                candidates.append(path)
        except OSError:
            continue  # removed by someone else meanwhile
    if not candidates:
        return []
    held = live_job_tmp_dirs(settings)
    removed = []
    for path in candidates:
        if path.resolve() not in held:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
