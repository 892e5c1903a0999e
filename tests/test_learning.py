"""core.lifecycle.learning: recorded outcomes become a candidate version within seconds."""

import time

import numpy as np
import pytest

from core.cli.main import main as cli
from core.lifecycle import jobs, learning, registry
from tests.model_lab import GOOD, active_scores, good_model, load, make_lab, publish, record_editor_test


@pytest.fixture
def lab(tmp_path):
    settings = make_lab(tmp_path / "lab", update_min_pairs=4)
    publish(settings, load(good_model()), "v1", activate=True)
    return settings


def record_outcomes(settings, n: int, start: int = 0) -> list[str]:
    """n editor tests in which the headline with a 'good' word won."""
    return [
        record_editor_test(
            settings,
            [f"{GOOD[i % len(GOOD)]} news about town{i}", f"plain news about town{i}"],
            [(900, 90), (900, 30)],
        )
        for i in range(start, start + n)
    ]


def test_an_update_is_a_candidate_that_names_its_base_and_its_outcomes(lab):
    before = active_scores(lab)
    tests = record_outcomes(lab, 6)
    result = learning.update_and_register(lab, by="desk", auto_promote=False)
    assert result.version and not result.promoted
    assert "v1 updated on 6 recorded tests" in result.message
    row = registry.get_version(lab, result.version)
    assert row.status == "candidate"
    manifest = registry.verify_model(lab, row)  # sealed and registered like any model
    assert manifest["fast_update"]["base"] == "v1" and manifest["fast_update"]["pairs"] == 6
    assert sorted(manifest["data_fingerprint"]["editor_test_ids"]) == sorted(tests)
    assert manifest["git_commit"] and manifest["validation_metrics"]
    # The active model serves as before until the candidate is promoted.
    assert np.array_equal(active_scores(lab), before)


def test_updates_start_from_the_base_and_learn_only_what_it_has_not(lab):
    record_outcomes(lab, 6)
    first = learning.update_and_register(lab, auto_promote=False).version
    publish_active(lab, first)
    record_outcomes(lab, 3, start=6)
    second = learning.update_and_register(lab, auto_promote=False)
    manifest = registry.verify_model(lab, registry.get_version(lab, second.version))
    # Never an update of an update: the base is v1 again, refitted on all 9 outcomes.
    assert manifest["fast_update"]["base"] == "v1" and manifest["fast_update"]["tests"] == 9


def publish_active(settings, version: str) -> None:
    from core.lifecycle import activation

    activation.activate(settings, version, "test", "promote", "test", expected_active="v1")


def test_too_few_new_outcomes_register_nothing(lab):
    record_outcomes(lab, 2)
    result = learning.update_and_register(lab)
    assert result.version is None and "needs 4" in result.message
    assert [r.version for r in registry.versions(lab)] == ["v1"]


def test_auto_promotion_follows_the_champion_rule(lab):
    record_outcomes(lab, 6)
    result = learning.update_and_register(lab, auto_promote=True)
    active = registry.active_version(lab).version
    if result.promoted:
        assert active == result.version and "promoted" in result.message
    else:
        assert active == "v1" and "kept as a candidate" in result.message


def test_the_command_and_the_background_job(lab, monkeypatch, capsys):
    for name, value in jobs.settings_env(lab).items():  # the command reads the lab's settings
        monkeypatch.setenv(name, value)
    record_outcomes(lab, 5)
    assert cli(["update", "--no-auto-promote"]) == 0
    assert "registered" in capsys.readouterr().out
    record_outcomes(lab, 5, start=5)
    job = learning.start_update(lab, by="desk")
    assert learning.start_update(lab, by="desk") is None  # one at a time: it reads every outcome
    deadline = time.monotonic() + 120
    while (status := learning.latest_update(lab))["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["id"] == job and status["state"] == "done", status
    assert "updated on 10 recorded tests" in status["message"]
