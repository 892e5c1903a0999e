import contextlib
import dataclasses
import errno
import json
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from core.__main__ import main
from core.lifecycle import activation, champion, install, jobs, registry
from core.lifecycle.summary import version_names, version_summary
from core.model.manifest import MANIFEST, ModelLoadError, sha256_file, write_manifest
from core.model.scorer import WEIGHTS, HeadlineScorer
from db.migrate import upgrade
from db.schema import ModelEvent, ModelVersion
from tests.model_lab import active_scores, good_model, load, make_lab, publish, shifted_model


@pytest.fixture
def lab(tmp_path):
    return make_lab(tmp_path / "lab")


@pytest.fixture
def cli_env(lab, monkeypatch):
    """`python -m core ...` run in-process sees the lab's settings."""
    for name, value in jobs.settings_env(lab).items():
        monkeypatch.setenv(name, value)


def folders(settings) -> set[str]:
    return {p.name for p in settings.models_dir.iterdir()}


def test_the_bundled_default_becomes_the_first_active_version_as_an_immutable_copy(lab):
    shutil.copytree(good_model(), lab.default_model_dir)
    version = json.loads((lab.default_model_dir / MANIFEST).read_text())["version"]

    served = registry.active_model_dir(lab)

    assert served == lab.models_dir / version  # a registered copy, not the git-tracked default/
    row = registry.active_version(lab)
    assert (row.version, row.status, row.path) == (version, "active", version)
    assert [(e.action, e.by) for e in registry.events(lab)] == [("promote", "system"), ("register", "system")]
    assert registry.events(lab)[-1].note == "bundled default model (models/default)"  # no server path
    assert row.data_fingerprint["archive_tests"] == 56 and row.metrics["upworthy"]["pairs"] == 10
    # Predictions store scorer.version: it is the registered version string.
    assert HeadlineScorer.from_pretrained(served).version == version
    assert len(registry.versions(lab)) == 1  # registered once, however often asked

    # A fresh database beside the same models/ adopts the intact copy instead of copying again.
    fresh = dataclasses.replace(lab, database_url=f"sqlite:///{lab.root / 'fresh.db'}")
    upgrade(fresh)
    assert registry.active_model_dir(fresh) == served and folders(fresh) == {"default", version}
    # With a model folder set explicitly, the registry is not consulted and registers nothing.
    explicit = dataclasses.replace(fresh, database_url=f"sqlite:///{lab.root / 'other.db'}", model_dir="/x")
    upgrade(explicit)
    assert registry.active_model_dir(explicit) == Path("/x") and registry.versions(explicit) == []


def test_a_version_is_dated_by_its_training_and_numbered_by_its_registration(lab):
    shutil.copytree(good_model(), lab.default_model_dir)
    manifest = json.loads((lab.default_model_dir / MANIFEST).read_text())
    # The bundled model was trained days before this database existed; a second model trained
    # even earlier is registered after it.
    write_manifest(lab.default_model_dir, {**manifest, "created_at": "2026-11-21T07:59:50+01:00"})
    registry.active_model_dir(lab)
    older = load(good_model())
    older.manifest = {**older.manifest, "created_at": "2026-10-02T12:00:00+00:00"}
    publish(lab, older, "v-older")

    rows = {row.version: row for row in registry.versions(lab)}
    bundled = rows[manifest["version"]]
    assert bundled.created_at == datetime(2026, 11, 21, 6, 59, 50, tzinfo=UTC)
    assert rows["v-older"].created_at == datetime(2026, 10, 2, 12, 0, tzinfo=UTC)
    names = version_names(rows.values())
    assert names[manifest["version"]].startswith("Version 1 · 21 Nov 2026 · ")
    assert names["v-older"].startswith("Version 2 · 2 Oct 2026 · ")
    assert [row.version for row in registry.versions(lab)] == ["v-older", manifest["version"]]
    assert version_summary(bundled)["trained"] == "2026-11-21 06:59"


def test_a_manifest_without_a_zoned_time_is_dated_when_registered():
    assert install.trained_at({"created_at": "2015-03-01"}) is None  # no zone: not a moment
    assert install.trained_at({}) is None and install.trained_at({"created_at": "soon"}) is None


def test_a_full_disk_or_a_failed_registration_leaves_no_folder_and_no_row(lab, monkeypatch):
    publish(lab, load(good_model()), "v1", activate=True)
    before = active_scores(lab)
    scorer = shifted_model(good_model())

    def full_disk(folder, manifest=None):
        folder.mkdir()
        (folder / WEIGHTS).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(scorer, "save_pretrained", full_disk)
    with pytest.raises(OSError, match="No space"):
        install.publish_model(lab, scorer, version="v2")
    monkeypatch.undo()

    def database_down(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(install, "add_model_version", database_down)
    with pytest.raises(RuntimeError, match="went away"):  # fails after the rename into place
        install.publish_model(lab, scorer, version="v2")
    monkeypatch.undo()

    assert folders(lab) == {"v1"}  # no half-written v2, no temporary folder
    assert [r.version for r in registry.versions(lab)] == ["v1"]
    assert np.array_equal(active_scores(lab), before)


def test_rollback_restores_the_earlier_scores_exactly(lab, cli_env, capsys):
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, shifted_model(good_model()), "v2")
    before = active_scores(lab)

    champion.promote(lab, "v2", by="ana")  # equally accurate: allowed
    promoted = active_scores(lab)
    assert not np.allclose(promoted, before)

    assert main(["models", "rollback", "v1", "--reason", "v2 scores look odd"]) == 2  # whose decision?
    assert "a rollback needs who does it (by)" in capsys.readouterr().err
    assert registry.active_version(lab).version == "v2"
    assert main(["models", "rollback", "v1", "--by", "bo", "--reason", "v2 scores look odd"]) == 0

    assert np.array_equal(active_scores(lab), before)
    assert {r.version: r.status for r in registry.versions(lab)} == {"v1": "active", "v2": "retired"}
    last = registry.events(lab)[0]
    assert (last.version, last.action, last.by, last.note) == ("v1", "rollback", "bo", "v2 scores look odd")
    assert main(["models", "list"]) == 0
    assert "v2" in capsys.readouterr().out


def test_a_candidate_cannot_be_rolled_back_to(lab):
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, shifted_model(good_model()), "v2")
    with pytest.raises(ValueError, match="candidate"):
        activation.rollback(lab, "v2", by="bo")
    assert registry.active_version(lab).version == "v1"


def test_tampered_weights_are_refused_when_loading_and_promoting(lab):
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, shifted_model(good_model()), "v2")
    weights = lab.models_dir / "v2" / WEIGHTS
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))

    with pytest.raises(ModelLoadError, match="checksum"):
        HeadlineScorer.from_pretrained(weights.parent)
    with pytest.raises(ModelLoadError, match="checksum"):
        champion.promote(lab, "v2", by="ana")

    # Tampering with the manifest too, so the folder is consistent again, is still caught.
    manifest = json.loads((weights.parent / MANIFEST).read_text())
    manifest["files"][WEIGHTS] = sha256_file(weights)
    (weights.parent / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="differs from the one registered"):
        activation.activate(lab, "v2", "ana", "override", "forced")
    assert registry.active_version(lab).version == "v1"


def test_a_dirty_git_commit_is_stored_as_sha_plus_flag(lab):
    scorer = load(good_model())
    scorer.manifest["git_commit"] = "a" * 40 + "+dirty"
    row = publish(lab, scorer, "v1")
    assert row.git_commit == "a" * 40
    assert row.settings["registry"]["git_dirty"] is True
    assert version_summary(row)["git commit"] == "aaaaaaaaaa+dirty"


def test_the_versions_table_names_a_soups_seeds(lab):
    scorer = load(good_model())
    scorer.manifest["settings"] = {**scorer.manifest["settings"], "seed": 13, "soup_seeds": [1, 2]}
    assert version_summary(publish(lab, scorer, "v1"))["seeds"] == "13 + 1, 2"
    single = load(good_model())
    single.manifest["settings"] = {**single.manifest["settings"], "seed": 7}
    assert version_summary(publish(lab, single, "v2"))["seeds"] == "7"


def test_servers_starting_at_once_log_the_first_models_promotion_once(lab, monkeypatch):
    """Several processes serving a fresh database each make the bundled model active at their
    first request: it must be promoted, and logged as promoted, exactly once."""
    shutil.copytree(good_model(), lab.default_model_dir)
    version = registry.active_version(lab).version
    with install.transaction(lab) as session:  # registered, but not yet active: the race's start
        session.execute(sa.update(ModelVersion).values(status="candidate"))
        session.execute(sa.delete(ModelEvent).where(ModelEvent.action == "promote"))
    starters = 4
    together = threading.Barrier(starters, timeout=30)
    opened = install.transaction

    @contextlib.contextmanager
    def in_step(settings):  # every starter opens each transaction at the same moment
        with opened(settings) as session:
            together.wait()
            yield session

    monkeypatch.setattr(install, "transaction", in_step)
    errors = []

    def start():
        try:
            install.register_default(lab)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert registry.active_version(lab).version == version
    assert [e.action for e in registry.events(lab)].count("promote") == 1
