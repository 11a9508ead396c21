"""The client card's data (monthly series, criteria breakdown, grade history) and the grade history itself."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from grading.views import client_card
from grading.errors import ClientGradeError
from grading.grade_history import count_grade_events, grade_history, grades_still_needed, record_grade
from grading.scoring.scorecard import CRITERIA


@pytest.fixture
def small_book(store):
    """Three clients, 14 months of figures made with a fixed seed, one earlier grade for the first client."""
    rng = np.random.default_rng(7)
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO clients VALUES ('C1', 'Alderbrook Dental', 'managed', 12, DATE '2020-01-01'), "
            "('C2', 'Birchfield Legal', 'break_fix', 4, DATE '2021-06-01'), "
            "('C3', 'Cedarwick Print', 'hybrid', 30, NULL)"
        )
        months = pd.date_range("2023-01-01", periods=14, freq="MS")
        monthly = pd.DataFrame(
            {
                "client_id": np.repeat(["C1", "C2", "C3"], len(months)),
                "month": np.tile(months, 3),
                "revenue": rng.uniform(500, 3000, 3 * len(months)).round(2),
                "labor_hours": rng.uniform(2, 30, 3 * len(months)).round(1),
                "direct_costs": rng.uniform(0, 200, 3 * len(months)).round(2),
            }
        )
        monthly.loc[5, "labor_hours"] = 0.0  # a month without hours has no rate
        with tx.frame(monthly) as name:
            tx.execute(
                f"INSERT INTO monthly_metrics (client_id, month, revenue, labor_hours, direct_costs) "
                f"SELECT client_id, CAST(month AS DATE), revenue, labor_hours, direct_costs FROM {name}"
            )
        tx.execute(
            "INSERT INTO grade_events (client_id, graded_on, grade, grader, note, source) "
            "VALUES ('C1', DATE '2023-06-01', 'B', 'Owner', 'solid', 'import')"
        )
    return store


def test_record_grade_appends_an_event_and_keeps_the_earlier_one(small_book):
    event_id = record_grade(small_book, "C1", "a", grader="Ann", note="  prepays hardware ", graded_on="2024-01-15")
    history = grade_history(small_book, "C1")
    assert list(history["grade"]) == ["A", "B"]
    assert history["event_id"].iat[0] == event_id
    assert history["note"].iat[0] == "prepays hardware"
    assert history["source"].iat[0] == "app"
    assert history["graded_on"].iat[0] == date(2024, 1, 15)


def test_grade_recorded_twice_on_one_day_the_later_one_is_current(small_book):
    record_grade(small_book, "C2", "C", grader="Ann", graded_on="2024-02-01")
    record_grade(small_book, "C2", "D", grader="Ann", graded_on="2024-02-01", source="accepted")
    current = small_book.scalar("SELECT grade FROM current_grades WHERE client_id = 'C2'")
    assert current == "D"
    assert count_grade_events(small_book) == 3


@pytest.mark.parametrize(
    ("client_id", "grade", "graded_on", "words"),
    [
        ("C1", "E", None, "one of A, B, C or D"),
        ("C1", "", None, "one of A, B, C or D"),
        ("C9", "A", None, "no client with id 'C9'"),
        ("C1", "A", "31.12.2023", "not a date"),
        ("C1", "A", (date.today() + timedelta(days=2)).isoformat(), "future"),
    ],
)
def test_bad_grade_is_refused_and_nothing_is_written(small_book, client_id, grade, graded_on, words):
    before = count_grade_events(small_book)
    with pytest.raises(ClientGradeError, match=words):
        record_grade(small_book, client_id, grade, grader="Ann", graded_on=graded_on)
    assert count_grade_events(small_book) == before


def test_overlong_note_is_refused(small_book):
    with pytest.raises(ClientGradeError, match="note"):
        record_grade(small_book, "C1", "A", grader="Ann", note="x" * 2001)
    assert count_grade_events(small_book) == 1


def test_grade_history_of_the_whole_book_is_newest_first(small_book):
    record_grade(small_book, "C3", "C", grader="Ben", graded_on="2024-03-01")
    history = grade_history(small_book)
    assert list(history["client_id"]) == ["C3", "C1"]
    assert list(history.columns[:4]) == ["event_id", "client_id", "graded_on", "grade"]


def test_monthly_series_leaves_out_the_month_of_as_of_and_counts_back(small_book):
    series = client_card.monthly_series(small_book, "C1", date(2024, 2, 10), months=6)
    assert list(series["month"].dt.strftime("%Y-%m")) == ["2023-08", "2023-09", "2023-10", "2023-11", "2023-12",
                                                          "2024-01"]
    assert list(series.columns) == list(client_card.MONTHLY_COLUMNS)


def test_month_without_hours_has_no_effective_rate(small_book):
    series = client_card.monthly_series(small_book, "C1", "2024-03-01", months=24)
    june = series.loc[series["month"] == "2023-06-01"]
    assert june["labor_hours"].iat[0] == 0
    assert np.isnan(june["effective_hourly_rate"].iat[0])
    other = series.loc[series["labor_hours"] > 0].iloc[0]
    assert other["effective_hourly_rate"] == pytest.approx(
        (other["revenue"] - other["direct_costs"]) / other["labor_hours"]
    )


@pytest.mark.parametrize("months", [0, -3, 1.5])
def test_monthly_series_needs_at_least_one_whole_month(small_book, months):
    with pytest.raises(ClientGradeError, match="at least one month"):
        client_card.monthly_series(small_book, "C1", "2024-03-01", months=months)


def test_client_without_figures_has_an_empty_series(small_book):
    assert client_card.monthly_series(small_book, "C2", "2020-01-01").empty


def _scored_row(**overrides) -> pd.Series:
    """A portfolio row with every criterion scored: a pays-in-41-days managed client."""
    row = {
        "client_id": "C1", "name": "Alderbrook Dental", "service_model": "managed", "seats": 12.0,
        "effective_hourly_rate": 90.0, "gross_margin": 0.5, "avg_monthly_revenue": 2500.0, "avg_days_to_pay": 41.0,
        "disputed_invoices_per_year": 0.0, "emergency_share": 0.1, "after_hours_share": 0.05, "pays_on_time": 4.0,
        "values_service": 3.0, "trusted_advisor": 4.0, "follows_process": 5.0, "open_to_recommendations": 4.0,
        "caller_id_value": 50.0, "flags": "",
    }
    for criterion in CRITERIA:
        row[f"score_{criterion.name}"] = 60.0
        row[f"points_{criterion.name}"] = 60.0 / len(CRITERIA)
    row.update(overrides)
    return pd.Series(row)


def test_criteria_breakdown_lists_every_criterion_in_plain_words():
    breakdown = client_card.criteria_breakdown(_scored_row(), {"currency": "GBP"})
    assert list(breakdown["criterion"]) == [criterion.label for criterion in CRITERIA]
    days = breakdown.set_index("criterion").loc["Days to pay"]
    assert days["measured"] == "pays in 41 days on average"
    assert days["zero_at"] == "75" and days["full_at"] == "14"
    rate = breakdown.set_index("criterion").loc["Effective hourly rate"]
    assert rate["zero_at"] == "£45" and rate["full_at"] == "£120"
    assert breakdown["points"].sum() == pytest.approx(60.0)
    assert breakdown["counted"].all()


def test_missing_criterion_says_no_data_and_does_not_count():
    row = _scored_row(avg_days_to_pay=np.nan, score_days_to_pay=np.nan, points_days_to_pay=np.nan)
    breakdown = client_card.criteria_breakdown(row).set_index("criterion")
    assert breakdown.loc["Days to pay", "measured"] == "no data"
    assert not breakdown.loc["Days to pay", "counted"]
    assert breakdown.loc["Gross margin", "counted"]


def test_breakdown_thresholds_follow_the_settings():
    breakdown = client_card.criteria_breakdown(_scored_row(), {"days_to_pay_zero": 60.0, "margin_full_pct": 70.0})
    by_name = breakdown.set_index("criterion")
    assert by_name.loc["Days to pay", "zero_at"] == "60"
    assert by_name.loc["Gross margin", "full_at"] == "70%"


@pytest.mark.parametrize(
    ("row", "differs"),
    [
        ({"suggested_grade": "B", "manual_grade": "C", "rule_grade": "B"}, True),
        ({"suggested_grade": "C", "manual_grade": "C", "rule_grade": "A"}, False),
        ({"suggested_grade": "A", "manual_grade": np.nan, "rule_grade": "B"}, True),
        ({"suggested_grade": "B", "manual_grade": np.nan, "rule_grade": "B"}, False),
        ({"suggested_grade": np.nan, "manual_grade": "C", "rule_grade": "B"}, False),
    ],
)
def test_suggestion_differs_from_manual_else_from_rule(row, differs):
    assert client_card.suggestion_differs(row) is differs


def test_client_row_of_an_unknown_client_is_a_clear_error():
    portfolio = pd.DataFrame({"client_id": ["C1"], "name": ["Alderbrook Dental"]})
    assert client_card.client_row(portfolio, "C1")["name"] == "Alderbrook Dental"
    with pytest.raises(ClientGradeError, match="no client with id 'C2'"):
        client_card.client_row(portfolio, "C2")


def test_summary_and_display_helpers_say_dash_for_missing_values():
    assert client_card.display_grade(np.nan) == "-"
    assert client_card.display_grade("B") == "B"
    assert client_card.display_score(np.nan) == "-"
    assert client_card.display_score(47.6) == "48"
    summary = client_card.client_summary(_scored_row(service_model="break_fix", seats=np.nan, flags="data gaps"))
    assert summary == "break/fix client. Flags: data gaps."


def test_grades_still_needed_says_how_many_more_grades_train_a_model(small_book):
    needed = grades_still_needed(small_book)
    assert "11 more graded clients" in needed
    assert "graded A" in needed and "graded D" in needed


def test_the_cards_grade_history_stops_at_the_as_of_date(small_book):
    client_id = "C2"
    record_grade(small_book, client_id, "C", graded_on=date(2024, 3, 1), grader="Owner")
    record_grade(small_book, client_id, "B", graded_on=date(2024, 9, 1), grader="Owner")

    then = client_card.client_grade_history(small_book, client_id, as_of=date(2024, 6, 30))
    now = client_card.client_grade_history(small_book, client_id)

    assert then["grade"].tolist() == ["C"]
    assert now["grade"].tolist() == ["B", "C"]


def test_one_card_serves_the_matrix_and_the_review():
    row = _scored_row(
        service_model="break_fix", rule_grade="C", suggested_grade="B", manual_grade=np.nan, effective_grade="B",
        effective_grade_source="suggested", rule_score=47.6, suggested_confidence=0.8, revenue=30000.0,
        labor_hours=400.0, gross_profit=9000.0, avg_monthly_revenue=2500.0, avg_monthly_hours=33.3,
        reasons="Pays on time.", strongest="pays on time", weakest="low margin", incomplete="",
        suggestion_reasons="Like clients you graded B.",
    )
    card = client_card.client_card(row, "GBP")
    assert card.grades == {"Rule": "C", "Suggested": "B", "Manual": "-", "Effective": "B"}
    assert card.review_grades == {"Rule": "C", "Suggested": "B", "Manual": "-"}
    assert card.about == "break/fix, 12 seats"
    assert card.rule_score == "48" and card.model_confidence == "80% sure"
    assert card.monthly_figures["Revenue per month"] == "£2,500"
    assert card.window_figures["Revenue (window)"] == "£30,000"
    assert card.reason_lines == ["Strongest: pays on time", "Weakest: low margin"]
    assert card.suggestion_reasons == "Like clients you graded B."
    agreeing = client_card.client_card({**row.to_dict(), "suggested_grade": "C"}, "GBP")
    assert agreeing.suggestion_reasons is None and agreeing.grades["Suggested"] == "C"


def test_the_review_card_of_a_client_gone_from_the_book_says_skip_it():
    from grading.review import ReviewError

    portfolio = pd.DataFrame({"client_id": ["C1"], "name": ["Alderbrook Dental"]})
    assert client_card.review_card(portfolio, "C1").name == "Alderbrook Dental"
    with pytest.raises(ReviewError, match="skip it with Next"):
        client_card.review_card(portfolio, "C2")


def test_every_amount_and_hours_figure_on_the_card_says_whether_it_is_per_month_or_over_the_window():
    row = _scored_row(revenue=30000.0, labor_hours=400.0, gross_profit=9000.0, avg_monthly_revenue=2500.0,
                      avg_monthly_hours=33.3)
    card = client_card.client_card(row, "EUR")
    for figures, allowed in ((card.monthly_figures, ("per month", "(window)")), (card.window_figures, ("(window)",))):
        for label in figures:
            if label.startswith(("Revenue", "Labor hours", "Hours", "Gross profit")):
                assert any(word in label for word in allowed), label
