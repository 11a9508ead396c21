"""ClientGrade: the Streamlit app. Run with ``streamlit run app.py``.

This file owns the navigation: every file in ``pages/`` is registered here (a test checks it). Each page begins
with ``ui.page.page_setup()``, which sets the page config, runs the login gate, opens the one database connection
of the process (creating the demo portfolio on first start) and draws the sidebar every page shares.

The file is read twice over. ``streamlit run app.py`` first imports it once, at server start, to find ``app``
(an ``st.App`` that serves this same file as its script): that import checks that the database can be opened and
stops the server at once, with one sentence, when another program holds the file or ``CLIENTGRADE_DB`` names a
folder that does not exist. Every browser session then runs it as its script (``__name__ == "__main__"``).
"""

import streamlit as st

if __name__ != "__main__":
    from ui.startup_check import refuse_an_unusable_database

    refuse_an_unusable_database()
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
