import pandas as pd
import pytest

from ui.charts import calibration_layers, time_format, time_title


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-11-30 13:03:10", "2026-11-30 13:03:10", "%-d %b %Y, %H:%M"),  # one outcome: its day
        ("2026-11-30 13:03:10", "2026-11-30 13:03:50", "%H:%M:%S"),  # seconds apart: seconds shown
        ("2026-11-30 09:00", "2026-11-30 17:00", "%-d %b %H:%M"),
        ("2026-11-01", "2026-12-15", "%-d %b"),
        ("2025-01-01", "2026-11-30", "%b %Y"),
    ],
)
def test_labels_are_as_fine_as_the_span_needs_on_a_24_hour_clock(first, last, expected):
    assert time_format(pd.Series(pd.to_datetime([first, last], utc=True))) == expected


def test_a_time_axis_of_one_day_names_the_day_in_the_browsers_zone():
    seconds_apart = pd.Series(pd.to_datetime(["2026-11-30 23:50:00", "2026-11-30 23:59:00"], utc=True))
    assert time_title(seconds_apart) == "recorded on 30 Nov 2026"
    assert time_title(seconds_apart, "Asia/Tokyo") == "recorded on 1 Dec 2026"
    across_midnight = pd.Series(pd.to_datetime(["2026-11-30 23:55:00", "2026-12-01 00:05:00"], utc=True))
    assert time_title(across_midnight) == "recorded"  # two days: no one day to name
    hours_apart = pd.Series(pd.to_datetime(["2026-11-30 09:00", "2026-11-30 17:00"], utc=True))
    assert time_title(hours_apart) == "recorded"  # its labels say the day already


def test_the_calibration_chart_is_padded_but_labels_only_real_probabilities():
    table = pd.DataFrame(
        {"predicted": [0.1, 0.55, 0.98], "observed": [0.0, 0.5, 1.0], "arms": [4, 10, 3]},
        index=pd.Index(["0-20%", "40-60%", "80-100%"], name="bin"),
    )
    spec = calibration_layers(table).to_dict()
    points = spec["layer"][1]["encoding"]
    for axis in ("x", "y"):
        assert points[axis]["scale"]["padding"] > 0  # a point at 100% drawn whole
        assert (
            min(points[axis]["axis"]["values"]) == 0 and max(points[axis]["axis"]["values"]) == 1
        )  # no "110%"
