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
