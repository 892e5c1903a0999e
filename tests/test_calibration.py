"""core.training.calibration: the temperature and LIME's reference score, on small data too."""

import numpy as np
import pandas as pd
import pytest

from core.basics.stats import sigmoid
from core.model.scorer import HeadlineScorer
from core.training.calibration import fit_temperature, reference_score
from tests.tiny_model import make_tiny_base


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    return HeadlineScorer.from_base(make_tiny_base(tmp_path_factory.mktemp("tiny")), seed=1, precision="fp32")


def test_reference_score_on_few_pairs_that_repeat_headlines(scorer):
    """Fewer than 2,000 rows, with repeats: the sample is of the distinct headlines (this crashed
    with "Cannot take a larger sample than population")."""
    fit = pd.DataFrame(
        {
            "headline_a": ["Cats win", "Cats win", "Dogs win"],
            "headline_b": ["Dogs win", "Owls win", "Owls win"],
        }
    )
    expected = np.mean(scorer.score(["Cats win", "Dogs win", "Owls win"]))
    assert reference_score(scorer, fit, seed=0) == pytest.approx(expected)


def test_the_temperature_undoes_a_known_scaling():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, 20_000)
    y = (rng.random(20_000) < sigmoid(true_logits)).astype(float)
    assert fit_temperature(3 * true_logits, y) == pytest.approx(3, rel=0.05)
