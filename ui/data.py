"""Cached reads for the pages: computed frames are kept per store revision, so a rerun that changes no data
costs no recomputation, and a write by any session shows on every session's next rerun."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from grading import paths
from ui.resources import get_store


@st.cache_data(max_entries=32, show_spinner="Grading the portfolio...")
def _portfolio(db_path: str, models_dir: str, revision: int, as_of: date) -> pd.DataFrame:
    from grading.portfolio import grade_portfolio

    return grade_portfolio(get_store(), as_of, models_dir=paths.models_dir(models_dir))


def portfolio(as_of: date) -> pd.DataFrame:
    """Return :func:`grading.portfolio.grade_portfolio` for ``as_of``, cached per store revision."""
    store = get_store()
    return _portfolio(str(store.path), str(paths.models_dir()), store.revision(), as_of)
