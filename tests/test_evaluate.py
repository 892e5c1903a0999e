"""The evaluation table and the `evaluate` command on small synthetic splits."""

from __future__ import annotations

import argparse
import re

import numpy as np
import pytest

from core.basics.settings import Settings
from core.cli import evaluate as evaluate_cli
from core.data.splits import Split
from core.evaluation import evaluate
from tests.synthetic_pairs import length_trait, question_trait, synthetic_pairs, word_trait

SETTINGS = Settings(bootstrap_samples=200)


class HalfwayModel:
    """Stands in for a transformer row: no fitting, a fixed answer."""

    name = "transformer (stub)"

    def fit(self, train_pairs):
        return self

    def predict_pairs(self, headlines_a, headlines_b, contexts=None):
        return np.full(len(headlines_a), 0.6)


@pytest.fixture(scope="module")
def split() -> Split:
    train = synthetic_pairs(150, 3, word_trait("amazing"), seed=11)
    valid = synthetic_pairs(40, 3, word_trait("amazing"), seed=12, prefix="v")
    return Split(train, valid)


def test_table_has_a_row_per_predictor_and_the_counts_of_the_validation_split(split):
    table = evaluate.evaluation_table(split, [*evaluate.baselines(), HalfwayModel()], SETTINGS)
    assert list(table.columns) == evaluate.COLUMNS
    assert table["model"].tolist()[0] == "always-first"
    assert table["model"].tolist()[1].startswith("heuristic: ")
    assert table["model"].tolist()[2:] == ["TF-IDF LR", "transformer (stub)"]
    significant = split.valid["significant"]
    assert set(table["pairs"]) == {f"{len(split.valid)} (40 tests)"}
    expected = f"{significant.sum()} ({split.valid.loc[significant, 'test_id'].nunique()} tests)"
    assert set(table["significant pairs"]) == {expected}
    tfidf = table.set_index("model").loc["TF-IDF LR"]
    value = float(tfidf["accuracy (all) [95% CI]"].split()[0])
    assert value > 0.7  # it learned the planted word from train and found it in valid
    cell = re.fullmatch(r"(\d\.\d{3}) \[(\d\.\d{3}), (\d\.\d{3})\]", tfidf["AUC [95% CI]"])
    assert cell and float(cell[2]) <= float(cell[1]) <= float(cell[3])


def test_heuristic_is_chosen_on_train_not_on_validation():
    # Train rewards question marks; validation rewards length. The row must say question mark.
    train = synthetic_pairs(150, 2, question_trait, strength=0.8, seed=13)
    valid = synthetic_pairs(60, 2, length_trait, strength=0.95, seed=14, prefix="v")
    table = evaluate.evaluation_table(Split(train, valid), [evaluate.BestHeuristic()], SETTINGS)
    assert table["model"].tolist() == ["heuristic: has a question mark"]


def test_split_summary_counts_and_leakage(split):
    summary = evaluate.split_summary(split)
    assert (summary.train_pairs, summary.train_tests) == (450, 150)
    assert (summary.valid_pairs, summary.valid_tests) == (120, 40)
    assert summary.shared_headlines == 0
    leaky_valid = split.valid.copy()
    leaky_valid.loc[0, "headline_a"] = split.train.loc[5, "headline_b"].upper() + "!"  # same once normalised
    leaky = evaluate.split_summary(Split(split.train, leaky_valid))
    assert leaky.shared_headlines == 1
    assert "1 normalised headlines on both sides (LEAK)" in evaluate.summary_markdown("ars", leaky)


def _brute_force(train: list[str], valid: list[str], threshold: float) -> int:
    sets = [set(t.split()) for t in train]
    return sum(
        any(len(set(v.split()) & s) / len(set(v.split()) | s) >= threshold for s in sets) for v in valid
    )


def test_near_duplicates_match_brute_force():
    assert evaluate.near_duplicates(["a b c d e"], ["a b c d e f", "a b c x y", "q"], 0.8) == 1
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(12)]  # small vocabulary: many overlaps near the threshold
    train = sorted(
        {" ".join(sorted(rng.choice(words, rng.integers(1, 9), replace=False))) for _ in range(300)}
    )
    valid = sorted(
        {" ".join(sorted(rng.choice(words, rng.integers(1, 9), replace=False))) for _ in range(300)}
    )
    for threshold in (0.5, 0.8):
        expected = _brute_force(train, valid, threshold)
        assert expected > 0
        assert evaluate.near_duplicates(train, valid, threshold) == expected


def test_command_writes_the_tables_and_refuses_a_folder_without_model(split, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEADLINE_LAB_ROOT", str(tmp_path))  # no models/default: baselines only
    monkeypatch.setenv("HEADLINE_LAB_BOOTSTRAP_SAMPLES", "100")
    monkeypatch.setattr("core.data.datasets.dataset_split", lambda name, settings: split)
    forward = Split(split.train, split.valid.iloc[:60], cutoff="2020-05-12")
    monkeypatch.setattr("core.data.datasets.forward_split", lambda name, settings: forward)
    parser = argparse.ArgumentParser()
    evaluate_cli.add_arguments(parser)
    out = tmp_path / "results" / "evaluation.md"
    assert evaluate_cli.run(parser.parse_args(["--datasets", "upworthy", "ars", "--output", str(out)])) == 0
    report = out.read_text()
    assert report == capsys.readouterr().out
    # Per archive: a forward table (the headline yardstick) before the split by test.
    assert report.count("| always-first |") == 4 and "## upworthy" in report and "## ars" in report
    assert report.count("### Forward: the newest 15% of tests, from 2020-05-12") == 2
    assert report.index("### Forward") < report.index("### Split by test")
    assert "train 450 pairs in 150 tests; validation 120 pairs in 40 tests" in report
    assert "train 450 pairs in 150 tests; validation 60 pairs in 20 tests" in report
    assert "transformer" not in report

    assert evaluate_cli.run(parser.parse_args(["--model", str(tmp_path)])) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_a_model_is_measured_only_on_the_split_it_was_trained_for(split):
    model = HalfwayModel()
    model.trained_split = "test"
    forward = evaluate.evaluation_table(split, [model], SETTINGS, kind="forward")
    assert forward.iloc[0, 1] == "not measured: trained on these tests (archive split 'test')"
    assert forward.iloc[0, 3] == ""
    by_test = evaluate.evaluation_table(split, [model], SETTINGS, kind="test")
    assert by_test.iloc[0, 3].startswith("0.")
