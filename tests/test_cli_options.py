"""core.cli.options: the training command's options are generated from TrainConfig's fields."""

import argparse
import dataclasses

from core.cli import train as train_cli
from core.cli.options import field_comments
from core.training.config import TrainConfig


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    train_cli.add_arguments(p)
    return p


def test_every_config_field_is_an_option():
    dests = {a.dest for a in parser()._actions}
    fields = {f.name for f in dataclasses.fields(TrainConfig) if f.compare}
    assert fields <= dests


def test_no_options_give_the_config_defaults():
    assert train_cli.config_from_args(parser().parse_args([])) == TrainConfig()


def test_each_kind_of_field_parses():
    args = parser().parse_args(
        ["--epochs", "0.5", "--soft-labels", "--datasets", "ars", "--data-seed", "7"]
        + ["--frozen-prefixes", "encoder.embeddings.", "encoder.encoder.layer.0.", "--precision", "fp32"]
    )
    config = train_cli.config_from_args(args)
    assert config.epochs == 0.5 and config.soft_labels is True and config.datasets == ("ars",)
    assert config.data_seed == 7 and config.precision == "fp32"
    assert config.frozen_prefixes == ("encoder.embeddings.", "encoder.encoder.layer.0.")


def test_help_comes_from_the_comments_beside_or_above_each_field():
    comments = field_comments(TrainConfig)
    assert comments["lr"] == "encoder learning rate"
    assert "dev split" in comments["data_seed"]  # written on the lines above the field
