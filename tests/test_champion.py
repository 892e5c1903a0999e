import numpy as np
import pandas as pd
import pytest

from core.__main__ import main
from core.lifecycle import champion, jobs, registry
from core.lifecycle.champion import McNemar, mcnemar, verdict
from tests.model_lab import good_model, load, make_lab, publish, record_editor_test, reversed_model


@pytest.fixture
def lab(tmp_path):
    return make_lab(tmp_path / "lab")


def correctness(both: int, champion_only: int, challenger_only: int, neither: int):
    pattern = [(1, 1)] * both + [(1, 0)] * champion_only + [(0, 1)] * challenger_only + [(0, 0)] * neither
    arr = np.array(pattern, dtype=bool)
    return arr[:, 0], arr[:, 1]


def test_mcnemar_matches_hand_computed_exact_p_values():
    # 7 discordant pairs split 1 vs 6: p = 2 * (C(7,0) + C(7,1)) / 2^7 = 16 / 128.
    assert mcnemar(*correctness(30, 1, 6, 5)) == McNemar(1, 6, 0.125)
    # 0 vs 7: p = 2 / 128; concordant pairs do not matter.
    assert mcnemar(*correctness(0, 7, 0, 40)) == McNemar(7, 0, 0.015625)
    assert mcnemar(*correctness(10, 3, 3, 0)).p_value == 1.0
    assert mcnemar(*correctness(10, 0, 0, 2)).p_value == 1.0


def metrics(champ: dict, chall: dict) -> pd.DataFrame:
    base = {
        "pairs": 100,
        "significant_pairs": 40,
        "accuracy": 0.7,
        "accuracy_significant": 0.8,
        "log_loss": 0.6,
    }
    return pd.DataFrame([{**base, **champ}, {**base, **chall}])


@pytest.mark.parametrize(
    ("champ", "chall", "test", "failed_rule", "in_words"),
    [
        ({}, {}, McNemar(5, 5, 1.0), None, None),
        ({}, {"accuracy_significant": 0.795, "log_loss": 0.609}, McNemar(5, 3, 0.7), None, None),  # margins
        ({}, {"accuracy": 0.6}, McNemar(12, 2, 0.013), "McNemar", "picks the winning headline less often"),
        ({}, {"accuracy": 0.8}, McNemar(2, 12, 0.013), None, None),  # significantly *better* is fine
        (
            {},
            {"accuracy_significant": 0.78},
            McNemar(5, 4, 1.0),
            "significant pairs",
            "(78.0% against 80.0%)",
        ),
        # Only the probabilities: not "worse" (the walk-through read "worse" beside equal accuracies).
        ({}, {"log_loss": 0.62}, McNemar(5, 4, 1.0), "log loss", "its win probabilities are further from"),
        ({"pairs": 0}, {"pairs": 0}, McNemar(0, 0, 1.0), "held-out", "no held-out tests"),
    ],
)
def test_promotion_rule(lab, champ, chall, test, failed_rule, in_words):
    checks = verdict(metrics(champ, chall), test, lab)
    failed = [c for c in checks if not c.passed]
    assert [c.rule for c in failed] == (
        [] if failed_rule is None else [next(c.rule for c in checks if failed_rule in c.rule)]
    )
    assert all(c.shortfall for c in checks)  # every rule can say what failing it means
    if in_words:
        assert in_words in failed[0].shortfall


def test_a_worse_model_is_refused_without_override_and_recorded_with_it(lab, monkeypatch, capsys):
    for name, value in jobs.settings_env(lab).items():
        monkeypatch.setenv(name, value)
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, reversed_model(good_model()), "v2")

    assert main(["models", "promote", "v2"]) == 2
    assert "refused" in capsys.readouterr().out
    with pytest.raises(champion.PromotionRefused, match="McNemar|accuracy") as refused:
        champion.promote(lab, "v2", by="ana")
    comparison = refused.value.comparison
    assert comparison.metrics["pairs"].tolist() == [14, 14]  # 10 Upworthy + 4 Ars validation pairs
    assert comparison.test.champion_only > comparison.test.challenger_only and comparison.test.p_value < 0.05
    with pytest.raises(ValueError, match="who"):
        champion.promote(lab, "v2", by="ana", override=True, reason=" ")
    assert registry.active_version(lab).version == "v1"

    reason = "trying the new style on purpose"
    with pytest.raises(SystemExit):  # a name the database cannot keep: refused by argparse, as in the app
        main(["models", "promote", "v2", "--override", "--by", "a" * 101, "--reason", reason])
    assert "at most 100 fit" in capsys.readouterr().err
    assert main(["models", "promote", "v2", "--override", "--by", "ana", "--reason", reason]) == 0

    assert registry.active_version(lab).version == "v2"
    event = registry.events(lab)[0]
    assert (event.version, event.action, event.by) == ("v2", "override", "ana")
    assert event.note.startswith(reason) and "McNemar" in event.note


def test_held_out_pairs_are_the_validation_split_and_editor_tests_not_trained_on(tmp_path):
    lab = make_lab(tmp_path / "lab", compare_max_pairs=3)
    used = record_editor_test(
        lab, ["amazing news about cats", "memo news about cats"], [(900, 90), (900, 30)]
    )
    fresh = record_editor_test(
        lab, ["agenda news about dogs", "stunning news about dogs"], [(800, 20), (800, 80)]
    )
    manifests = [
        {"data_fingerprint": {"editor_test_ids": [used]}},
        {"data_fingerprint": {"editor_test_ids": []}},
    ]

    pairs, warnings = champion.held_out_pairs(lab, manifests)

    assert pairs.groupby("set").size().to_dict() == {"upworthy": 3, "ars": 3, "editor": 1}
    assert pairs.loc[pairs["set"] == "editor", "test_id"].tolist() == [fresh]
    assert warnings == []
