"""ui.live.HighlightSlots: the page's run ends by filling in each highlight as it arrives."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def slots_script(wait_s: float, fail: bool) -> None:
    import time

    from core.newsroom.explain_queue import ExplanationQueue
    from ui.live import HighlightSlots

    def compute(key, check):
        time.sleep(0.3)  # a one-word edit's explanation takes about this long
        if fail and key[0] == "Cat does a dance":
            raise ValueError("no words")
        return {"dance": 0.2, "Cat": -0.1}

    keys = [("Cat does a dance", None), ("Cat does a thing", None)]
    queue = ExplanationQueue(compute)
    queue.request([keys[1]])  # explained before the edit (the slots ask as this session)
    assert queue.wait([keys[1]], 10).complete
    slots = HighlightSlots(queue, keys, [k[0] for k in keys])
    slots.begin()
    slots.draw(0)
    slots.draw(1)
    import streamlit as st

    st.markdown("Save form")  # what the page draws below the highlights before it waits
    slots.fill(wait_s)


def run(wait_s: float, fail: bool = False) -> AppTest:
    at = AppTest.from_function(slots_script, args=(wait_s, fail), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def test_the_run_waits_for_the_draft_left_and_redraws_it_in_place():
    at = run(wait_s=10)
    edited, other = bodies(at)
    assert ">dance</span>" in edited and '<span title="' in edited  # coloured: its weights arrived
    assert '<span title="' in other
    assert [c.value for c in at.caption] == [
        "Both drafts explained. Hover a word to see how much it moves the draft's chance."
    ]
    assert [m.value for m in at.markdown] == ["Save form"]


def test_a_draft_that_cannot_be_explained_says_so_under_its_plain_headline():
    at = run(wait_s=10, fail=True)
    edited, _ = bodies(at)
    assert '<span title="' not in edited
    assert [c.value for c in at.caption] == [
        "1 of 2 drafts explained. Hover a word to see how much it moves the draft's chance.",
        "This draft could not be explained; its score above still holds.",
    ]


def test_a_wait_that_runs_out_says_so_and_leaves_the_draft_plain():
    at = run(wait_s=0.05)
    edited, other = bodies(at)
    assert '<span title="' not in edited and '<span title="' in other
    assert [c.value for c in at.caption] == [
        "Explaining the words is taking longer than usual; change a draft to look again."
    ]
