"""The Overview page (AppTest): headline numbers and grade mix on the demo, a clear empty state without data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.scoring.portfolio import grade_portfolio
from ui.resources import get_store

APP = Path(__file__).resolve().parents[2] / "app.py"


def open_overview() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def metric_values(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_overview_shows_the_demo_portfolios_headline_numbers(demo_db):
    at = open_overview()
    values = metric_values(at)
    assert values["Clients"] == "60"
    assert values["Revenue per month"].startswith("€")
    assert values["Labor hours per month"].endswith(" h")
    assert values["Effective hourly rate"].endswith("/h")
    assert values["Gross margin"].endswith("%")
    assert at.get("vega_lite_chart"), "the grade-mix chart is missing"


def test_overview_grade_mix_accounts_for_every_client_and_all_revenue(demo_db):
    at = open_overview()
    mix = at.dataframe[0].value
    assert list(mix["grade"])[:4] == ["A", "B", "C", "D"]
    assert mix["clients"].sum() == 60
    assert mix["revenue_share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("grade_source", ["rule", "manual", "suggested"])
def test_overview_grade_mix_follows_the_grade_source(demo_db, grade_source):
    at = open_overview()
    at.sidebar.selectbox(key="keep_grade_source").set_value(grade_source).run()
    assert not at.exception
    expected = grade_portfolio(get_store(), date.today())[f"{grade_source}_grade"].value_counts()
    shown = at.dataframe[0].value.set_index("grade")["clients"]
    for grade in "ABCD":
        assert shown[grade] == expected.get(grade, 0)
    assert shown.sum() == 60
    assert f"grades shown: {grade_source}" in at.caption[0].value


def test_overview_shows_money_in_the_chosen_currency(demo_db):
    at = open_overview()
    # The currency is the book's label, set on the settings page, not a per-session picker in the sidebar.
    from grading.settings import save_settings
    from ui.resources import get_store

    save_settings(get_store(), {"currency": "USD"})
    at.run()
    assert not at.exception
    assert metric_values(at)["Revenue per month"].startswith("$")


def test_overview_points_to_the_other_pages(demo_db):
    at = open_overview()
    assert {link.proto.page for link in at.get("page_link")} == {
        "portfolio_matrix", "suggested_vs_manual", "churn_impact"
    }


def test_overview_on_an_empty_database_says_how_to_get_data_in(empty_db):
    at = open_overview()
    assert not at.metric
    texts = " ".join(element.value for element in at.markdown)
    assert "No clients yet" in " ".join(header.value for header in at.main.subheader)
    assert "Data & settings" in texts
    assert "demo" in texts
    assert at.get("page_link"), "the empty state should link to Data & settings"


def test_a_setting_saved_by_another_session_shows_in_the_kept_figures_on_the_next_rerun(demo_db):
    from grading.settings import load_settings, save_settings

    at = open_overview()
    margin_before = metric_values(at)["Gross margin"]
    store = get_store()
    save_settings(store, {"labor_cost_rate": float(load_settings(store)["labor_cost_rate"]) * 3})
    at.run()
    assert not at.exception, at.exception
    assert metric_values(at)["Gross margin"] != margin_before


def test_overview_opens_without_importing_scikit_learn_when_no_model_is_active(demo_db):
    # Overview is the page a new session opens on. Its meeting-pack button makes the PDF only when pressed, and the
    # PDF's modules (scikit-learn among them, seconds to import) must wait for that press too. In a fresh
    # interpreter, as a server's first session is: this test process has imported scikit-learn long ago.
    import os
    import shutil
    import subprocess
    import sys

    shutil.rmtree(demo_db.parent / "models")
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=120)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "labels = [button.label for button in at.get('download_button')]\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('sklearn', 'skops', 'fpdf'))\n"
        "print(labels, loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=APP.parent, env={**os.environ, "PYTHONPATH": str(APP.parent)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "['Download the meeting pack (PDF)'] []", done.stdout + done.stderr
