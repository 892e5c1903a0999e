import pandas as pd

from ui.charts import time_axis


def axis_of(*moments: str) -> tuple[str, dict]:
    axis = time_axis(pd.Series(pd.to_datetime(list(moments), utc=True))).to_dict()
    return axis["format"], axis["tickCount"]


def test_outcomes_seconds_apart_get_seconds_on_a_24_hour_clock():
    assert axis_of("2026-11-30 13:03:10", "2026-11-30 13:03:50") == (
        "%H:%M:%S",
        {"interval": "second", "step": 10},
    )


def test_the_unit_grows_with_the_span_and_ticks_stay_few():
    assert axis_of("2026-11-30 13:03", "2026-11-30 13:04") == ("%H:%M:%S", {"interval": "second", "step": 10})
    assert axis_of("2026-11-30 09:00", "2026-11-30 17:00") == ("%H:%M", {"interval": "minute", "step": 120})
    assert axis_of("2026-11-01", "2026-11-30") == ("%-d %b", {"interval": "day", "step": 7})
    assert axis_of("2025-01-01", "2026-11-30") == ("%b %Y", {"interval": "month", "step": 6})
    assert axis_of("2010-01-01", "2026-11-30") == ("%Y", {"interval": "year", "step": 1})


def test_one_outcome_still_has_an_axis():
    assert axis_of("2026-11-30 13:03:10") == ("%H:%M:%S", {"interval": "second", "step": 1})
