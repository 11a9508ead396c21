"""The Revenue vs time page, through Streamlit's AppTest, on the demo database and on an empty one."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.db.store import Store
from tests.app.page_bytes import page_bytes

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/revenue_vs_time.py"


def open_page(*, anonymize: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    # The sidebar switch, set through its key: AppTest loses sidebar widgets after the first run of an app that
    # uses st.navigation, so the toggle cannot be clicked there; the key is what the toggle itself sets.
    at.session_state["keep_anonymize"] = anonymize
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def client_names(db_path: Path) -> list[str]:
    with Store(db_path) as store:
        return store.query("SELECT name FROM clients")["name"].tolist()


def test_revenue_page_shows_the_d_clients_share_and_its_charts(demo_db):
    at = open_page()
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["D clients: share of revenue"].endswith("%")
    assert metrics["D clients: share of labor hours"].endswith("%")
    # Per client, per grade, month by month and the grade history.
    assert len(at.get("vega_lite_chart")) == 4
    assert any("became" in item.value for item in at.markdown)
    assert not at.error


def test_revenue_page_shares_table_has_a_row_per_grade(demo_db):
    at = open_page()
    shares = next(frame.value for frame in at.dataframe if "revenue_share" in frame.value.columns)
    assert shares["grade"].tolist()[:4] == ["A", "B", "C", "D"]
    assert shares["revenue_share"].sum() == pytest.approx(1.0)


def test_grade_migration_table_has_the_first_dates_grades_as_rows(demo_db):
    at = open_page()
    # The one table whose rows and columns are both grades.
    matrix = next(frame.value for frame in at.dataframe if "A" in frame.value.columns)
    assert set(matrix.index) <= {"A", "B", "C", "D", "ungraded"}
    assert len(matrix.index) >= 2
    assert matrix.to_numpy().sum() > 0, "the cells count clients"


def test_revenue_page_on_an_empty_database_says_what_to_do(empty_db):
    at = open_page()
    assert [item.value for item in at.main.subheader] == ["No clients yet"]
    assert any("Data & settings" in item.value for item in at.markdown)
    assert not at.get("vega_lite_chart")


def test_revenue_page_with_the_dates_swapped_asks_for_a_valid_period(demo_db):
    at = open_page()
    at.date_input(key="keep_migration_from").set_value(at.date_input(key="keep_migration_to").value)
    at.run()
    assert not at.exception
    assert any("before the 'To' date" in item.value for item in at.warning)


def test_anonymize_switch_hides_every_client_name_on_the_revenue_page(demo_db):
    names = client_names(demo_db)
    shown = page_bytes(open_page())
    assert any(name.encode() in shown for name in names), "the names show when not anonymizing"
    hidden = page_bytes(open_page(anonymize=True))
    leaked = [name for name in names if name.encode() in hidden]
    assert leaked == []
    assert b"Client 001" in hidden


def test_the_clients_below_and_near_the_labor_cost_line_are_listed_with_a_csv(demo_db):
    from grading.views.revenue_vs_time import NEAR_LABOR_COST

    at = open_page()
    assert not at.exception, at.exception
    listed = next(frame.value for frame in at.dataframe if "short_per_month" in frame.value.columns)
    assert len(listed) > 0
    assert set(listed["where"]) <= {"below", "near"}
    assert (listed["effective_hourly_rate"] <= 45.0 * (1 + NEAR_LABOR_COST) + 1e-9).all()
    assert listed["effective_hourly_rate"].is_monotonic_increasing
    assert at.get("download_button")
