"""The newsroom's own data: headline pairs from every editor test with a recorded outcome."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from core.basics.settings import Settings
from core.data.pairs import build_pairs
from db.imports import arms_frame

EDITOR_SOURCES = ("editor", "outcomes")  # tests from the Compare page and imported outcome files


def editor_pairs(session: Session, settings: Settings) -> pd.DataFrame:
    """Pairs (core.data.pairs.PAIR_COLUMNS) of editor tests with an outcome.

    Training weights them by significance and ``retrain_editor_weight``
    (core.lifecycle.retrain.retrain_args).
    """
    return build_pairs(arms_frame(session, EDITOR_SOURCES), settings)


def pairs_fingerprint(pairs: pd.DataFrame) -> str:
    """A short digest of editor pairs and their counts: it changes whenever an outcome is
    recorded, corrected, undone or deleted (what a comparison of two models measured)."""
    columns = [
        "test_id",
        "headline_a",
        "headline_b",
        "impressions_a",
        "clicks_a",
        "impressions_b",
        "clicks_b",
    ]
    digest = pd.util.hash_pandas_object(pairs[columns].astype(str), index=False).to_numpy()
    return f"{len(pairs)}-{int(digest.sum(dtype='uint64')):x}"
