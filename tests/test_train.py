import numpy as np
import pandas as pd
import pytest

from core.data.pairs import build_pairs
from core.model.scorer import HeadlineScorer
from core.training.calibration import fit_temperature
from core.training.config import TrainConfig, TrainingCancelled
from core.training.data import pair_weights, pairs_fit_dev, training_pairs
from core.training.loop import checkpoint_decision, initial_scorer, train
from core.training.provenance import data_fingerprint
from tests.model_lab import tiny_config
from tests.tiny_model import make_tiny_base

GOOD = ["amazing", "incredible", "stunning", "remarkable", "wonderful", "brilliant"]
BAD = ["report", "committee", "quarterly", "minutes", "agenda", "memo"]


def planted_pairs(n_tests: int = 40) -> pd.DataFrame:
    """Tests where the headline with a 'good' word always gets more clicks."""
    rng = np.random.default_rng(0)
    rows = []
    for t in range(n_tests):
        topic = f"topic{t}"
        good = f"{rng.choice(GOOD)} news about {topic}"
        bad = f"{rng.choice(BAD)} news about {topic}"
        rows.append({"test_id": f"t:{t}", "headline": good, "impressions": 1000, "clicks": 120})
        rows.append({"test_id": f"t:{t}", "headline": bad, "impressions": 1000, "clicks": 60})
    arms = pd.DataFrame(rows).assign(
        excerpt=None, image_id=None, lede_id=None, date=pd.Timestamp("2020-01-01"), source="test"
    )
    return build_pairs(arms)


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return make_tiny_base(tmp_path_factory.mktemp("tiny_base"))


def config(tiny_base, **kw) -> TrainConfig:
    return tiny_config(tiny_base, **{"epochs": 8, "eval_every": 5, **kw})


def test_training_lowers_the_loss_and_learns_the_planted_signal(tiny_base):
    pairs = planted_pairs()
    result = train(config(tiny_base), train_pairs=pairs)
    history = result.history
    assert history[-1]["dev_log_loss"] < history[0]["dev_log_loss"]
    p = result.scorer.pair_proba(list(pairs["headline_a"]), list(pairs["headline_b"]))
    accuracy = ((p > 0.5) == (pairs["label"].to_numpy() == 1)).mean()
    assert accuracy > 0.8


def test_manifest_records_data_code_and_settings(tiny_base, tmp_path):
    pairs = planted_pairs(10)
    result = train(config(tiny_base, epochs=1), train_pairs=pairs)
    m = result.manifest
    assert m["data_fingerprint"]["tests"] == 10
    assert m["settings"]["lr"] == 1e-3 and m["git_commit"]
    folder = result.scorer.save_pretrained(tmp_path / "m")
    loaded = HeadlineScorer.from_pretrained(folder, precision="fp32")
    assert loaded.manifest["data_fingerprint"] == m["data_fingerprint"]


def test_cancel_raises_and_returns_nothing(tiny_base):
    with pytest.raises(TrainingCancelled):
        train(config(tiny_base), train_pairs=planted_pairs(10), should_stop=lambda: True)


def test_progress_reports_every_step(tiny_base):
    seen = []
    train(
        config(tiny_base, epochs=1),
        train_pairs=planted_pairs(10),
        progress=lambda s, d, t: seen.append((s, d, t)),
    )
    steps = [d for s, d, t in seen if s == "training"]
    assert steps == list(range(1, len(steps) + 1)) and steps


def test_fit_temperature_recovers_a_known_scale():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 20000)
    y = (rng.random(20000) < 1 / (1 + np.exp(-logits / 2.0))).astype(float)
    assert abs(fit_temperature(logits, y) - 2.0) < 0.15


def test_data_fingerprint_counts_sources():
    pairs = planted_pairs(5).assign(editor=False)
    fp = data_fingerprint(pairs)
    assert fp["tests"] == 5 and fp["archive_tests"] == 5 and fp["editor_tests"] == 0
    assert (
        fp["test_ids_sha256"] == data_fingerprint(pairs.iloc[::-1].reset_index(drop=True))["test_ids_sha256"]
    )


def test_training_with_the_excerpt_as_context(tiny_base):
    pairs = planted_pairs(20).assign(excerpt="A story about a town and its people")
    result = train(config(tiny_base, context="excerpt"), train_pairs=pairs)
    assert result.history[-1]["dev_log_loss"] < result.history[0]["dev_log_loss"]
    assert result.manifest["settings"]["context"] == "excerpt"
    scorer = result.scorer
    headlines = list(pairs["headline_a"][:3])
    assert not np.allclose(scorer.score(headlines, "A story about a town"), scorer.score(headlines))


@pytest.mark.parametrize(
    ("losses", "kept_index"),
    [
        ([0.6586, 0.6601, 0.6603, 0.6593], 3),  # flat within noise: the last, most trained
        ([0.6629, 0.6559, 0.6523, 0.6522], 3),  # still improving: the last
        ([0.650, 0.6515, 0.640, 0.660], 2),  # a clear best, then worse: the best
        ([0.650, 0.640, 0.6415, 0.6435], 2),  # last within tolerance of the best
    ],
)
def test_the_kept_checkpoint_is_the_last_within_tolerance_of_the_best(losses, kept_index):
    lowest, kept = float("inf"), None
    for i, loss in enumerate(losses):
        _, keep = checkpoint_decision(loss, lowest, tolerance=0.002)
        kept = i if keep else kept
        lowest = min(lowest, loss)
    assert kept == kept_index


def test_only_a_real_improvement_resets_patience():
    assert checkpoint_decision(0.650, 0.6505, 0.002) == (True, True)
    assert checkpoint_decision(0.65045, 0.6505, 0.002) == (False, True)  # within 1e-4: kept, not improved
    assert checkpoint_decision(0.660, 0.650, 0.002) == (False, False)


def dated(pairs: pd.DataFrame) -> pd.DataFrame:
    """One test a day, in test order."""
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(len(pairs)), unit="D")
    return pairs.assign(date=days.to_numpy())


def test_the_dev_slice_is_the_newest_tests_by_default():
    pairs = dated(planted_pairs(40)).assign(editor=False)
    _, fit, dev = pairs_fit_dev(TrainConfig(dev_fraction=0.1), None, train_pairs=pairs)
    assert sorted(dev["test_id"]) == ["t:36", "t:37", "t:38", "t:39"]
    assert pd.to_datetime(fit["date"]).max() < pd.to_datetime(dev["date"]).min()
    # The bundled recipe's dev slice: random test groups.
    _, _, random_dev = pairs_fit_dev(TrainConfig(dev_fraction=0.1, dev_split="test"), None, train_pairs=pairs)
    assert sorted(random_dev["test_id"]) != sorted(dev["test_id"])


def test_recency_weighting_halves_the_weight_every_half_life():
    pairs = dated(planted_pairs(5)).assign(editor=False)
    weights = pair_weights(pairs, TrainConfig(recency_half_life_days=2.0))
    np.testing.assert_allclose(weights, [0.25, 0.5**1.5, 0.5, 0.5**0.5, 1.0])
    assert (pair_weights(pairs, TrainConfig()) == 1).all()


def test_archive_pairs_given_to_training_sit_beside_the_editors_weighted(tiny_base):
    archive = dated(planted_pairs(30))
    editors = dated(planted_pairs(4)).assign(test_id=lambda d: "e" + d["test_id"])
    pairs = training_pairs(TrainConfig(editor_weight=3.0, max_train_pairs=10), None, editors, archive=archive)
    assert (~pairs["editor"]).sum() == 10 and pairs["editor"].sum() == 4
    assert set(pairs.loc[pairs["editor"], "weight"]) == {3.0}


def test_a_zero_head_starts_every_headline_at_the_same_score(tiny_base):
    scorer = initial_scorer(TrainConfig(base_model=str(tiny_base), head_init="zero", precision="fp32"))
    assert np.ptp(scorer.score(["one headline", "another one entirely"])) == 0


def test_the_token_budget_is_a_training_choice_the_saved_model_keeps(tiny_base, tmp_path):
    scorer = initial_scorer(TrainConfig(base_model=str(tiny_base), max_tokens=4, precision="fp32"))
    long = "one two three four five six seven eight"
    # Words past the fourth token are never read, so they cannot change the score.
    assert scorer.score([long])[0] == scorer.score([long.replace("eight", "nine")])[0]
    assert scorer.score([long])[0] != scorer.score([long.replace("one", "nine")])[0]
    scorer.save_pretrained(tmp_path / "m", {"settings": {}})
    assert HeadlineScorer.from_pretrained(tmp_path / "m").max_tokens == 4
