"""Start-up removes what killed training runs left; finished workers are reaped at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from core.basics.settings import load_settings
from core.cli.main import main
from core.lifecycle import jobs
from core.lifecycle.leftovers import remove_stale_tmp_folders

HOUR = 3600


def tmp_folder(settings, name: str, age_s: float) -> Path:
    folder = settings.models_dir / name
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"half")
    then = time.time() - age_s
    os.utime(folder, (then, then))
    return folder


def test_stale_tmp_folders_go_and_fresh_or_held_ones_stay(tmp_path):
    settings = load_settings(root=tmp_path)
    stale = tmp_folder(settings, ".tmp-v3-dead", 2 * HOUR)
    fresh = tmp_folder(settings, ".tmp-v4-saving", 60)
    held = tmp_folder(settings, ".tmp-20990101-000000-retrain-held", 2 * HOUR)
    version = tmp_folder(settings, "v1", 2 * HOUR)
    job = jobs.job_dir(settings, "20990101-000000-retrain-held")
    job.mkdir(parents=True)
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", job.name])
    try:
        (job / "pid").write_text(str(worker.pid))
        jobs.write_status(job, {"state": "running", "stage": "saving", "tmp_dir": str(held)})
        assert remove_stale_tmp_folders(settings) == [stale]
    finally:
        worker.kill()
        worker.wait()
    assert not stale.exists() and fresh.exists() and held.exists() and version.exists()
    assert remove_stale_tmp_folders(settings) == [held]  # its job is dead now


def test_every_command_starts_by_removing_stale_tmp_folders(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEADLINE_LAB_ROOT", str(tmp_path))
    stale = tmp_folder(load_settings(), ".tmp-v3-dead", 2 * HOUR)
    main(["models", "list"])
    assert not stale.exists()


def test_a_finished_worker_is_reaped_without_anyone_polling_it(tmp_path):
    settings = load_settings(root=tmp_path)
    job_id = jobs.start(settings, "probe", ["--help"])  # exits at once
    pid = int((jobs.job_dir(settings, job_id) / "pid").read_text())
    stat = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + 120
    while stat.exists() and time.monotonic() < deadline:  # a zombie keeps its /proc entry
        time.sleep(0.1)
    assert not stat.exists(), stat.read_text()
