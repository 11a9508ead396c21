"""What every page runs first: page config, the login gate, the store, and the shared sidebar.

Every page calls :func:`page_setup` as its first statement, rather than relying on app.py to have run before
it: with a ``pages/`` folder beside app.py, Streamlit serves a page file by itself when a fresh server gets a
request for its URL (and AppTest reruns a page alone after its first run). Guarding each page this way means no
page can be reached without the login, and every page draws the same sidebar whichever way it was started.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from grading.errors import ClientGradeError
from grading.db.store import Store
from grading.text_safety import escape_markdown
from ui import data, shared
from ui.auth import can_edit, require_role
from ui.book_picker import book_picker
from ui.resources import get_store


@dataclass(frozen=True)
class PageContext:
    """What a page needs from the app: the store, the shared controls, and whether this user may edit."""

    store: Store
    controls: shared.SharedControls
    role: str
    editable: bool


def configure_page() -> None:
    """Set the browser title, icon and wide layout (the same for every page)."""
    st.set_page_config(page_title="ClientGrade", page_icon=":material/grading:", layout="wide")


def page_setup() -> PageContext:
    """Configure the page, log the user in, open the store and draw the shared sidebar; return the context.

    Stops the page with one error sentence when the database cannot be opened (for instance when another
    program holds the file).
    """
    configure_page()
    shared.keep_widget_state()
    role = require_role()
    book_picker()
    try:
        store = get_store()
    except ClientGradeError as error:
        st.error(escape_markdown(str(error)))  # the message quotes the file's path
        st.stop()
    controls = shared.shared_controls(store)
    _refused_model_banner()
    return PageContext(store=store, controls=controls, role=role, editable=can_edit())


def _refused_model_banner() -> None:
    """Say on every page when the active model's file is refused (missing, altered, not a model ClientGrade
    trusts): the suggested grades are then empty and the rules grade, and nobody should have to guess why."""
    state = data.model_state()
    if state.status == "refused":
        st.warning(escape_markdown(state.message), icon=":material/gpp_bad:")


def require_figures(controls: shared.SharedControls) -> None:
    """Stop the page with one sentence when the scoring window before the as-of date holds no monthly figures.

    The pages of figures (Overview, Portfolio matrix, Revenue vs time, Churn impact) call it: an as-of date outside
    the book's figures would otherwise draw charts of 0% and tables of empty cells.
    """
    missing = missing_figures(controls)
    if missing:
        st.info(escape_markdown(missing), icon=":material/event_busy:")
        st.stop()


def missing_figures(controls: shared.SharedControls) -> str | None:
    """Return the sentence :func:`require_figures` shows when the scoring window before the as-of date holds no
    monthly figures, else None (kept per store revision; the warm-up asks at server start)."""
    from grading.db.book_admin import no_figures_in_window

    window = int(controls.settings["scoring_window_months"])
    return data.computed(no_figures_in_window, get_store(), controls.as_of, window)


def graded_portfolio(controls: shared.SharedControls, *, words: bool = False) -> pd.DataFrame:
    """Return the graded portfolio as of the sidebar's date, or stop the page with one error sentence.

    ``words=True`` adds the reasons and the flags' text, for the pages that show them (see :func:`ui.data.portfolio`).
    """
    try:
        return data.portfolio(controls.as_of, words=words)
    except ClientGradeError as error:
        st.error(escape_markdown(str(error)))
        st.stop()
