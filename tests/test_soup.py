import argparse
import dataclasses

import pytest
import torch

from core.cli.train import add_arguments, config_from_args
from core.model.scorer import HeadlineScorer
from core.training.data import pairs_fit_dev
from core.training.loop import train
from core.training.recipe import train_recipe
from core.training.soup import average_state, soup_seeds, train_soup
from tests.model_lab import tiny_config
from tests.test_train import planted_pairs
from tests.tiny_model import make_tiny_base


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return make_tiny_base(tmp_path_factory.mktemp("tiny_base"))


def config(tiny_base, **kw):
    return tiny_config(tiny_base, **{"epochs": 4, "eval_every": 5, **kw})


def test_average_state_is_the_element_wise_mean():
    a = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.0])}
    b = {"w": torch.tensor([3.0, 6.0]), "b": torch.tensor([1.0])}
    mean = average_state([a, b])
    assert torch.equal(mean["w"], torch.tensor([2.0, 4.0])) and torch.equal(mean["b"], torch.tensor([0.5]))


def test_average_state_refuses_models_with_different_parameters():
    with pytest.raises(ValueError, match="different parameters"):
        average_state([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}])


def test_soup_seeds_start_with_the_config_seed_without_repeats():
    assert soup_seeds(dataclasses.replace(tiny_config(None), seed=13, soup_seeds=(1, 13, 2, 1))) == (13, 1, 2)


def test_data_seed_fixes_the_dev_split_across_training_seeds(tiny_base):
    pairs = planted_pairs(30)
    devs = [
        set(
            pairs_fit_dev(config(tiny_base, seed=s, data_seed=7, dev_split="test"), None, train_pairs=pairs)[
                2
            ]["test_id"]
        )
        for s in (1, 2)
    ]
    assert devs[0] == devs[1] and devs[0]
    own = [
        set(pairs_fit_dev(config(tiny_base, seed=s, dev_split="test"), None, train_pairs=pairs)[2]["test_id"])
        for s in (1, 2)
    ]
    assert own[0] != own[1]  # without data_seed each seed carves its own


def test_the_soup_is_the_average_of_its_ingredients(tiny_base, tmp_path):
    pairs = planted_pairs(30)
    soup = train_soup(config(tiny_base, seed=13, soup_seeds=(1,)), train_pairs=pairs)
    # The same two runs trained on their own, on the soup's dev split (seed 13's).
    ingredients = [
        train(config(tiny_base, seed=s, data_seed=13), train_pairs=pairs).scorer.network_.state_dict()
        for s in (13, 1)
    ]
    for name, value in soup.scorer.network_.state_dict().items():
        expected = (ingredients[0][name].float() + ingredients[1][name].float()) / 2
        assert torch.allclose(value.float(), expected, atol=1e-6), name
    assert not torch.allclose(ingredients[0]["head.weight"], ingredients[1]["head.weight"])

    m = soup.manifest
    assert [i["seed"] for i in m["training"]["ingredients"]] == [13, 1]
    assert all(i["history"] for i in m["training"]["ingredients"]) and "best_step" not in m["training"]
    assert m["settings"]["soup_seeds"] == [1] and m["settings"]["data_seed"] == 13
    p = soup.scorer.pair_proba(list(pairs["headline_a"]), list(pairs["headline_b"]))
    assert ((p > 0.5) == (pairs["label"].to_numpy() == 1)).mean() > 0.8
    loaded = HeadlineScorer.from_pretrained(soup.scorer.save_pretrained(tmp_path / "soup"), precision="fp32")
    assert loaded.manifest["training"]["soup"]["seeds"] == [13, 1]
    assert loaded.temperature == pytest.approx(soup.scorer.temperature)


def test_soup_progress_names_the_ingredient(tiny_base):
    stages = []
    train_soup(
        config(tiny_base, epochs=1, soup_seeds=(1,)),
        train_pairs=planted_pairs(10),
        progress=lambda s, d, t: stages.append(s),
    )
    assert "model 1 of 2: training" in stages and "model 2 of 2: training" in stages
    assert stages.index("averaging") > stages.index("model 2 of 2: training")


def test_train_recipe_trains_one_model_without_soup_seeds(tiny_base, monkeypatch):
    called = []
    monkeypatch.setattr("core.training.recipe.train", lambda *a, **k: called.append("train"))
    monkeypatch.setattr("core.training.recipe.train_soup", lambda *a, **k: called.append("soup"))
    train_recipe(config(tiny_base))
    train_recipe(config(tiny_base, soup_seeds=(1, 2)))
    assert called == ["train", "soup"]


def test_command_line_soup_seeds_reach_the_config():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    cfg = config_from_args(parser.parse_args(["--seed", "13", "--soup-seeds", "1", "2", "--data-seed", "5"]))
    assert cfg.soup_seeds == (1, 2) and cfg.data_seed == 5 and cfg.seed == 13
    assert config_from_args(parser.parse_args([])).soup_seeds == ()


def test_ingredients_sharing_a_data_seed_train_on_the_same_sample(monkeypatch):
    from core.training.config import TrainConfig
    from core.training.data import training_pairs

    pairs = planted_pairs(40)
    monkeypatch.setattr("core.training.data.archive_training_pairs", lambda name, settings, split: pairs)
    sample = {
        s: set(
            training_pairs(TrainConfig(datasets=("x",), max_train_pairs=10, seed=s, data_seed=5), None)[
                "test_id"
            ]
        )
        for s in (1, 2)
    }
    assert sample[1] == sample[2] and len(sample[1]) == 10
    own = [
        set(training_pairs(TrainConfig(datasets=("x",), max_train_pairs=10, seed=s), None)["test_id"])
        for s in (1, 2)
    ]
    assert own[0] != own[1]
