"""ClientGrade: the Streamlit app. Run with ``streamlit run app.py``.

This file owns the navigation: every file in ``pages/`` is registered here (a test checks it). Each page begins
with ``ui.page.page_setup()``, which sets the page config, runs the login gate, takes the one database connection
of the process and draws the sidebar every page shares.

The file is read twice over. ``streamlit run app.py`` first imports it once, at server start, to find ``app``
(an ``st.App`` that serves this same file as its script). That import opens the start book's database, so this
server holds the file from its start: when another program holds it, or ``CLIENTGRADE_DB`` names a folder that
does not exist, the server stops at once with one sentence (:mod:`ui.startup_check`); otherwise it says where it
serves and starts warming in the background (:mod:`ui.warmup`: imports, grading, the first pages' values) while
the port is already open. Every browser session then runs the file as its script (``__name__ == "__main__"``).
"""

import streamlit as st

if __name__ != "__main__":
    from ui.startup_check import announce, refuse_an_unusable_database
    from ui.warmup import start_warming

    refuse_an_unusable_database()
    announce()
    start_warming()
    app = st.App(__file__)
else:
    from ui.page import configure_page

    configure_page()

    PAGES = {
        "Portfolio": [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page("pages/portfolio_matrix.py", title="Portfolio matrix", icon=":material/scatter_plot:"),
            st.Page("pages/suggested_vs_manual.py", title="Suggested vs manual", icon=":material/compare:"),
            st.Page("pages/revenue_vs_time.py", title="Revenue vs time", icon=":material/schedule:"),
            st.Page("pages/churn_impact.py", title="Churn impact", icon=":material/trending_down:"),
            st.Page("pages/compare_books.py", title="Compare books", icon=":material/leaderboard:"),
        ],
        "Review": [
            st.Page("pages/live_review.py", title="Live review", icon=":material/groups:"),
        ],
        "Data": [
            st.Page("pages/data_settings.py", title="Data & settings", icon=":material/settings:"),
        ],
    }

    st.navigation(PAGES).run()
