"""ClientGrade: the Streamlit app. Run with ``streamlit run app.py``.

This file owns the page config, the navigation (every file in ``pages/`` is registered here, and a test checks
it), the one database connection per process, and the sidebar controls every page shares.
"""

import streamlit as st

from grading.errors import ClientGradeError
from ui import shared
from ui.resources import get_store

st.set_page_config(page_title="ClientGrade", page_icon=":material/grading:", layout="wide")

PAGES = {
    "Portfolio": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/portfolio_matrix.py", title="Portfolio matrix", icon=":material/scatter_plot:"),
        st.Page("pages/suggested_vs_manual.py", title="Suggested vs manual", icon=":material/compare:"),
        st.Page("pages/revenue_vs_time.py", title="Revenue vs time", icon=":material/schedule:"),
        st.Page("pages/churn_impact.py", title="Churn impact", icon=":material/trending_down:"),
    ],
    "Review": [
        st.Page("pages/live_review.py", title="Live review", icon=":material/groups:"),
    ],
    "Data": [
        st.Page("pages/data_settings.py", title="Data & settings", icon=":material/settings:"),
    ],
}

shared.keep_widget_state()
try:
    store = get_store()
except ClientGradeError as error:
    st.error(str(error))
    st.stop()

shared.shared_controls(store)
st.navigation(PAGES).run()
