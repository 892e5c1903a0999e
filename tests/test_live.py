"""ui.live.HighlightSlots: a poll waits for the one draft left to explain; the page's run does not."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def slots_script(in_page_run: bool, wait_s: float) -> None:
    import time

    from core.newsroom.explain_queue import ExplanationQueue
    from ui.live import HighlightSlots

    def compute(key, check):
        time.sleep(0.3)  # a one-word edit's explanation takes about this long
        return {"dance": 0.2, "Cat": -0.1}

    keys = [("Cat does a dance", None), ("Cat does a thing", None)]
    queue = ExplanationQueue(compute)
    queue.request([keys[1]])  # explained before the edit
    assert queue.wait([keys[1]], 10).complete
    slots = HighlightSlots(queue, keys, [k[0] for k in keys])
    slots.in_page_run = in_page_run
    slots.begin(queue.request(keys))
    slots.draw(0)
    slots.draw(1)
    slots.fill_soon(wait_s, 1)


def run(in_page_run: bool, wait_s: float) -> AppTest:
    at = AppTest.from_function(slots_script, args=(in_page_run, wait_s), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def test_a_poll_waits_for_the_last_draft_and_redraws_it_in_place():
    at = run(in_page_run=False, wait_s=10)
    edited, other = bodies(at)
    assert ">dance</span>" in edited and '<span title="' in edited  # coloured: its weights arrived
    assert '<span title="' in other
    assert [c.value for c in at.caption] == ["All 2 drafts explained. Hover a word for its weight."]


@pytest.mark.parametrize("in_page_run, wait_s", [(True, 10), (False, 0)])
def test_the_page_run_and_a_zero_wait_leave_it_to_the_next_poll(in_page_run, wait_s):
    at = run(in_page_run, wait_s)
    edited, other = bodies(at)
    assert '<span title="' not in edited and '<span title="' in other
    assert [c.value for c in at.caption] == [
        "Explaining the words… 1 of 2 drafts done; the scores above are final."
    ]
