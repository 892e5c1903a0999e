"""The one entry to training: a model soup when the config names soup seeds, else one run."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from core.basics.settings import Settings
from core.training.config import Progress, TrainConfig, TrainResult
from core.training.loop import train
from core.training.soup import train_soup


def train_recipe(
    config: TrainConfig,
    settings: Settings | None = None,
    extra_pairs: pd.DataFrame | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """A soup when the config names soup seeds, else one run of :func:`core.training.loop.train`."""
    fit = train_soup if config.soup_seeds else train
    return fit(config, settings, extra_pairs, progress, should_stop)
