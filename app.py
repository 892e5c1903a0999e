"""Headline Lab: compare draft headlines, record A/B outcomes, see how right the model was.

Run with ``streamlit run app.py`` (or scripts/start.sh).
"""

import streamlit as st

from ui import resources, routing

st.set_page_config(page_title="Headline Lab", page_icon="📰", layout="wide")
routing.entered_through_app()

try:
    resources.prepare_database()
except Exception as exc:  # an unreachable or broken database: nothing can work without it
    st.error(f"The database at {resources.masked_database_url()} cannot be used: {exc}")
    st.stop()

page = st.navigation(
    [
        st.Page("pages/compare.py", title="Compare", icon=":material/edit_note:", default=True),
        st.Page("pages/record_outcome.py", title="Record outcome", icon=":material/fact_check:"),
        st.Page("pages/history.py", title="History", icon=":material/monitoring:"),
        st.Page("pages/models.py", title="Models", icon=":material/model_training:"),
        st.Page("pages/help.py", title="Help", icon=":material/help:"),
    ]
)
routing.return_to_requested_page()
resources.sidebar(resources.model())
page.run()
