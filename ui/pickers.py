"""Pickers keyed by id: the choice survives its label changing (a test gets its outcome).

Streamlit keeps a selectbox's choice as the text shown for it; when that text changes the
choice would come back as the old text instead of the id. The widget key here carries a
fingerprint of the labels, and the chosen id is kept under the caller's key, so a new label
starts a fresh widget on the same id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Sequence

import streamlit as st


def pick_id(
    label: str,
    ids: Sequence[Hashable],
    describe: Callable[[Hashable], str],
    key: str,
    default: Hashable | None = None,
    follow: Hashable | None = None,
    **kwargs,
) -> Hashable | None:
    """A selectbox over ``ids`` showing ``describe(id)``; returns the chosen id.

    The choice is kept in ``st.session_state[key]``. ``default`` is chosen when nothing is chosen
    yet (or the chosen id is gone); ``follow`` (e.g. the test just saved) is chosen whenever it
    changes to an id on the list.
    """
    if not ids:
        return None
    labels = {i: describe(i) for i in ids}
    fingerprint = hashlib.sha1("\x1f".join(labels.values()).encode()).hexdigest()[:12]
    chosen, followed = st.session_state.get(key), st.session_state.get(f"{key}__followed")
    if follow in labels and follow != followed:
        chosen = follow
    elif key not in st.session_state or chosen not in labels:
        chosen = default if default in labels else ids[0]
    st.session_state[f"{key}__followed"] = follow
    picked = st.selectbox(
        label,
        list(ids),
        index=list(ids).index(chosen),
        format_func=labels.__getitem__,
        key=f"{key}__{fingerprint}",
        **kwargs,
    )
    if picked not in labels:  # never a stale label: fall back to the id kept
        picked = chosen
    st.session_state[key] = picked
    return picked
