"""Headline Lab: compare draft headlines, record A/B outcomes, see how right the model was.

Run with ``streamlit run app.py`` (or scripts/start.sh).
"""

import streamlit as st

from ui import resources, routing

st.set_page_config(page_title="Headline Lab", page_icon="📰", layout="wide")
routing.entered_through_app()
resources.remove_leftovers()

# A read-only or unreachable database does not stop the app: drafts are scored from the model
# alone, and every page that needs the database says plainly why it cannot use it.
problem = resources.database_problem()
if problem:
    st.warning(
        f"{problem} Saving tests, recording outcomes, the history and retraining are unavailable "
        "until it is fixed; drafts can still be compared."
    )

PAGES = [
    st.Page("pages/compare.py", title="Compare", icon=":material/edit_note:", default=True),
    st.Page("pages/record_outcome.py", title="Record outcome", icon=":material/fact_check:"),
    st.Page("pages/history.py", title="History", icon=":material/monitoring:"),
    st.Page("pages/models.py", title="Models", icon=":material/model_training:"),
    st.Page("pages/help.py", title="Help", icon=":material/help:"),
]
# The menu is drawn here, not by Streamlit: .streamlit/config.toml turns its automatic list of
# pages/ off, which a first visit would otherwise show before this script has run.
page = st.navigation(PAGES, position="hidden")
routing.return_to_requested_page()
routing.menu(PAGES)
resources.run_page(page)  # a page's database error is a plain message, never a traceback
