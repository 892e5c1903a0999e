"""Streamlit glue for app.py and pages/: routing, shared resources, views and charts."""
