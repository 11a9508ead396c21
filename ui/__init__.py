"""Streamlit-side helpers shared by app.py and the pages: the cached store, the shared sidebar, widgets.

Everything that knows about Streamlit and is used by more than one page lives here; everything else is in
``grading/``. No SQL here either: these helpers call ``grading`` functions.
"""
