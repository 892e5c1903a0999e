import numpy as np
import pandas as pd
import streamlit as st

from ui.percent import RATE_PERCENT, WHOLE_PERCENT, in_percent_points, rate_format, with_rate_format


def test_shares_become_percent_points_and_blanks_stay_blank():
    frame = pd.DataFrame({"draft": [1, 2, 3], "p": [0.7959, 0.1187, np.nan]})
    shown = in_percent_points(frame, "p")
    np.testing.assert_allclose(shown["p"], [79.59, 11.87, np.nan])
    assert shown["draft"].tolist() == [1, 2, 3] and frame["p"].iloc[0] == 0.7959  # a copy
    assert WHOLE_PERCENT % shown["p"].iloc[0] == "80%"  # as the cards beside say it


def test_a_small_rate_gets_the_decimals_that_show_it_never_zero():
    assert rate_format([13.04, 11.06]) == RATE_PERCENT  # "13.0%", "11.1%"
    assert rate_format([1.2, 0.0]) == RATE_PERCENT  # a true 0 needs no decimals of its own
    assert rate_format([2.0, 0.5]) % 0.5 == "0.50%"
    assert rate_format([0.0103, 0.0097]) % 0.0097 == "0.0097%"
    assert rate_format([0.01]) % 0.01 == "0.010%"
    assert rate_format([1e-9]) == "%.4f%%"  # at most four decimals
    assert rate_format([np.nan, 5.0]) == RATE_PERCENT and rate_format([]) == RATE_PERCENT


def test_the_rate_column_config_is_copied_with_its_new_format():
    config = {
        "rate": st.column_config.NumberColumn("click rate", format=RATE_PERCENT, help="Clicks ÷ impressions.")
    }
    shown = with_rate_format(config, "rate", pd.Series([0.05, 0.04]))
    assert shown["rate"]["type_config"]["format"] == "%.3f%%"
    assert shown["rate"]["help"] == "Clicks ÷ impressions." and shown["rate"]["label"] == "click rate"
    assert config["rate"]["type_config"]["format"] == RATE_PERCENT  # the module's constant is untouched
