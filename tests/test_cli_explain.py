"""core.cli.explain: headlines in, one JSON object per line out; bad files refused whole."""

import json

import pytest

from core.cli.main import main
from tests.app_env import app_environment, tiny_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def env(model_dir, tmp_path, monkeypatch):
    for name, value in app_environment(model_dir, tmp_path / "lab.db").items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_each_headline_gets_its_word_weights_and_seconds(env, capsys):
    source = env / "in.txt"
    source.write_text("Scientists explain why cats purr\n\nCat does a thing\n", encoding="utf-8")
    out = env / "out.jsonl"
    assert main(["explain", "--input", str(source), "--output", str(out), "--samples", "50"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["headline"] for r in rows] == ["Scientists explain why cats purr", "Cat does a thing"]
    assert set(rows[0]["weights"]) == {"Scientists", "explain", "why", "cats", "purr"}
    assert all(isinstance(w, float) for w in rows[0]["weights"].values())
    assert all(r["seconds"] > 0 for r in rows)


def test_a_bad_line_refuses_the_file_and_writes_nothing(env, capsys):
    source = env / "in.txt"
    source.write_text("Fine headline\n" + "x" * 301 + "\n", encoding="utf-8")
    out = env / "out.jsonl"
    assert main(["explain", "--input", str(source), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "line 2: headline too long" in err and err.count("\n") == 1
    assert not out.exists()


def test_text_that_is_not_utf8_is_refused_with_the_byte(env, capsys):
    source = env / "in.txt"
    source.write_bytes("Caf\xe9 owls win\n".encode("latin-1"))
    assert main(["explain", "--input", str(source), "--output", str(env / "o.jsonl")]) == 2
    assert "not UTF-8 text (byte 3)" in capsys.readouterr().err
