"""A model is served or promoted only if its manifest is exactly what was written: the manifest's
own seal for any folder, the registered sha256 for a registered version. Every refusal is one line
and exit code 2 from the CLI, a clear error in the app, and never a silent switch to the baseline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.basics.settings import REPO_ROOT
from core.cli.main import main
from core.lifecycle import jobs, registry
from core.model.manifest import MANIFEST, SEAL, ModelLoadError, read_verified_manifest, write_manifest
from core.model.scorer import WEIGHTS, HeadlineScorer
from tests.app_env import app_environment, copy_database, template_database, tiny_model
from tests.model_lab import good_model, load, make_lab, publish, shifted_model

APP = str(REPO_ROOT / "app.py")
DRAFTS = ["You won't believe what this cat did", "Cat does a thing"]


def edit_manifest(folder: Path, reseal: bool = False, **changes) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest.update(changes)
    if reseal:  # a careful forger: the folder is self-consistent again
        write_manifest(folder, manifest)
    else:
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """A lab with v1 active and v2 a candidate; the CLI sees the lab's settings."""
    settings = make_lab(tmp_path / "lab")
    publish(settings, load(good_model()), "v1", activate=True)
    publish(settings, shifted_model(good_model()), "v2")
    for name, value in jobs.settings_env(settings).items():
        monkeypatch.setenv(name, value)
    return settings


@pytest.fixture
def pairs_csv(tmp_path) -> Path:
    path = tmp_path / "pairs.csv"
    path.write_text("headline_a,headline_b\namazing news about cats,memo news about cats\n")
    return path


def refused(capsys, argv: list[str], *needles: str) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    line = captured.err.strip()
    assert code == 2, (code, captured)
    assert len(line.splitlines()) == 1 and line.startswith("error: ") and "Traceback" not in line
    for needle in needles:
        assert needle in line, line
    return line


# --- the seal -----------------------------------------------------------------------------------


def test_a_saved_manifest_is_sealed_and_any_edit_breaks_the_seal(tmp_path):
    folder = tiny_model(tmp_path)
    assert read_verified_manifest(folder)[SEAL]
    baseline = HeadlineScorer.from_pretrained(folder).score(DRAFTS)

    edit_manifest(folder, temperature=0.01)
    with pytest.raises(ModelLoadError, match="was edited"):
        HeadlineScorer.from_pretrained(folder)

    edit_manifest(folder, reseal=True, temperature=0.01)  # resealed: the folder alone cannot tell
    assert HeadlineScorer.from_pretrained(folder).score(DRAFTS) != pytest.approx(baseline)


def test_an_unsealed_manifest_is_refused_unless_the_registry_vouches_for_it(tmp_path):
    folder = tiny_model(tmp_path)
    manifest = json.loads((folder / MANIFEST).read_text())
    del manifest[SEAL]
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="no manifest_sha256 seal"):
        read_verified_manifest(folder)
    import hashlib

    registered = hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()
    assert read_verified_manifest(folder, registered)["files"]


def test_the_bundled_default_is_sealed():
    assert read_verified_manifest(REPO_ROOT / "models" / "default")[SEAL]


# --- registered versions ------------------------------------------------------------------------


@pytest.mark.parametrize("reseal", [False, True])
def test_an_edited_temperature_of_the_active_version_is_refused_when_serving(lab, pairs_csv, capsys, reseal):
    directory, scorer = registry.serving_model(lab)
    assert directory == lab.models_dir / "v1" and scorer.version == "v1"
    edit_manifest(lab.models_dir / "v1", reseal=reseal, temperature=0.01)

    with pytest.raises(ModelLoadError, match="differs from the one registered"):
        registry.serving_model(lab)
    out = pairs_csv.with_name("out.csv")
    refused(capsys, ["score-pairs", "--input", str(pairs_csv), "--output", str(out)], "v1", MANIFEST)
    assert not out.exists()  # and no baseline scores either


def test_promoting_or_comparing_a_tampered_candidate_is_one_line_and_exit_2(lab, capsys):
    flip_last_byte(lab.models_dir / "v2" / WEIGHTS)
    refused(capsys, ["models", "promote", "v2", "--by", "ana"], "checksum")
    refused(capsys, ["models", "compare", "v2"], "checksum")
    assert registry.active_version(lab).version == "v1"


def test_rolling_back_to_a_tampered_version_is_one_line_and_exit_2(lab, capsys):
    assert main(["models", "promote", "v2", "--override", "--by", "ana", "--reason", "test"]) == 0
    edit_manifest(lab.models_dir / "v1", reseal=True, temperature=0.01)
    refused(capsys, ["models", "rollback", "v1", "--by", "ana"], "differs from the one registered")
    refused(capsys, ["models", "rollback", "v9"], "no model version 'v9'")
    assert registry.active_version(lab).version == "v2"


# --- explicit folders: HEADLINE_LAB_MODEL_DIR, --model ---------------------------------------


@pytest.mark.parametrize(
    "damage", ["temperature", "deleted manifest", "empty folder", "missing folder", "weights"]
)
def test_a_broken_configured_model_is_refused_by_score_pairs_never_replaced(
    tmp_path, pairs_csv, monkeypatch, capsys, damage
):
    folder = tiny_model(tmp_path / "m")
    if damage == "temperature":
        edit_manifest(folder, temperature=0.01)
    elif damage == "deleted manifest":
        (folder / MANIFEST).unlink()
    elif damage == "empty folder":
        folder = tmp_path / "empty"
        folder.mkdir()
    elif damage == "missing folder":
        folder = tmp_path / "nowhere"
    else:
        flip_last_byte(folder / WEIGHTS)
    monkeypatch.setenv("HEADLINE_LAB_ROOT", str(tmp_path))
    monkeypatch.setenv("HEADLINE_LAB_MODEL_DIR", str(folder))
    out = tmp_path / "out.csv"
    expected = {
        "temperature": "was edited",
        "deleted manifest": "no manifest.json",
        "empty folder": "no manifest.json",
        "missing folder": "does not exist",
        "weights": "checksum",
    }[damage]
    refused(capsys, ["score-pairs", "--input", str(pairs_csv), "--output", str(out)], expected)
    refused(capsys, ["score-pairs", "--input", str(pairs_csv), "--output", str(out), "--model", str(folder)])
    refused(capsys, ["evaluate", "--model", str(folder), "--datasets", "upworthy"])
    assert not out.exists()


def test_the_baseline_is_served_only_when_asked_for(tmp_path, pairs_csv, monkeypatch, capsys):
    from core.cli import score_pairs
    from core.evaluation import predictors

    monkeypatch.setattr(
        predictors,
        "default_baseline",
        lambda settings: score_pairs.TransformerPredictor(
            HeadlineScorer.from_pretrained(tiny_model(tmp_path / "stand-in")), Path("baseline")
        ),
    )
    monkeypatch.setenv("HEADLINE_LAB_ROOT", str(tmp_path))
    out = tmp_path / "out.csv"
    assert main(["score-pairs", "--input", str(pairs_csv), "--output", str(out), "--model", "baseline"]) == 0
    assert "transformer (baseline)" in capsys.readouterr().err and out.exists()


def test_the_real_command_prints_one_line_and_no_traceback(tmp_path, pairs_csv):
    folder = tiny_model(tmp_path / "m")
    edit_manifest(folder, temperature=0.01)
    env = {**os.environ, "HEADLINE_LAB_ROOT": str(tmp_path), "HEADLINE_LAB_MODEL_DIR": str(folder)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "score-pairs",
            "--input",
            str(pairs_csv),
            "--output",
            str(tmp_path / "o.csv"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"error: {folder / MANIFEST} was edited: its content does not match its {SEAL} seal"
    ]


# --- the app ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return template_database(tmp_path_factory.mktemp("template") / "lab.db")


@pytest.mark.parametrize("damage", ["temperature", "deleted manifest", "empty folder"])
def test_the_app_shows_a_clear_error_for_a_tampered_model(tmp_path, template, monkeypatch, damage):
    folder = tiny_model(tmp_path / "m")
    if damage == "temperature":
        edit_manifest(folder, temperature=0.01)
    elif damage == "deleted manifest":
        (folder / MANIFEST).unlink()
    else:
        folder = tmp_path / "empty"
        folder.mkdir()
    database = copy_database(template, tmp_path / "lab.db")
    for name, value in app_environment(folder, database).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any("model not loaded" in c.value for c in at.sidebar.caption)
    for i, draft in enumerate(DRAFTS):
        at.text_input(key=f"draft_{i}").set_value(draft)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "The model could not be loaded" in at.error[0].value
    assert ("was edited" if damage == "temperature" else "no manifest.json") in at.error[0].value
    assert not [m for m in at.markdown if m.value.startswith("**Draft")]  # nothing scored


def test_the_app_notices_a_manifest_edited_after_it_was_loaded(tmp_path, template, monkeypatch):
    folder = tiny_model(tmp_path / "m")
    database = copy_database(template, tmp_path / "lab.db")
    for name, value in app_environment(folder, database).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=60).run()
    for i, draft in enumerate(DRAFTS):
        at.text_input(key=f"draft_{i}").set_value(draft)
    at.run()
    assert not at.error and [m for m in at.markdown if m.value.startswith("**Draft")]  # scored
    edit_manifest(folder, temperature=0.01)
    at.run()  # the next rerun sees a new manifest: loaded again, and refused
    assert len(at.error) == 1 and "was edited" in at.error[0].value
    assert not [m for m in at.markdown if m.value.startswith("**Draft")]
