import numpy as np
import pandas as pd

from ui.percent import WHOLE_PERCENT, in_percent_points


def test_shares_become_percent_points_and_blanks_stay_blank():
    frame = pd.DataFrame({"draft": [1, 2, 3], "p": [0.7959, 0.1187, np.nan]})
    shown = in_percent_points(frame, "p")
    np.testing.assert_allclose(shown["p"], [79.59, 11.87, np.nan])
    assert shown["draft"].tolist() == [1, 2, 3] and frame["p"].iloc[0] == 0.7959  # a copy
    assert WHOLE_PERCENT % shown["p"].iloc[0] == "80%"  # as the cards beside say it
