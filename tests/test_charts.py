import pandas as pd
import pytest

from ui.charts import time_format


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-11-30 13:03:10", "2026-11-30 13:03:10", "%H:%M:%S"),  # one outcome
        ("2026-11-30 13:03:10", "2026-11-30 13:03:50", "%H:%M:%S"),  # seconds apart: seconds shown
        ("2026-11-30 09:00", "2026-11-30 17:00", "%-d %b %H:%M"),
        ("2026-11-01", "2026-12-15", "%-d %b"),
        ("2025-01-01", "2026-11-30", "%b %Y"),
    ],
)
def test_labels_are_as_fine_as_the_span_needs_on_a_24_hour_clock(first, last, expected):
    assert time_format(pd.Series(pd.to_datetime([first, last], utc=True))) == expected
