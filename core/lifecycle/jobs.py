"""Background jobs: a command in its own process, reporting through files under var/jobs/<id>/.

``status.json`` holds state, stage, step, total and message. Only the worker writes it while it
runs (always whole, via a rename, so readers never see half a file); the launcher writes it
before the start and after the worker is gone. ``cancel`` is a flag file the worker checks
between steps, ``pid`` the worker's process id and ``log.txt`` its output. A page polls the
status; the app itself never runs the job, so it stays responsive.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from core.basics.settings import ENV_PREFIX, REPO_ROOT, Settings

RUNNING = ("starting", "running")  # any other state is final: done, failed, cancelled
# Progress is written at most this often (and on every change of stage): a step may take 10 ms.
WRITE_INTERVAL_S = 0.25

# Workers this process started. Each has a thread waiting on it, so a worker that finishes or
# is cancelled is reaped at once, not left a zombie until someone polls its status.
_children: dict[int, subprocess.Popen] = {}


def jobs_dir(settings: Settings) -> Path:
    return settings.var_dir / "jobs"


def job_dir(settings: Settings, job_id: str) -> Path:
    return jobs_dir(settings) / job_id


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_status(folder: Path, status: dict) -> None:
    tmp = folder / f"status.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(status, indent=2, default=str))
    os.replace(tmp, folder / "status.json")


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as HEADLINE_LAB_* variables, so the worker sees what the launcher sees."""
    values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    return {ENV_PREFIX + k.upper(): str(v) for k, v in values.items()}


def start(settings: Settings, kind: str, argv: list[str], info: dict | None = None) -> str:
    """Run ``python -m core <argv> --job-dir <dir>`` in the background; returns the job id."""
    job_id = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{kind}-{uuid.uuid4().hex[:6]}"
    folder = job_dir(settings, job_id)
    folder.mkdir(parents=True)
    write_status(
        folder,
        {
            "id": job_id,
            "kind": kind,
            "state": "starting",
            "stage": "starting",
            "step": 0,
            "total": 0,
            "message": "",
            "started_at": now(),
            **(info or {}),
        },
    )
    # Lower priority where `nice` exists: on a shared CPU the app's requests come first.
    nice = ["nice", "-n", "10"] if shutil.which("nice") else []
    with open(folder / "log.txt", "wb") as log:
        proc = subprocess.Popen(
            [*nice, sys.executable, "-m", "core", *argv, "--job-dir", str(folder)],
            cwd=REPO_ROOT,
            env={**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C or restart of the app does not kill the training
        )
    _children[proc.pid] = proc
    threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
    (folder / "pid").write_text(str(proc.pid))
    return job_id


def read_status(settings: Settings, job_id: str) -> dict:
    """The job's status, with ``alive``: whether its worker process still runs."""
    folder = job_dir(settings, job_id)
    status = json.loads((folder / "status.json").read_text())
    try:
        pid = int((folder / "pid").read_text())
    except (OSError, ValueError):
        pid = None
    if pid is not None:
        status["alive"] = _alive(pid, job_id)
    else:  # the launcher is between starting the worker and writing its pid, or died there
        age = time.time() - (folder / "status.json").stat().st_mtime
        status["alive"] = status["state"] == "starting" and age < 60
    return status


def _alive(pid: int, job_id: str) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: a zombie is dead, and a reused pid runs another command line
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return state != "Z" and job_id.encode() in cmdline


def job_ids(settings: Settings, kind: str | None = None) -> list[str]:
    """Job ids, newest first (ids start with their UTC start time)."""
    folder = jobs_dir(settings)
    if not folder.is_dir():
        return []
    ids = [p.name for p in folder.iterdir() if (p / "status.json").exists()]
    return sorted((i for i in ids if kind is None or f"-{kind}-" in i), reverse=True)


def running_job(settings: Settings, kind: str, status=read_status) -> str | None:
    """The newest job of this kind whose worker is still at work (state and process), or None.
    ``status`` reads a job's status (a kind may settle its dead workers as it reads)."""
    for job_id in job_ids(settings, kind):
        current = status(settings, job_id)
        if current["state"] in RUNNING and current.get("alive"):
            return job_id
    return None


def request_cancel(settings: Settings, job_id: str) -> None:
    (job_dir(settings, job_id) / "cancel").touch()


class Reporter:
    """The worker's side: progress into status.json, and whether a cancel was requested.

    Without a folder (a run from the command line) it only prints stage changes.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.status: dict = {}
        if folder is not None:
            self.status = json.loads((folder / "status.json").read_text())
        self._written = 0.0

    def update(self, **fields) -> None:
        changed_stage = fields.get("stage", self.status.get("stage")) != self.status.get("stage")
        self.status.update(fields, updated_at=now())
        if self.folder is None:
            if changed_stage or "message" in fields:
                print(f"[{self.status.get('stage')}] {self.status.get('message', '')}", flush=True)
            return
        final = self.status.get("state") not in RUNNING
        if changed_stage or final or time.monotonic() - self._written >= WRITE_INTERVAL_S:
            write_status(self.folder, self.status)
            self._written = time.monotonic()

    def progress(self, stage: str, done: int, total: int) -> None:
        """``core.training.loop.train``'s progress callback."""
        self.update(state="running", stage=stage, step=done, total=total)

    def cancelled(self) -> bool:
        """``core.training.loop.train``'s should_stop callback."""
        return self.folder is not None and (self.folder / "cancel").exists()
