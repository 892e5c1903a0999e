"""The score-pairs contract: input columns kept, p_a added, bad files refused with exit 2."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from core.cli import score_pairs as score_pairs_cli
from core.cli.main import main
from core.model.baselines import TfidfPairLR
from tests.synthetic_pairs import FILLER, synthetic_pairs, word_trait


@pytest.fixture(scope="module")
def baseline() -> TfidfPairLR:
    return TfidfPairLR().fit(synthetic_pairs(100, 2, word_trait("amazing"), seed=31))


@pytest.fixture
def cli(baseline, monkeypatch, tmp_path, capsys):
    """Run the command with the synthetic baseline; returns (exit code, stderr)."""
    monkeypatch.setenv("HEADLINE_LAB_ROOT", str(tmp_path))
    monkeypatch.setattr(score_pairs_cli, "predictor_for", lambda model, settings: baseline)

    def call(*argv: str) -> tuple[int, str]:
        code = main(["score-pairs", *argv])
        return code, capsys.readouterr().err

    return call


def test_columns_are_kept_and_p_a_is_added(cli, baseline, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "id,headline_a,headline_b,note\n"
        "007,An amazing <em>story</em>,A plain story,\n"
        "008,A plain story,An amazing story,keep me\n"
    )
    code, err = cli("--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert code == 0 and "scored 2 pairs" in err
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(out.columns) == ["id", "headline_a", "headline_b", "note", "p_a"]
    assert out["id"].tolist() == ["007", "008"] and out["note"].tolist() == ["", "keep me"]
    assert out["headline_a"][0] == "An amazing <em>story</em>"  # input text untouched
    p_a = out["p_a"].astype(float).to_numpy()
    assert ((p_a >= 0) & (p_a <= 1)).all()
    assert p_a[0] > 0.5 > p_a[1] and p_a[0] == pytest.approx(1 - p_a[1])
    assert p_a[0] == pytest.approx(baseline.predict_pairs(["An amazing story"], ["A plain story"])[0])


def test_missing_column_is_named_and_refused(cli, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("headline_a,title_b\nOne,Two\n")
    code, err = cli("--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert code == 2 and "headline_b" in err and "missing" in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"headline_a,headline_b\n", "no rows"),
        (b"PAR1\x00\x15\x04\x15binary", "not a CSV"),
    ],
)
def test_unusable_files_are_refused(cli, tmp_path, content, expected):
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    code, err = cli("--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert code == 2 and expected in err


def test_empty_headlines_are_reported_by_row(cli, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("headline_a,headline_b\nFine,Also fine\nFine,\n <b></b> ,Fine\n")
    code, err = cli("--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert code == 2
    assert "row 3: headline_b: empty headline" in err and "row 4: headline_a: empty headline" in err
    assert "row 2" not in err


def test_model_folder_without_manifest_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEADLINE_LAB_ROOT", str(tmp_path))
    source = tmp_path / "in.csv"
    source.write_text("headline_a,headline_b\nOne,Two\n")
    code = main(
        ["score-pairs", "--input", str(source), "--output", str(tmp_path / "o.csv"), "--model", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "manifest.json" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_ten_thousand_pairs_score_in_seconds(cli, tmp_path):
    rng = np.random.default_rng(0)
    heads = [" ".join(rng.choice(FILLER, 8)) for _ in range(3000)]
    frame = pd.DataFrame({"headline_a": rng.choice(heads, 10_000), "headline_b": rng.choice(heads, 10_000)})
    frame.to_csv(tmp_path / "big.csv", index=False)
    start = time.perf_counter()
    code, _ = cli("--input", str(tmp_path / "big.csv"), "--output", str(tmp_path / "big_out.csv"))
    assert code == 0 and time.perf_counter() - start < 10
    assert len(pd.read_csv(tmp_path / "big_out.csv")) == 10_000
