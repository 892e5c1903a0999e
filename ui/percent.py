"""Probabilities in tables as whole percents ("80%"), as the cards and sentences give them.

Streamlit's "percent" format always shows two decimals ("79.59%"), a precision the model does
not have; its printf formats take the number as it is, so the column is scaled to percent
points first.
"""

from __future__ import annotations

import pandas as pd

WHOLE_PERCENT = "%.0f%%"  # a model's chance, from in_percent_points: "80%"
# Click rates are small and close: one decimal ("13.0%", never "13%" beside "11.06%").
RATE_PERCENT = "%.1f%%"


def in_percent_points(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A copy of frame with each named share (0-1) as percent points (0-100); blanks stay blank."""
    return frame.assign(**{c: frame[c] * 100 for c in columns})
