"""An as-of date outside the book's figures: one sentence, no charts of 0% and no empty cells (AppTest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ["pages/overview.py", "pages/portfolio_matrix.py",
         "pages/revenue_vs_time.py", "pages/churn_impact.py"]


@pytest.mark.parametrize("page", PAGES, ids=[Path(page).stem for page in PAGES])
def test_an_as_of_before_the_figures_says_so_and_draws_nothing(demo_db, page):
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["keep_as_of"] = date(2015, 1, 1)
    at.run()
    at.switch_page(page).run()

    assert not at.exception, at.exception
    assert any("There are no figures in the" in item.value for item in at.info)
    assert not at.get("vega_lite_chart") and not at.dataframe and not at.metric
