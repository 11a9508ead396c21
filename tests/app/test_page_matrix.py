"""The Portfolio matrix page (AppTest): chart, grade table, filters, the client card, settings and anonymizing.

The anonymize test covers all three of the pages built with it: Overview, Portfolio matrix, Suggested vs manual.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.charts.matrix import CLICKED_CLIENT
from grading.settings import save_settings
from ui.resources import get_store

APP = Path(__file__).resolve().parents[2] / "app.py"
MATRIX = "pages/portfolio_matrix.py"
SHOW_TABLE = "keep_matrix_show_table"


def open_page(page: str = MATRIX, *, show_table: bool = True) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    if page == MATRIX and show_table and any(toggle.key == SHOW_TABLE for toggle in at.toggle):
        at.toggle(key=SHOW_TABLE).set_value(True).run()
        assert not at.exception, at.exception
    return at


def click_dot(at: AppTest, client_id: str) -> AppTest:
    # AppTest cannot click a chart; the chart's selection state accepts writes through session_state.
    at.session_state["matrix-chart-click"] = {"selection": {CLICKED_CLIENT: [{"client_id": client_id}]}}
    at.run()
    assert not at.exception, at.exception
    return at


def grade_table(at: AppTest):
    return next(frame.value for frame in at.dataframe if frame.key == "matrix_table")


def select_row(at: AppTest, position: int) -> AppTest:
    # AppTest cannot click a row; the selection state accepts writes through session_state.
    at.session_state["matrix_table"] = {"selection": {"rows": [position], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def test_matrix_shows_the_chart_and_every_client_in_the_grade_table(demo_db):
    at = open_page()
    charts = at.get("vega_lite_chart")
    assert charts, "the matrix chart is missing"
    assert "financial_score" in charts[0].proto.spec and "relationship_score" in charts[0].proto.spec
    table = grade_table(at)
    assert len(table) == 60
    assert {"rule_grade", "suggested_grade", "manual_grade", "flags", "revenue"} <= set(table.columns)
    assert table["rule_grade"].isin(list("ABCD")).all()
    assert table["suggested_grade"].notna().any(), "the demo's model should suggest grades"
    assert at.get("download_button")


def test_the_grade_table_is_drawn_only_when_asked_and_a_clicked_dot_still_opens_its_card(demo_db):
    at = open_page(show_table=False)
    assert at.get("vega_lite_chart"), "the matrix chart is missing"
    assert not [frame for frame in at.dataframe if frame.key == "matrix_table"]
    assert at.toggle(key=SHOW_TABLE).value is False
    assert at.get("download_button"), "the download holds every row with the table hidden too"
    client_id, name = get_store().rows("SELECT client_id, name FROM clients ORDER BY client_id DESC LIMIT 1")[0]
    click_dot(at, client_id)
    assert at.selectbox(key="keep_matrix_client").value == client_id
    assert any(name in header.value for header in at.main.subheader)
    at.toggle(key=SHOW_TABLE).set_value(True).run()
    assert len(grade_table(at)) == 60
    # Remembered across pages, as the filters are.
    at.switch_page("pages/overview.py").run()
    at.switch_page(MATRIX).run()
    assert at.toggle(key=SHOW_TABLE).value is True


def test_matrix_on_an_empty_database_says_how_to_get_data_in(empty_db):
    at = open_page()
    assert not at.get("vega_lite_chart")
    assert not at.dataframe
    assert "Data & settings" in at.info[0].value


@pytest.mark.parametrize("grade", ["A", "D"])
def test_grade_filter_keeps_only_clients_with_that_grade(demo_db, grade):
    at = open_page()
    everyone = grade_table(at)
    at.multiselect(key="keep_matrix_grades").set_value([grade]).run()
    assert not at.exception
    filtered = grade_table(at)
    assert len(filtered) == (everyone["effective_grade"] == grade).sum() > 0
    assert set(filtered["effective_grade"]) == {grade}
    assert f"{len(filtered)} of 60 clients" in at.main.subheader[0].value


def test_service_model_and_flag_filters_narrow_the_table(demo_db):
    at = open_page()
    at.multiselect(key="keep_matrix_models").set_value(["managed"]).run()
    managed = grade_table(at)
    assert set(managed["service_model"]) == {"managed"}
    assert "problem client" in at.multiselect(key="keep_matrix_flags").options
    at.multiselect(key="keep_matrix_flags").set_value(["problem_client"]).run()
    assert not at.exception
    flagged = grade_table(at)
    assert len(flagged) < len(managed)
    assert flagged["flags"].str.contains("problem client").all()


def test_filters_remember_themselves_across_page_switches(demo_db):
    at = open_page()
    at.multiselect(key="keep_matrix_grades").set_value(["C"]).run()
    at.switch_page("pages/overview.py").run()
    at.switch_page(MATRIX).run()
    assert not at.exception
    assert at.multiselect(key="keep_matrix_grades").value == ["C"]
    assert set(grade_table(at)["effective_grade"]) == {"C"}


def test_sorting_by_revenue_puts_the_largest_client_first(demo_db):
    at = open_page()
    at.selectbox(key="keep_matrix_sort").set_value("Revenue, largest first").run()
    revenue = grade_table(at)["revenue"]
    assert revenue.is_monotonic_decreasing


def test_selecting_a_row_opens_the_clients_card(demo_db):
    at = open_page()
    table = grade_table(at)
    at = select_row(at, 3)
    client_id = table["client_id"].iat[3]
    assert at.selectbox(key="keep_matrix_client").value == client_id
    assert any(client_id in header.value and table["name"].iat[3] in header.value for header in at.main.subheader)
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Rule grade"] == table["rule_grade"].iat[3]
    assert metrics["Revenue per month"].startswith("€")
    # The reasons are written on demand for the pages that show them: the card has real sentences.
    written = [element.value for element in at.markdown]
    reasons = written[written.index("**Why this rule grade**") + 1]
    assert len(reasons) > 20 and not reasons.startswith("No reasons")
    criteria = next(frame.value for frame in at.dataframe if "criterion" in frame.value.columns)
    assert len(criteria) == 13
    assert len(at.get("vega_lite_chart")) == 2, "the card's sparkline is missing"
    assert any("Grade history" in element.value for element in at.markdown)


def test_card_picker_can_open_another_client_after_a_row_was_selected(demo_db):
    at = select_row(open_page(), 0)
    table = grade_table(at)
    other = table["client_id"].iat[5]
    at.selectbox(key="keep_matrix_client").set_value(other).run()
    assert not at.exception
    assert at.selectbox(key="keep_matrix_client").value == other
    assert any(other in header.value for header in at.main.subheader)


def test_resorting_the_table_keeps_the_open_card_on_the_same_client(demo_db):
    at = select_row(open_page(), 0)
    opened = at.selectbox(key="keep_matrix_client").value
    at.selectbox(key="keep_matrix_sort").set_value("Rule score, lowest first").run()
    assert not at.exception
    assert grade_table(at)["client_id"].iat[0] != opened
    assert at.selectbox(key="keep_matrix_client").value == opened


def test_a_stricter_grade_threshold_changes_grades_on_the_matrix(demo_db):
    at = open_page()
    before = grade_table(at).set_index("client_id")["rule_grade"]
    assert before.nunique() > 1
    save_settings(get_store(), {"grade_a_min": 0.0, "grade_b_min": 0.0, "grade_c_min": 0.0,
                                "small_client_rule": False})
    at.run()
    assert not at.exception
    after = grade_table(at).set_index("client_id")["rule_grade"]
    assert set(after) == {"A"}
    assert (after != before).sum() == (before != "A").sum() > 0


def test_a_changed_weight_changes_scores_and_grades_on_the_matrix(demo_db):
    at = open_page()
    before = grade_table(at).set_index("client_id")
    save_settings(get_store(), {"weight_relationship": 0.0, "weight_caller_id": 0.0})
    at.run()
    assert not at.exception
    after = grade_table(at).set_index("client_id")
    # With only the financial group weighted, the rule score is the financial score.
    assert (after["rule_score"] - after["financial_score"]).abs().max() < 1e-6
    assert (after["rule_grade"] != before["rule_grade"]).any()


def _real_names() -> list[str]:
    return list(get_store().query("SELECT name FROM clients")["name"])


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _names_shown(at: AppTest, names: list[str]) -> set[str]:
    """Every real client name found anywhere in the rendered page: text, widgets, table cells, chart data."""
    payload = b"".join(
        node.proto.SerializeToString() for node in _nodes(at._tree) if getattr(node, "proto", None) is not None
    )
    found = {name for name in names if name.encode("utf-8") in payload}
    # The same check on the decoded tables, so a change in how Arrow stores text cannot hide a name.
    for frame in at.dataframe:
        cells = set(frame.value.astype(str).to_numpy().ravel()) | set(map(str, frame.value.columns))
        found |= {name for name in names if name in cells}
    return found


@pytest.mark.parametrize("page", ["pages/overview.py", MATRIX, "pages/suggested_vs_manual.py"])
def test_anonymize_hides_every_client_name(demo_db, page):
    at = open_page(page)
    names = _real_names()
    if page == MATRIX:
        at = select_row(at, 0)
        assert _names_shown(at, names), "without anonymizing the matrix shows names (the check must see them)"
    at.sidebar.toggle(key="keep_anonymize").set_value(True).run()
    assert not at.exception
    if page == MATRIX:
        at = select_row(at, 1)
        assert at.get("vega_lite_chart") and len(grade_table(at)) == 60
        assert grade_table(at)["name"].str.startswith("Client ").all()
    assert _names_shown(at, names) == set()


@pytest.mark.parametrize(
    "name",
    ["<img src=x onerror=alert(1)>", "**bold** Ltd", "[link](javascript:alert(1))", "# Heading & Sons_"],
)
def test_a_client_card_shows_a_hostile_name_literally(demo_db, name):
    from grading.importer import import_files
    from grading.text_safety import escape_markdown

    clients = f'client_id,name,service_model,seats\nevil-1,"{name}",managed,25\n'.encode()
    import_files(get_store(), {"clients": ("clients.csv", clients)})
    at = open_page()
    at.selectbox(key="keep_matrix_client").set_value("evil-1").run()
    assert not at.exception, at.exception
    headers = [header.value for header in at.main.subheader]
    assert f"{escape_markdown(name)} ({escape_markdown('evil-1')})" in headers, headers


@pytest.fixture
def book_of_1150(tmp_path, monkeypatch):
    """A database with more clients than one page of the grade table holds (no model: rules only)."""
    from grading.demo import write_demo_portfolio
    from grading.db.store import Store

    database = tmp_path / "portfolio.duckdb"
    with Store(database) as store:
        write_demo_portfolio(store, 1_150)
    monkeypatch.setenv("CLIENTGRADE_DB", str(database))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "models"))
    return database


def test_a_long_grade_table_is_shown_a_page_at_a_time_and_a_row_opens_its_card(book_of_1150):
    at = open_page()
    assert len(grade_table(at)) == 1_000
    page_box = at.number_input(key="keep_matrix_table_page")
    assert (page_box.value, page_box.max) == (1, 2)
    page_box.set_value(2).run()
    assert not at.exception
    second = grade_table(at)
    assert len(second) == 150
    assert any("1,001 to 1,150 of 1,150" in caption.value for caption in at.caption)
    select_row(at, 3)
    assert at.selectbox(key="keep_matrix_client").value == second["client_id"].iat[3]
    # A dot of a client on another table page opens its card too.
    page_box = at.number_input(key="keep_matrix_table_page")
    page_box.set_value(1).run()
    elsewhere = second["client_id"].iat[7]
    click_dot(at, elsewhere)
    assert at.selectbox(key="keep_matrix_client").value == elsewhere
    assert any(elsewhere in header.value for header in at.main.subheader)


def test_the_card_says_the_small_client_sentence_once_and_its_history_stops_at_the_as_of(demo_db):
    from datetime import date, timedelta

    from grading.db.store import Store
    from grading.grade_history import record_grade
    from grading.scoring.portfolio import grade_portfolio

    earlier = date.today() - timedelta(days=120)
    with Store(demo_db) as store:
        graded = grade_portfolio(store, earlier, models_dir=demo_db.parent / "models")
        small = graded.loc[graded["small_client_note"].fillna("") != "", "client_id"].iat[0]
        record_grade(store, small, "A", graded_on=date.today(), grader="From after the as-of date")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["keep_as_of"] = earlier
    at.run()
    at.switch_page(MATRIX).run()
    at.selectbox(key="keep_matrix_client").set_value(small).run()
    assert not at.exception, at.exception

    written = " ".join(element.value for element in [*at.markdown, *at.caption, *at.main.text])
    written += " ".join(str(element.value) for element in at.get("text"))
    assert written.count("mall client (") == 1
    history = [frame.value for frame in at.dataframe if "grader" in frame.value.columns]
    assert history and "From after the as-of date" not in set(history[0]["grader"])


def test_sorting_by_name_while_anonymizing_sorts_by_alias(demo_db):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["keep_anonymize"] = True
    at.session_state["keep_matrix_sort"] = "Name"
    at.session_state[SHOW_TABLE] = True
    at.run()
    at.switch_page(MATRIX).run()
    assert not at.exception, at.exception

    names = grade_table(at)["name"].tolist()
    assert names == sorted(names) and names[0].startswith("Client ")
