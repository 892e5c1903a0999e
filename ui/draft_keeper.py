"""Compare's drafts kept in the browser tab (sessionStorage), so that a reload does not lose them.

Streamlit keeps a session's widgets across page switches (``persist_state``), but a reload
starts a new session. Binding the boxes to the page's address kept them over a reload but
broke the browser's Back button: Back from another page restored the address Compare had
before the drafts were typed, and the drafts with it. The tab's own storage has no such
history: each run stores the drafts there, and a new session's first run asks for them back.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

STORAGE_KEY = "headline-lab-drafts"  # the tab's sessionStorage item
ASKED = "draft_keeper_asked"  # session key: this session has asked the tab for its drafts
ASKING, KEEPING = "draft_keeper_asking", "draft_keeper_keeping"  # the component's two widget keys

# Runs in the page. Asked to restore (a new session), it sends back what the tab stored, or
# null; otherwise it stores what it is given. sessionStorage is per tab and survives a reload.
_JS = f"""
export default function({{ data, setTriggerValue }}) {{
  if (!data) return;
  if (data.restore) {{
    let stored = null;
    try {{ stored = JSON.parse(window.sessionStorage.getItem("{STORAGE_KEY}")); }} catch (e) {{}}
    setTriggerValue("restored", stored && typeof stored === "object" ? stored : {{}});
  }} else if (data.keep) {{
    try {{ window.sessionStorage.setItem("{STORAGE_KEY}", JSON.stringify(data.keep)); }} catch (e) {{}}
  }}
}}
"""
_keeper = st.components.v2.component("headline_lab_draft_keeper", js=_JS)


def restore(count_key: str, draft_key: str, excerpt_key: str, min_drafts: int, max_drafts: int) -> None:
    """Before the boxes are drawn: in a new session, ask the tab for the drafts it kept and, once
    they arrive (the next run), put them in the empty boxes. ``draft_key`` has "{i}" for the box."""
    if st.session_state.get(ASKED) == "done":
        return
    result = _keeper(key=ASKING, data={"restore": True}, height=0, on_restored_change=lambda: None)
    kept = getattr(result, "restored", None)
    if kept is None:  # asked; the answer reruns the page
        st.session_state[ASKED] = "asked"
        return
    st.session_state[ASKED] = "done"
    typed = any(st.session_state.get(draft_key.format(i=i)) for i in range(max_drafts))
    drafts = [str(d)[:10_000] for d in kept.get("drafts", []) if isinstance(d, str)][:max_drafts]
    if typed or not any(drafts):  # never over what the editor typed meanwhile
        return
    count = kept.get("count")
    valid = isinstance(count, int) and min_drafts <= count <= max_drafts
    # The boxes as the editor left them; drafts past the count stay hidden until it is raised again.
    st.session_state[count_key] = count if valid else max(len(drafts), min_drafts)
    for i, draft in enumerate(drafts):
        st.session_state[draft_key.format(i=i)] = draft
    if isinstance(kept.get("excerpt"), str) and not st.session_state.get(excerpt_key):
        st.session_state[excerpt_key] = kept["excerpt"][:100_000]


def keep(count: int, drafts: Sequence[str], excerpt: str) -> None:
    """After the boxes are drawn: the tab stores the drafts as they are now (once it has been
    asked for the ones it kept, so that a new session's empty boxes never overwrite them).
    ``drafts``: every box's text, those hidden by lowering the count included."""
    if st.session_state.get(ASKED) != "done":
        return
    last = max((i for i, d in enumerate(drafts) if d), default=-1)
    kept = {"count": int(count), "drafts": list(drafts[: last + 1]), "excerpt": excerpt}
    _keeper(key=KEEPING, data={"keep": kept}, height=0)
