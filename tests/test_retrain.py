import os
import signal
import subprocess
import threading
import time

import numpy as np
import pandas as pd
import pytest

from core.basics.arms import LoadReport
from core.data.editor import editor_pairs
from core.lifecycle import jobs, registry, retrain
from core.training.config import TrainConfig
from core.training.data import pair_weights
from db import experiments, imports
from db.engine import get_sessionmaker, transaction
from tests.model_lab import (
    active_scores,
    good_model,
    load,
    make_lab,
    publish,
    record_editor_test,
    tiny_config,
)

# Quick settings for the tiny model; the launcher's own arguments come first, these override.
TINY_ARGS = ["--batch-pairs", "8", "--eval-every", "1000", "--patience", "1000", "--precision", "fp32"]


@pytest.fixture
def lab(tmp_path):
    settings = make_lab(tmp_path / "lab")
    publish(settings, load(good_model()), "v1", activate=True)
    return settings


def record_two_outcomes(settings) -> list[str]:
    return sorted(
        [
            record_editor_test(
                settings, ["amazing news about cats", "memo news about cats"], [(900, 90), (900, 30)]
            ),
            record_editor_test(
                settings, ["agenda news about dogs", "stunning news about dogs"], [(800, 20), (800, 80)]
            ),
        ]
    )


def wait_for(settings, job_id, condition, timeout=240.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = retrain.retrain_status(settings, job_id)
        if condition(status):
            return status
        time.sleep(0.2)
    raise AssertionError(f"timed out; last status {status}\n{retrain.job_log(settings, job_id)}")


def nothing_new(settings, scores_before) -> None:
    assert {p.name for p in settings.models_dir.iterdir()} == {"v1"}  # no candidate, no temp folder
    assert [(r.version, r.status) for r in registry.versions(settings)] == [("v1", "active")]
    assert np.array_equal(active_scores(settings), scores_before)


def test_editor_pairs_come_from_recorded_outcomes_only(tmp_path):
    settings = make_lab(tmp_path / "lab")
    clear = record_editor_test(settings, ["Cats win", "Dogs win"], [(1000, 120), (1000, 60)])
    three = record_editor_test(settings, ["One", "Two", "Three"], [(500, 50), (500, 48), (500, 20)])
    with get_sessionmaker(settings).begin() as session:
        experiments.create_test(session, ["No outcome yet", "Still waiting"])  # not recorded: no pair
        archive = pd.DataFrame(
            {
                "test_id": ["upworthy:x"] * 2,
                "headline": ["Archive A", "Archive B"],
                "excerpt": None,
                "image_id": None,
                "lede_id": None,
                "impressions": [100, 100],
                "clicks": [5, 9],
                "date": pd.Timestamp("2015-01-01"),
                "source": "upworthy",
            }
        )
        imports.import_arms(session, archive, "upworthy", "u.csv", "sha", LoadReport(rows_read=2))

    pairs = lab_editor_pairs(settings)

    assert sorted(zip(pairs["test_id"], pairs["headline_a"], pairs["headline_b"], pairs["label"])) == sorted(
        [
            (clear, "Cats win", "Dogs win", 1),
            (three, "One", "Two", 1),
            (three, "One", "Three", 1),
            (three, "Two", "Three", 1),
        ]
    )
    # Retraining weights each pair by its significance, times the editor weight.
    config = TrainConfig(pair_weighting="significance", editor_weight=2.0)
    weights = dict(
        zip(pairs["headline_a"] + "/" + pairs["headline_b"], pair_weights(pairs.assign(editor=True), config))
    )
    assert weights["One/Two"] < 0.5  # 50 vs 48 clicks: nearly a coin flip
    assert weights["Cats win/Dogs win"] > 1.99 and weights["One/Three"] > 1.99


def test_a_retrain_job_registers_a_candidate_and_leaves_the_active_model(lab):
    editor_ids = record_two_outcomes(lab)
    before = active_scores(lab)

    job_id = retrain.start_retrain(
        lab, by="ana", extra_args=[*TINY_ARGS, "--epochs", "2", "--max-train-pairs", "20"]
    )
    status = wait_for(lab, job_id, lambda s: s["state"] not in jobs.RUNNING)

    assert status["state"] == "done", retrain.job_log(lab, job_id)
    row = registry.get_version(lab, status["version"])
    assert row.status == "candidate" and registry.active_version(lab).version == "v1"
    assert row.data_fingerprint["editor_tests"] == 2 and row.data_fingerprint["editor_test_ids"] == editor_ids
    assert row.data_fingerprint["archive_tests"] == 20  # the cap thins the archive, never the editor tests
    assert row.settings["init_from"] == str(lab.models_dir / "v1")  # warm start from the active model
    assert row.settings["pair_weighting"] == "significance" and row.settings["editor_weight"] == 2.0
    [registered] = registry.events(lab, row.version)
    assert (
        registered.action == "register"
        and registered.note == "retrained on the archive plus 2 newsroom tests"
    )
    training = registry.load_model(lab, row).manifest["training"]
    assert training["job_seconds"] >= training["seconds"]  # the whole wait, for the next estimate
    assert registry.load_model(lab, row).version == row.version
    assert {p.name for p in lab.models_dir.iterdir()} == {"v1", row.version}
    assert np.array_equal(active_scores(lab), before)


def test_a_training_process_killed_halfway_leaves_the_active_model_serving_and_no_candidate(lab):
    record_two_outcomes(lab)
    before = active_scores(lab)
    job_id = retrain.start_retrain(lab, by="ana", extra_args=[*TINY_ARGS, "--epochs", "2000"])
    wait_for(lab, job_id, lambda s: s["stage"] == "training" and s["step"] >= 3)

    pid = int((jobs.job_dir(lab, job_id) / "pid").read_text())
    os.kill(pid, signal.SIGKILL)
    status = wait_for(lab, job_id, lambda s: s["state"] not in jobs.RUNNING, timeout=30)

    assert status["state"] == "failed" and "unexpectedly" in status["message"]
    assert 3 <= status["step"] < status["total"]
    nothing_new(lab, before)
    assert retrain.running_job(lab) is None  # a new retrain may start


def test_cancel_during_training_leaves_nothing(lab):
    record_two_outcomes(lab)
    before = active_scores(lab)
    folder = jobs.job_dir(lab, "20990101-000000-retrain-test")
    folder.mkdir(parents=True)
    jobs.write_status(folder, {"state": "starting", "stage": "starting", "step": 0})

    def cancel_at_step_3():  # what the page's cancel button does, while the worker trains
        while jobs.Reporter(folder).status.get("step", 0) < 3:
            time.sleep(0.05)
        retrain.cancel_retrain(lab, folder.name)

    canceller = threading.Thread(target=cancel_at_step_3, daemon=True)
    canceller.start()
    config = tiny_config(init_from=str(lab.models_dir / "v1"), epochs=2000, eval_every=1000)
    code = retrain.train_and_register(config, lab, lab_editor_pairs(lab), folder, "ana")
    canceller.join(5)

    assert code == 3
    status = jobs.Reporter(folder).status
    assert status["state"] == "cancelled" and status["step"] >= 3
    nothing_new(lab, before)


def test_leftovers_of_a_worker_killed_while_saving_are_removed(lab):
    folder = jobs.job_dir(lab, "20990101-000000-retrain-dead")
    folder.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (folder / "pid").write_text(str(dead.pid))
    tmp, renamed = lab.models_dir / ".tmp-dead", lab.models_dir / "v9"
    for partial in (tmp, renamed):
        partial.mkdir()
        (partial / "model.safetensors").write_bytes(b"half")
    jobs.write_status(folder, {"state": "running", "stage": "saving", "version": "v9", "tmp_dir": str(tmp)})

    status = retrain.retrain_status(lab, folder.name)

    assert status["state"] == "failed" and not status["alive"]
    assert not tmp.exists() and not renamed.exists()
    assert retrain.retrain_status(lab, folder.name)["state"] == "failed"  # settled once, on disk


def lab_editor_pairs(settings):
    with transaction(settings) as session:
        return editor_pairs(session, settings)
