import pandas as pd

from core.newsroom.compare import head_to_head
from ui.compare_views import head_to_head_cells


def test_the_head_to_head_chart_leaves_a_draft_against_itself_blank():
    ranked = pd.DataFrame({"draft": [2, 1, 3], "rank": [1, 2, 3], "score": [1.0, 0.0, -0.5]})
    cells = head_to_head_cells(head_to_head(ranked))
    assert len(cells) == 3 * 2  # every ordered pair of different drafts, no diagonal
    assert not (cells["draft"] == cells["against"]).any()
    one = cells[(cells["draft"] == "Draft 2") & (cells["against"] == "Draft 1")]["p"].item()
    other = cells[(cells["draft"] == "Draft 1") & (cells["against"] == "Draft 2")]["p"].item()
    assert one > 0.5 and abs(one + other - 1) < 1e-12
