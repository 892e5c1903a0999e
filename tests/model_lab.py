"""A miniature Headline Lab for registry, retrain and champion tests.

Archives in the real file formats (an Upworthy parquet, an Ars Technica CSV) with a planted
signal: in every test the headline with a "good" word gets twice the clicks. A tiny random BERT
learns it in seconds, so trained, reversed (worse) and shifted (equal) models are cheap.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from core.basics.settings import Settings, load_settings
from core.lifecycle import install, registry
from core.model.scorer import HeadlineScorer
from core.training.config import TrainConfig
from core.training.loop import train
from db import experiments, model_versions, outcomes
from db.engine import get_sessionmaker
from db.migrate import upgrade
from tests.databases import fresh_database_url
from tests.tiny_model import make_tiny_base

GOOD = ["amazing", "incredible", "stunning", "remarkable", "wonderful", "brilliant"]
BAD = ["report", "committee", "quarterly", "minutes", "agenda", "memo"]
PROBE = ["amazing news about probes", "memo news about probes", "stunning agenda for everyone"]


def _pair(rng: np.random.Generator, topic: str) -> tuple[str, str]:
    return f"{rng.choice(GOOD)} news about {topic}", f"{rng.choice(BAD)} news about {topic}"


def make_lab(root: Path, upworthy_tests: int = 50, ars_tests: int = 20, **overrides) -> Settings:
    """Settings rooted in ``root`` with planted archives and a migrated SQLite database."""
    rng = np.random.default_rng(0)
    rows = []
    for t in range(upworthy_tests):
        good, bad = _pair(rng, f"topic{t}")
        for headline, clicks in ((good, 120), (bad, 60)):
            rows.append(
                {
                    "clickability_test_id": f"u{t}",
                    "headline": headline,
                    "impressions": 1000,
                    "clicks": clicks,
                    "created_at": "2015-03-01",
                    "excerpt": f"story {t}",
                    "eyecatcher_id": f"img{t}",
                    "lede": "",
                }
            )
    (root / "data").mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(root / "data" / "upworthy_exploratory.parquet")
    ars = []
    for t in range(ars_tests):
        good, bad = _pair(rng, f"gadget{t}")
        a_good = t % 2 == 0
        a, b = (good, bad) if a_good else (bad, good)
        ars.append(
            {
                "ID": t,
                "title_a": a,
                "title_b": b,
                "title_a_impressions": 2000,
                "title_b_impressions": 2000,
                "title_a_clicks": 200 if a_good else 100,
                "title_b_clicks": 100 if a_good else 200,
            }
        )
    (root / "shared" / "arsheadlines").mkdir(parents=True)
    pd.DataFrame(ars).to_csv(root / "shared" / "arsheadlines" / "formatted_headlines.csv", index=False)
    settings = load_settings(
        root=root, shared_data=str(root / "shared"), database_url=fresh_database_url(root), **overrides
    )
    upgrade(settings)
    return settings


def tiny_config(tiny_base: Path | None = None, **kw) -> TrainConfig:
    """Quick training settings for the tiny model (``tiny_base``, or ``init_from`` in kw)."""
    base = dict(
        base_model=str(tiny_base or ""),
        epochs=4,
        batch_pairs=8,
        eval_every=8,
        patience=100,
        lr=1e-3,
        head_lr=1e-2,
        precision="fp32",
        dev_fraction=0.2,
    )
    return TrainConfig(**{**base, **kw})


def train_good_model(settings: Settings, tiny_base: Path, folder: Path) -> Path:
    """A tiny model trained on the lab's archive training split, saved (unregistered) to folder."""
    result = train(tiny_config(tiny_base), settings)
    return result.scorer.save_pretrained(folder)


def load(folder: Path) -> HeadlineScorer:
    return HeadlineScorer.from_pretrained(folder, precision="fp32")


def reversed_model(folder: Path) -> HeadlineScorer:
    """The model with its head negated: it prefers the bad headline, so it is clearly worse."""
    scorer = load(folder)
    with torch.no_grad():
        scorer.network_.head.weight.neg_()
    return scorer


def shifted_model(folder: Path, shift: float = 1.0) -> HeadlineScorer:
    """Every score moved by the same amount: different scores, identical pairwise predictions."""
    scorer = load(folder)
    with torch.no_grad():
        scorer.network_.head.bias.add_(shift)
    return scorer


def publish(settings: Settings, scorer: HeadlineScorer, version: str, activate: bool = False):
    row = install.publish_model(settings, scorer, version=version, by="test")
    if activate:
        with get_sessionmaker(settings).begin() as session:
            model_versions.activate_model_version(session, version, "test")
    return row


def active_scores(settings: Settings) -> np.ndarray:
    """What the app would score the probe headlines with now."""
    return HeadlineScorer.from_pretrained(registry.active_model_dir(settings), precision="fp32").score(PROBE)


def record_editor_test(settings: Settings, headlines: list[str], results: list[tuple[int, int]]) -> str:
    """An editor test with its recorded outcome; returns its external id."""
    with get_sessionmaker(settings).begin() as session:
        test = experiments.create_test(session, headlines, created_by="editor")
        arms = {arm.id: result for arm, result in zip(test.arms, results)}
        outcomes.record_outcome(session, test.id, arms, recorded_by="editor", significant=True)
        return test.external_id


@functools.cache
def good_model() -> Path:
    """A tiny model trained on a lab's archive, once per test process (labs share their archive)."""
    root = Path(tempfile.mkdtemp(prefix="headline-lab-model-"))
    atexit.register(shutil.rmtree, root, True)
    settings = make_lab(root / "lab")
    return train_good_model(settings, make_tiny_base(root / "tiny"), root / "good")
