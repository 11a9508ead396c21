"""The graded portfolio: one row per client with rule, suggested, manual and effective grade, reasons and flags."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from grading.errors import ClientGradeError
from grading.scoring.features import FEATURE_COLUMNS
from grading.scoring.portfolio import LEADING_COLUMNS, grade_portfolio, manual_grades_as_of
from grading.settings import defaults

AS_OF = date(2024, 7, 1)
WINDOW = pd.date_range("2023-07-01", periods=12, freq="MS")


def add_client(store, client_id, revenue, labor_hours, caller_id="happy", score=4):
    store.execute("INSERT INTO clients VALUES (?, ?, 'managed', 10, '2020-01-01')", [client_id, client_id.title()])
    frame = pd.DataFrame({"client_id": client_id, "month": WINDOW, "revenue": revenue, "labor_hours": labor_hours,
                          "direct_costs": 0.0, "tickets": 10, "after_hours_tickets": 1, "emergency_tickets": 1,
                          "days_to_pay": 20.0, "disputed_invoices": 0})
    with store.transaction() as tx, tx.frame(frame) as name:
        tx.execute(f"INSERT INTO monthly_metrics BY NAME SELECT * FROM {name}")  # noqa: S608 - a frame name
    store.execute(
        "INSERT INTO assessments VALUES (?, DATE '2024-05-01', 'owner', ?, ?, ?, ?, ?, ?, '')",
        [client_id, score, score, score, score, score, caller_id],
    )


def add_grade(store, client_id, graded_on, grade):
    store.execute(
        "INSERT INTO grade_events (client_id, graded_on, grade, grader) VALUES (?, ?, ?, 'owner')",
        [client_id, graded_on, grade],
    )


@pytest.fixture
def book(store):
    add_client(store, "alpha", revenue=6000.0, labor_hours=40.0)
    add_client(store, "bravo", revenue=2500.0, labor_hours=30.0, caller_id="neutral", score=3)
    add_client(store, "delta", revenue=300.0, labor_hours=10.0, caller_id="dread", score=1)
    return store


def test_one_row_per_client_with_the_leading_columns_first(book):
    graded = grade_portfolio(book, AS_OF)
    assert list(graded["client_id"]) == ["alpha", "bravo", "delta"]
    assert list(graded.columns[: len(LEADING_COLUMNS)]) == list(LEADING_COLUMNS)
    assert set(FEATURE_COLUMNS) <= set(graded.columns)
    assert graded.columns.is_unique


def test_the_manual_grade_is_the_latest_given_on_or_before_as_of(book):
    add_grade(book, "bravo", "2024-01-05", "C")
    add_grade(book, "bravo", "2024-06-30", "B")
    add_grade(book, "bravo", "2024-07-02", "A")  # after as_of: not known yet
    graded = grade_portfolio(book, AS_OF).set_index("client_id")
    assert graded.loc["bravo", "manual_grade"] == "B"
    assert graded.loc["bravo", "manual_graded_on"] == date(2024, 6, 30)
    assert pd.isna(graded.loc["alpha", "manual_grade"])


def test_on_one_day_the_grade_recorded_last_counts(book):
    add_grade(book, "delta", "2024-03-01", "C")
    add_grade(book, "delta", "2024-03-01", "D")
    assert manual_grades_as_of(book, AS_OF).set_index("client_id").loc["delta", "manual_grade"] == "D"


def test_effective_grade_is_manual_then_suggested_then_rule(book):
    add_grade(book, "alpha", "2024-02-01", "C")
    graded = grade_portfolio(book, AS_OF).set_index("client_id")
    assert graded.loc["alpha", "effective_grade"] == "C"
    assert graded.loc["alpha", "effective_grade_source"] == "manual"
    for client_id in ("bravo", "delta"):
        row = graded.loc[client_id]
        expected = row["suggested_grade"] if pd.notna(row["suggested_grade"]) else row["rule_grade"]
        assert row["effective_grade"] == expected
        assert row["effective_grade_source"] == ("suggested" if pd.notna(row["suggested_grade"]) else "rule")


def test_the_portfolio_carries_the_scorecard_and_the_flags(book):
    graded = grade_portfolio(book, AS_OF).set_index("client_id")
    assert graded.loc["alpha", "rule_grade"] == "A" and graded.loc["delta", "rule_grade"] == "D"
    assert graded.loc["alpha", "effective_hourly_rate"] == pytest.approx(150.0)
    assert graded.loc["alpha", "revenue"] == pytest.approx(72000.0)
    assert graded.loc["delta", "small_client_knockdown"] == 2
    assert "Small client" in graded.loc["delta", "reasons"]
    assert graded.loc["alpha", "concentration"] and "concentration" in graded.loc["alpha", "flags"]


def test_settings_passed_in_replace_the_stored_ones(book):
    graded = grade_portfolio(book, AS_OF, settings=defaults() | {"grade_a_min": 99.9, "grade_b_min": 99.0})
    assert graded.set_index("client_id").loc["alpha", "rule_grade"] == "C"


def test_the_window_follows_the_scoring_window_setting(book):
    graded = grade_portfolio(book, AS_OF, settings={"scoring_window_months": 3})
    assert graded.set_index("client_id").loc["alpha", "revenue"] == pytest.approx(18000.0)


def test_an_empty_book_gives_an_empty_frame_with_the_columns(store):
    graded = grade_portfolio(store, AS_OF)
    assert graded.empty and list(graded.columns[: len(LEADING_COLUMNS)]) == list(LEADING_COLUMNS)


def test_as_of_defaults_to_today(book):
    assert grade_portfolio(book)["as_of"].iloc[0] == date.today()


def test_an_unreadable_date_is_refused(book):
    with pytest.raises(ClientGradeError, match="not a date"):
        grade_portfolio(book, "yesterday")


def test_each_clients_manual_grade_stands_on_its_own_row_and_others_grades_are_left_out(book):
    # Graded in an order other than the clients' own, with a grade of an id the book does not hold: each row
    # carries its own client's grade (looked up by id, not by position), missing as NaN where there is none.
    add_grade(book, "delta", "2024-02-01", "D")
    add_grade(book, "zulu", "2024-02-01", "A")
    add_grade(book, "alpha", "2024-03-01", "A")
    graded = grade_portfolio(book, AS_OF)

    assert list(graded["client_id"]) == ["alpha", "bravo", "delta"]
    assert graded["manual_grade"].tolist()[0] == "A" and graded["manual_grade"].tolist()[2] == "D"
    assert graded["manual_graded_on"].tolist()[::2] == [date(2024, 3, 1), date(2024, 2, 1)]
    bravo = graded.iloc[1]
    assert pd.isna(bravo["manual_grade"]) and isinstance(bravo["manual_graded_on"], float)
    assert graded.loc[1, "effective_grade_source"] == "rule"
