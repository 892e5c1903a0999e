"""Every page request runs inside app.py: the database is prepared, the layout wide, the sidebar
drawn, whatever URL an editor bookmarked."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ENTERED_THROUGH_APP = "entered_through_app"  # session key: app.py has run in this session
RETURN_TO_PAGE = "return_to_page"  # session key: the page a first request asked for
APP_DIR = Path(__file__).resolve().parent.parent


def entered_through_app() -> None:
    """app.py marks the session: from now on its pages run inside app.py's frame."""
    st.session_state[ENTERED_THROUGH_APP] = True


def through_app(page_file: str | None) -> None:
    """Route a page request that did not come through app.py through it, and back.

    Streamlit stays in its legacy multipage mode, in which a ``pages/`` folder lists every
    file in it and a page's URL runs that file alone, until some session has run
    app.py's ``st.navigation``. So the first request after a server start, if it is for a
    page's own URL (an editor's bookmark of /history), would run the page without the
    database migration, the wide layout or the sidebar. Each page calls this first.
    """
    if st.session_state.get(ENTERED_THROUGH_APP):
        return
    if page_file:
        st.session_state[RETURN_TO_PAGE] = Path(page_file).resolve().relative_to(APP_DIR).as_posix()
    st.switch_page("app.py")


def return_to_requested_page() -> None:
    """app.py, after st.navigation: go on to the page a first request asked for, if any."""
    page = st.session_state.pop(RETURN_TO_PAGE, None)
    if page:
        st.switch_page(page)


def menu(pages: list) -> None:
    """The app's navigation in the sidebar: one link per page."""
    with st.sidebar:
        for page in pages:
            st.page_link(page)
