"""Probabilities in tables as whole percents ("80%"), as the cards and sentences give them.

Streamlit's "percent" format always shows two decimals ("79.59%"), a precision the model does
not have; its printf formats take the number as it is, so the column is scaled to percent
points first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

WHOLE_PERCENT = "%.0f%%"  # a model's chance, from in_percent_points: "80%"
# Click rates are small and close: one decimal ("13.0%", never "13%" beside "11.06%").
RATE_PERCENT = "%.1f%%"


def rate_format(points: Iterable[float]) -> str:
    """RATE_PERCENT, or as many more decimals as the smallest non-zero rate (in percent points)
    needs for two significant digits: "0.50%", "0.010%", never "0.0%" for a rate that is not 0."""
    small = min((abs(p) for p in points if p and not math.isnan(p)), default=1.0)
    return RATE_PERCENT if small >= 1 else f"%.{min(4, 1 - math.floor(math.log10(small)))}f%%"


def with_rate_format(config: dict, column: str, points: Iterable[float]) -> dict:
    """A copy of the column configs in which ``column`` (a NumberColumn) shows ``points`` with
    rate_format's decimals."""
    number = config[column]
    return {
        **config,
        column: {**number, "type_config": {**number["type_config"], "format": rate_format(points)}},
    }


def in_percent_points(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A copy of frame with each named share (0-1) as percent points (0-100); blanks stay blank."""
    return frame.assign(**{c: frame[c] * 100 for c in columns})
