"""Revenue against time per grade, month by month, and the grade history's migration between two dates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from grading import trends
from grading.views import revenue_vs_time
from grading.errors import ClientGradeError
from grading.vocabulary import UNGRADED


def _portfolio() -> pd.DataFrame:
    # The coaches' picture in small: the D clients bring 25% of revenue and take 40% of the hours.
    return pd.DataFrame(
        {
            "client_id": ["a1", "a2", "d1", "x1"],
            "name": ["Alpha", "Beta", "Delta", "Xeno"],
            "revenue": [500.0, 250.0, 250.0, 0.0],
            "direct_costs": [50.0, 0.0, None, 0.0],
            "labor_hours": [3.0, 3.0, 4.0, 0.0],
            "gross_profit": [300.0, 100.0, 50.0, 0.0],
            "effective_grade": ["A", "a ", "D", None],
        }
    )


@pytest.fixture
def graded_store(store):
    """Three clients with monthly figures for 2024-01..2024-03 and a small manual grade history."""
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO clients (client_id, name, service_model, seats) VALUES "
            "('c1', 'One Ltd', 'managed', 10), ('c2', 'Two Ltd', 'break_fix', 5), ('c3', 'Three Ltd', 'managed', 3)"
        )
        tx.execute(
            "INSERT INTO monthly_metrics (client_id, month, revenue, labor_hours, direct_costs) VALUES "
            "('c1', DATE '2024-01-01', 1000, 10, 100), ('c1', DATE '2024-02-01', 1200, 0, 0), "
            "('c2', DATE '2024-01-01', 500, 20, NULL), ('c2', DATE '2024-03-01', 400, 10, 0), "
            "('c3', DATE '2023-12-01', 999, 9, 0)"
        )
        tx.execute(
            "INSERT INTO grade_events (client_id, graded_on, grade) VALUES "
            "('c1', DATE '2024-01-05', 'C'), ('c1', DATE '2024-03-01', 'B'), ('c2', DATE '2024-02-10', 'D'), "
            "('c3', DATE '2024-01-20', 'C'), ('c3', DATE '2024-03-10', 'B')"
        )
    return store


def test_grade_shares_show_the_d_clients_revenue_and_time_share():
    shares = revenue_vs_time.grade_shares(_portfolio(), "effective_grade").set_index("grade")
    assert shares.loc["D", "revenue_share"] == pytest.approx(0.25)
    assert shares.loc["D", "hours_share"] == pytest.approx(0.40)
    assert shares.loc["A", "clients"] == 2


def test_grade_shares_list_every_grade_and_the_ungraded_in_order():
    shares = revenue_vs_time.grade_shares(_portfolio(), "effective_grade")
    assert shares["grade"].tolist() == ["A", "B", "C", "D", UNGRADED]
    assert shares["revenue_share"].sum() == pytest.approx(1.0)
    assert shares.set_index("grade").loc["B", "clients"] == 0


def test_grade_shares_leave_out_the_ungraded_row_when_everyone_has_a_grade():
    graded = _portfolio().iloc[:3]
    assert UNGRADED not in revenue_vs_time.grade_shares(graded, "effective_grade")["grade"].tolist()


def test_grade_with_no_hours_has_no_effective_rate_instead_of_an_error():
    shares = revenue_vs_time.grade_shares(_portfolio(), "effective_grade").set_index("grade")
    assert np.isnan(shares.loc["B", "effective_hourly_rate"])
    assert shares.loc["A", "effective_hourly_rate"] == pytest.approx((750 - 50) / 6)


def test_grade_shares_name_the_missing_column():
    with pytest.raises(ClientGradeError, match="rule_grade"):
        revenue_vs_time.grade_shares(_portfolio(), "rule_grade")


def test_portfolio_rate_is_revenue_less_direct_costs_per_hour():
    assert revenue_vs_time.portfolio_hourly_rate(_portfolio()) == pytest.approx((1000 - 50) / 10)


def test_portfolio_without_hours_has_no_rate():
    assert np.isnan(revenue_vs_time.portfolio_hourly_rate(_portfolio().assign(labor_hours=0.0)))


def test_client_points_put_net_revenue_and_the_grade_label_on_each_client():
    points = revenue_vs_time.client_points(_portfolio(), "effective_grade").set_index("client_id")
    assert points.loc["a1", "net_revenue"] == pytest.approx(450.0)
    assert points.loc["a2", "grade"] == "A"
    assert points.loc["x1", "grade"] == UNGRADED
    assert np.isnan(points.loc["x1", "effective_hourly_rate"])


def test_rate_lines_end_at_the_widest_client_and_skip_rates_that_are_not_numbers():
    lines = revenue_vs_time.rate_lines({"labor cost": 45.0, "portfolio": float("nan"), "target": 120.0}, 200.0)
    assert lines["line"].unique().tolist() == ["labor cost", "target"]
    target = lines[lines["line"] == "target"]
    assert target["net_revenue"].tolist() == [0.0, 24000.0]


@pytest.mark.parametrize(
    ("month", "back", "expected"),
    [(date(2024, 3, 15), 2, date(2024, 1, 1)), (date(2024, 1, 1), 1, date(2023, 12, 1)),
     ("2024-12-31", 24, date(2022, 12, 1)), (date(2024, 5, 9), 0, date(2024, 5, 1))],
)
def test_months_before_counts_calendar_months_back(month, back, expected):
    assert trends.months_before(month, back) == expected


def test_monthly_by_grade_sums_each_month_under_todays_grade(graded_store):
    grades = pd.DataFrame({"client_id": ["c1", "c2"], "grade": ["A", None]})
    monthly = trends.monthly_by_grade(graded_store, grades, date(2024, 1, 1), date(2024, 4, 1), labor_cost_rate=45)
    january_a = monthly[(monthly["month"] == date(2024, 1, 1)) & (monthly["grade"] == "A")].iloc[0]
    assert january_a["revenue"] == 1000.0
    assert january_a["effective_hourly_rate"] == pytest.approx(90.0)
    assert january_a["gross_profit"] == pytest.approx(1000 - 100 - 10 * 45)
    assert set(monthly["grade"]) == {"A", UNGRADED}
    # c3 is not in the grade list, and its only month is before the start: neither shows.
    assert monthly["clients"].sum() == 4


def test_monthly_month_without_hours_has_no_rate(graded_store):
    grades = pd.DataFrame({"client_id": ["c1"], "grade": ["A"]})
    monthly = trends.monthly_by_grade(graded_store, grades, "2024-02-01", "2024-03-01")
    assert len(monthly) == 1
    assert np.isnan(monthly["effective_hourly_rate"].iloc[0])


def test_manual_grades_on_a_day_are_the_latest_events_by_then(graded_store):
    grades = trends.manual_grades_on(graded_store, date(2024, 2, 15)).set_index("client_id")["grade"]
    assert grades.to_dict() == {"c1": "C", "c2": "D", "c3": "C"}


def test_grade_counts_by_month_follow_the_history(graded_store):
    counts = trends.grade_counts_by_month(graded_store, "2023-12-01", "2024-03-01")
    march = counts[counts["month"] == date(2024, 3, 1)].set_index("grade")["clients"].to_dict()
    assert march == {"B": 2, "D": 1}
    assert counts[counts["month"] == date(2023, 12, 1)].empty


def test_grade_counts_refuse_a_start_after_the_end(graded_store):
    with pytest.raises(ClientGradeError, match="swap"):
        trends.grade_counts_by_month(graded_store, "2024-05-01", "2024-01-01")


def test_migration_between_two_dates_says_who_became_what(graded_store):
    before = trends.manual_grades_on(graded_store, date(2024, 1, 31))
    after = trends.manual_grades_on(graded_store, date(2024, 3, 31))
    migration = revenue_vs_time.grade_migration(before, after)
    assert revenue_vs_time.migration_sentences(migration) == ["2 C clients became B", "1 client got a first grade: D"]
    assert revenue_vs_time.migration_summary(migration) == {"up": 2, "down": 0, "same": 0, "graded": 1, "ungraded": 0}


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [("C", "B", "up"), ("A", "D", "down"), ("B", "B", "same"), (None, "A", "graded"), ("C", None, "ungraded")],
)
def test_migration_names_the_direction_of_each_move(before, after, change):
    migration = revenue_vs_time.grade_migration(
        pd.DataFrame({"client_id": ["c"], "grade": [before]}), pd.DataFrame({"client_id": ["c"], "grade": [after]})
    )
    assert migration["change"].tolist() == [change]


def test_migration_matrix_has_every_grade_and_the_counts():
    before = pd.DataFrame({"client_id": list("abcd"), "grade": ["C", "C", "C", "A"]})
    after = pd.DataFrame({"client_id": list("abcd"), "grade": ["B", "B", "B", "A"]})
    matrix = revenue_vs_time.migration_matrix(revenue_vs_time.grade_migration(before, after))
    assert matrix.loc["C", "B"] == 3
    assert matrix.loc["A", "A"] == 1
    assert list(matrix.index) == ["A", "B", "C", "D"]
    sentences = revenue_vs_time.migration_sentences(revenue_vs_time.grade_migration(before, after))
    assert sentences == ["3 C clients became B"]


def test_grade_events_between_carry_the_grade_before_each_event(graded_store):
    events = trends.grade_events_between(graded_store, "2024-02-01", "2024-03-31")
    assert events["client_id"].tolist() == ["c3", "c1", "c2"]
    c1 = events.set_index("client_id").loc["c1"]
    assert (c1["previous_grade"], c1["grade"], c1["name"]) == ("C", "B", "One Ltd")
    assert pd.isna(events.set_index("client_id").loc["c2", "previous_grade"])


def test_trends_of_an_empty_store_are_empty_frames(store):
    assert trends.manual_grades_on(store, date(2024, 1, 1)).empty
    assert trends.grade_counts_by_month(store, "2024-01-01", "2024-06-01").empty
    grades = pd.DataFrame({"client_id": pd.Series(dtype="str"), "grade": pd.Series(dtype="str")})
    assert trends.monthly_by_grade(store, grades, "2024-01-01", "2024-06-01").empty


def test_grade_counts_by_month_agree_with_the_grades_held_at_each_month_end(store):
    rng = np.random.default_rng(42)
    n_clients, n_events = 30, 200
    clients = pd.DataFrame({"client_id": [f"r{i:02d}" for i in range(n_clients)], "name": "Client"})
    # Many events share a month and some share a day, so the month's last event (by date, then id) must win.
    events = pd.DataFrame(
        {
            "client_id": rng.choice(clients["client_id"], n_events),
            "graded_on": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 540, n_events), unit="D"),
            "grade": rng.choice(list("ABCD"), n_events),
        }
    )
    with store.transaction() as tx:
        with tx.frame(clients) as name:
            tx.execute(f"INSERT INTO clients (client_id, name) SELECT client_id, name FROM {name}")
        with tx.frame(events) as name:
            tx.execute(f"INSERT INTO grade_events (client_id, graded_on, grade) "
                       f"SELECT client_id, CAST(graded_on AS DATE), grade FROM {name}")
    counts = trends.grade_counts_by_month(store, "2023-01-01", "2024-08-01")
    for month in pd.date_range("2023-01-01", "2024-08-01", freq="MS"):
        month_end = (month + pd.offsets.MonthEnd(0)).date()
        expected = trends.manual_grades_on(store, month_end)["grade"].value_counts().sort_index()
        got = counts[counts["month"] == month.date()].set_index("grade")["clients"].sort_index()
        assert got.to_dict() == expected.to_dict(), month


def test_migration_between_two_graded_portfolios_counts_sentences_and_table():
    before = _portfolio()
    after = before.assign(effective_grade=["A", "B", "C", "D"])
    moved = revenue_vs_time.migration_between(before, after, "effective_grade")
    assert moved.summary == {"up": 1, "down": 1, "same": 1, "graded": 1, "ungraded": 0}
    assert sorted(moved.sentences) == ["1 A client became B", "1 D client became C", "1 client got a first grade: D"]
    assert moved.matrix.loc["A", "B"] == 1


def test_reference_rates_are_labelled_with_their_rate_in_the_currency():
    rates = revenue_vs_time.reference_rates(45.0, 92.0, 120.0, "EUR")
    assert list(rates.values()) == [45.0, 92.0, 120.0]
    assert all("/h" in label for label in rates)
    assert list(rates)[0].startswith("Labor cost (")


def test_grade_row_is_the_grades_line_of_the_shares():
    shares = revenue_vs_time.grade_shares(_portfolio(), "effective_grade")
    assert revenue_vs_time.grade_row(shares, "D")["revenue"] == 250.0


def test_grades_as_of_follow_the_current_grades_views_rule(graded_store):
    # One rule in two places the schema cannot share: the view (a migration) and the as-of query.
    from grading.grade_history import grades_as_of

    with graded_store.transaction() as tx:  # two events on one date: the one recorded last counts
        tx.execute("INSERT INTO grade_events (client_id, graded_on, grade) VALUES ('c1', '2024-03-20', 'D')")
        tx.execute("INSERT INTO grade_events (client_id, graded_on, grade) VALUES ('c1', '2024-03-20', 'A')")
    latest = grades_as_of(graded_store, date(2100, 1, 1)).sort_values("client_id").reset_index(drop=True)
    view = graded_store.query("SELECT client_id, grade, graded_on FROM current_grades ORDER BY client_id")
    pd.testing.assert_frame_equal(latest, view)
    assert latest.set_index("client_id").loc["c1", "grade"] == "A"
    before = grades_as_of(graded_store, date(2024, 3, 19)).set_index("client_id")
    assert before.loc["c1", "grade"] == "B"
