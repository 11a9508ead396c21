"""What every page shares: the sidebar controls (as-of date, grade source, currency, anonymize) and the
remembered filters.

Streamlit forgets a widget's value when a page that does not draw the widget runs. Widgets whose key starts with
``KEEP_PREFIX`` are carried over by :func:`keep_widget_state`, which ui.page calls before any widget, so page
filters remember themselves when the owner switches pages and comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs

import pandas as pd
import streamlit as st

from grading import settings as settings_registry
from grading.anonymize import anonymize_frame
from grading.db.store import Store
from grading.vocabulary import GRADE_SOURCE_LABELS
from ui import browser_bridge, data

KEEP_PREFIX = "keep_"


@dataclass(frozen=True)
class SharedControls:
    """The values of the shared sidebar controls for this rerun."""

    as_of: date
    grade_source: str
    currency: str
    anonymize: bool
    settings: dict

    @property
    def grade_column(self) -> str:
        """The portfolio frame's column that holds the chosen grade source."""
        return f"{self.grade_source}_grade"


#: The grade the sidebar shows a session that has not chosen one.
OPENING_GRADE_SOURCE = "effective"


def controls_for(settings: dict, *, as_of: date, grade_source: str = OPENING_GRADE_SOURCE,
                 anonymize: bool = False) -> SharedControls:
    """Return the controls for the book's saved ``settings`` and the sidebar's choices (by default a new session's).

    The one place they are put together, for the sidebar and for the warm-up at server start: the values kept for
    every session are keyed on them, so the warm-up's must equal a new session's. The currency is the book's saved
    label, never a session's choice.
    """
    return SharedControls(as_of=as_of, grade_source=grade_source, currency=settings["currency"],
                          anonymize=anonymize, settings=dict(settings))


def keep_widget_state() -> None:
    """Re-assign every remembered widget value, so Streamlit does not drop it on pages that do not draw it."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(KEEP_PREFIX):
            st.session_state[key] = st.session_state[key]


def _take_as_of_from_address() -> None:
    """Use the address's as-of date (``?keep_as_of=YYYY-MM-DD``) when it differs from this session's.

    A page link's rerun carries the address but no widget values, and the remembered value re-assigned by
    :func:`keep_widget_state` would otherwise win over it: a date typed just before clicking a page is only there.
    ``st.query_params`` leaves it out on that rerun (Streamlit drops parameters bound to a widget drawn by another
    page, as the sidebar's date is), so the run's own address is read.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    key = f"{KEEP_PREFIX}as_of"
    context = get_script_run_ctx()
    values = parse_qs(getattr(context, "query_string", "") or "").get(key, [])
    try:
        in_address = date.fromisoformat(values[-1].strip()) if values else None
    except ValueError:
        in_address = None  # not a date: the session's own date stands
    if in_address is not None and st.session_state.get(key) != in_address:
        st.session_state[key] = in_address


def shared_controls(store: Store) -> SharedControls:
    """Draw the shared sidebar controls and return their values (called once per rerun, by ui.page)."""
    # Kept per store revision: every save of a setting is a write that raises it, so no rerun sees a stale value.
    current = dict(data.computed(settings_registry.load_settings, store))
    # Defaults go through session state, not the widgets' value arguments: keep_widget_state() re-assigns these
    # keys on every rerun, and Streamlit warns when a widget has both.
    st.session_state.setdefault(f"{KEEP_PREFIX}as_of", date.today())
    _take_as_of_from_address()
    st.session_state.setdefault(f"{KEEP_PREFIX}grade_source", OPENING_GRADE_SOURCE)
    if f"{KEEP_PREFIX}anonymize" not in st.session_state:
        # A new session (a reload, a new tab) starts hidden when the address says so (?keep_anonymize=true) or this
        # browser remembers it (a new tab on the bare address): before anything of the page is drawn.
        in_address = str(st.query_params.get(f"{KEEP_PREFIX}anonymize", "")).strip().lower()
        st.session_state[f"{KEEP_PREFIX}anonymize"] = (in_address in {"true", "1", "yes", "on"}
                                                      or browser_bridge.anonymize_remembered())
    with st.sidebar:
        st.subheader("For every page")
        as_of = st.date_input(
            "As of",
            key=f"{KEEP_PREFIX}as_of",
            # Applied by the browser bridge (Enter, leaving the field, a picked date) or carried by the next rerun,
            # a page link's included: a rerun of its own would race with the page link and lose the page.
            on_change="ignore",
            # In the address as well: a page link's rerun sends no widget values, only the address, so this is how
            # a date typed just before clicking a page reaches that page.
            bind="query-params",
            help="Grades and figures use the months before this date (the scoring window ends with the last "
            "complete month). Type a date and press Enter, or pick one in the calendar.",
        )
        grade_source = st.selectbox(
            "Grade shown",
            options=list(GRADE_SOURCE_LABELS),
            format_func=GRADE_SOURCE_LABELS.get,
            key=f"{KEEP_PREFIX}grade_source",
            help="Which grade colours the charts and decides who is 'a D client' in the simulations.",
        )
        # The currency is the book's, a label only: set once for the book on Data & settings, never per session,
        # so one person's choice cannot relabel every other session's amounts.
        currency = current["currency"]
        st.caption(f"Amounts in {currency}: this book's currency label (amounts are not converted); change it under "
                   "Data & settings > Settings.")
        anonymize = st.toggle(
            "Anonymize names",
            key=f"{KEEP_PREFIX}anonymize",
            # Kept in the URL: a reload, a bookmark or the same address in a new tab stays anonymized.
            bind="query-params",
            help="Show 'Client 007' and 'anon-007' instead of client names and ids on every page and in every "
            "export, for screen sharing. It stays on when you reload the page or open the app in a new tab of this "
            "browser.",
        )
        browser_bridge.mount((as_of if isinstance(as_of, date) else date.today()).isoformat(), bool(anonymize))
    return controls_for(current, as_of=as_of if isinstance(as_of, date) else date.today(), grade_source=grade_source,
                        anonymize=bool(anonymize))


def for_display(frame: pd.DataFrame, controls: SharedControls, *, all_client_ids: pd.Series | None = None,
                free_text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return ``frame`` ready to show: names replaced by aliases (and free text blanked) when anonymizing.

    The aliases are the book's stored ones (:mod:`grading.anonymize`); ``all_client_ids`` is no longer needed
    and kept for the callers that pass it.
    """
    if not controls.anonymize or "client_id" not in frame.columns:
        return frame
    return anonymize_frame(frame, data.alias_numbers(), name_columns=("name", *free_text_columns), hide_ids=False)
