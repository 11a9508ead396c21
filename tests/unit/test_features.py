"""Point-in-time client features: the window, the rates, the latest assessment and no leakage from later."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from grading.errors import ClientGradeError
from grading.scoring.features import DESCRIPTIVE_COLUMNS, FEATURE_COLUMNS, client_features, features_at


def add_client(store, client_id, *, seats=10, client_since="2020-01-01", service_model="managed"):
    store.execute(
        "INSERT INTO clients VALUES (?, ?, ?, ?, ?)",
        [client_id, f"Client {client_id}", service_model, seats, client_since],
    )


def add_months(store, client_id, months, **values):
    """One monthly row per month (``"YYYY-MM"``); each value is a scalar or a list, one per month."""
    frame = pd.DataFrame({"month": pd.to_datetime([f"{month}-01" for month in months])})
    frame["client_id"] = client_id
    defaults = {"revenue": 1000.0, "labor_hours": 10.0, "direct_costs": 100.0, "tickets": 10,
                "after_hours_tickets": 1, "emergency_tickets": 2, "days_to_pay": 30.0, "disputed_invoices": 0}
    for column, value in (defaults | values).items():
        frame[column] = value
    with store.transaction() as tx, tx.frame(frame) as name:
        tx.execute(
            f"INSERT OR REPLACE INTO monthly_metrics BY NAME SELECT * FROM {name}"  # noqa: S608 - a frame name
        )


def add_assessment(store, client_id, assessed_on, score=4, caller_id="happy", assessor="owner"):
    store.execute(
        "INSERT INTO assessments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
        [client_id, assessed_on, assessor, score, score, score, score, score, caller_id],
    )


def month_range(first, count):
    return [period.strftime("%Y-%m") for period in pd.period_range(first, periods=count, freq="M")]


def test_window_is_the_full_months_before_the_month_of_as_of(store):
    add_client(store, "c1")
    # 2023-02 is one month too early, 2024-03 is the month of as_of itself: neither counts.
    add_months(store, "c1", month_range("2023-02", 14), revenue=[5000.0] + [1000.0] * 12 + [7000.0])
    row = client_features(store, date(2024, 3, 15)).iloc[0]
    assert row["window_start"] == date(2023, 3, 1)
    assert row["window_end"] == date(2024, 3, 1)
    assert row["months_with_data"] == 12
    assert row["revenue"] == 12000.0


@pytest.mark.parametrize("as_of", [date(2024, 3, 1), date(2024, 3, 31)])
def test_every_day_of_a_month_sees_the_same_window(store, as_of):
    add_client(store, "c1")
    add_months(store, "c1", month_range("2023-01", 15))
    row = client_features(store, as_of).iloc[0]
    assert (row["window_start"], row["months_with_data"]) == (date(2023, 3, 1), 12)


def test_window_months_sets_how_far_back_the_window_reaches(store):
    add_client(store, "c1")
    add_months(store, "c1", month_range("2023-01", 14))
    row = client_features(store, date(2024, 3, 15), window_months=3).iloc[0]
    assert row["months_with_data"] == 3
    assert row["window_start"] == date(2023, 12, 1)


def test_profit_and_rates_follow_the_owners_formulas(store):
    add_client(store, "c1", seats=5)
    add_months(store, "c1", month_range("2023-03", 12), revenue=2000.0, direct_costs=200.0, labor_hours=20.0,
               tickets=10, after_hours_tickets=2, emergency_tickets=1, disputed_invoices=[1] + [0] * 11)
    row = client_features(store, date(2024, 3, 15), labor_cost_rate=50.0).iloc[0]
    assert row["gross_profit"] == pytest.approx(24000 - 2400 - 240 * 50)
    assert row["gross_margin"] == pytest.approx((24000 - 2400 - 12000) / 24000)
    assert row["effective_hourly_rate"] == pytest.approx((24000 - 2400) / 240)
    assert row["contribution_per_hour"] == pytest.approx((24000 - 2400 - 12000) / 240)
    assert row["avg_monthly_revenue"] == pytest.approx(2000)
    assert row["revenue_per_seat"] == pytest.approx(400)
    assert row["hours_per_seat"] == pytest.approx(4)
    assert row["tickets_per_seat"] == pytest.approx(2)
    assert row["after_hours_share"] == pytest.approx(0.2)
    assert row["emergency_share"] == pytest.approx(0.1)
    assert row["disputed_invoices_per_year"] == pytest.approx(1)


def test_zero_hours_and_zero_revenue_give_missing_rates_not_errors(store):
    add_client(store, "no_hours", seats=0)
    add_client(store, "no_revenue")
    add_months(store, "no_hours", month_range("2023-03", 12), labor_hours=0.0, tickets=0)
    add_months(store, "no_revenue", month_range("2023-03", 12), revenue=0.0, direct_costs=0.0)
    frame = client_features(store, date(2024, 3, 15)).set_index("client_id")
    assert np.isnan(frame.loc["no_hours", "effective_hourly_rate"])
    assert np.isnan(frame.loc["no_hours", "contribution_per_hour"])
    assert np.isnan(frame.loc["no_hours", "revenue_per_seat"])
    assert np.isnan(frame.loc["no_hours", "emergency_share"])
    assert frame.loc["no_hours", "gross_margin"] == pytest.approx(0.9)
    assert np.isnan(frame.loc["no_revenue", "gross_margin"])
    assert frame.loc["no_revenue", "effective_hourly_rate"] == 0.0


def test_client_without_figures_has_zero_revenue_and_missing_rates(store):
    add_client(store, "quiet")
    row = client_features(store, date(2024, 3, 15)).iloc[0]
    assert (row["revenue"], row["labor_hours"], row["months_with_data"]) == (0.0, 0.0, 0.0)
    assert np.isnan(row["avg_monthly_revenue"]) and np.isnan(row["effective_hourly_rate"])


def test_trend_compares_the_recent_half_of_the_window_with_the_earlier_half(store):
    add_client(store, "c1")
    add_months(store, "c1", month_range("2023-03", 12), revenue=[1000.0] * 6 + [800.0] * 6,
               labor_hours=[10.0] * 6 + [15.0] * 6)
    row = client_features(store, date(2024, 3, 15)).iloc[0]
    assert row["revenue_trend"] == pytest.approx(-0.2)
    assert row["hours_trend"] == pytest.approx(0.5)


def test_latest_assessment_on_or_before_as_of_is_used(store):
    add_client(store, "c1")
    add_assessment(store, "c1", "2023-06-01", score=2, caller_id="dread")
    add_assessment(store, "c1", "2024-03-15", score=5, caller_id="happy")
    add_assessment(store, "c1", "2024-03-16", score=1, caller_id="dread")
    row = client_features(store, date(2024, 3, 15)).iloc[0]
    assert row["assessed_on"] == date(2024, 3, 15)
    assert row["pays_on_time"] == 5 and row["caller_id"] == "happy" and row["caller_id_value"] == 100


def test_raters_on_the_same_day_are_averaged_and_a_split_caller_id_shows_as_mixed(store):
    add_client(store, "c1")
    add_assessment(store, "c1", "2024-01-10", score=5, caller_id="happy", assessor="owner")
    add_assessment(store, "c1", "2024-01-10", score=2, caller_id="dread", assessor="tech")
    row = client_features(store, date(2024, 3, 15)).iloc[0]
    assert row["trusted_advisor"] == pytest.approx(3.5)
    assert row["caller_id"] == "mixed" and row["caller_id_value"] == 50 and row["assessors"] == 2


def test_missing_months_count_from_when_the_client_started(store):
    add_client(store, "gappy", client_since="2019-05-10")
    add_client(store, "newcomer", client_since="2023-12-05")
    add_months(store, "gappy", [m for m in month_range("2023-03", 12) if m not in {"2023-06", "2023-07"}])
    add_months(store, "newcomer", month_range("2023-12", 3))
    frame = client_features(store, date(2024, 3, 15)).set_index("client_id")
    assert frame.loc["gappy", "missing_months"] == 2
    assert frame.loc["newcomer", "missing_months"] == 0


def test_last_three_months_margins_are_reported_latest_first(store):
    add_client(store, "c1")
    add_months(store, "c1", month_range("2023-03", 12), revenue=[1000.0] * 11 + [500.0], direct_costs=0.0,
               labor_hours=10.0)
    row = client_features(store, date(2024, 3, 15), labor_cost_rate=45.0).iloc[0]
    assert row["gross_margin_month_1"] == pytest.approx((500 - 450) / 500)
    assert row["gross_margin_month_2"] == pytest.approx((1000 - 450) / 1000)


def test_features_at_keeps_the_order_and_index_of_the_points(store):
    for client_id in ("a", "b"):
        add_client(store, client_id)
    add_months(store, "a", month_range("2023-01", 15), revenue=1000.0)
    add_months(store, "b", month_range("2023-01", 15), revenue=3000.0)
    points = pd.DataFrame(
        {"client_id": ["b", "a", "b", "ghost"], "as_of": ["2024-03-10", "2023-06-01", "2023-02-01", "2024-01-01"]},
        index=[10, 7, 3, 99],
    )
    frame = features_at(store, points)
    assert list(frame.index) == [10, 7, 3, 99]
    assert list(frame["client_id"]) == ["b", "a", "b", "ghost"]
    assert list(frame["months_with_data"]) == [12, 5, 1, 0]
    assert pd.isna(frame.loc[99, "name"])
    assert list(frame.columns) == list(DESCRIPTIVE_COLUMNS) + list(FEATURE_COLUMNS)


def test_features_at_one_point_per_client_equals_client_features(store):
    for client_id, revenue in (("a", 900.0), ("b", 4000.0), ("c", 50.0)):
        add_client(store, client_id)
        add_months(store, client_id, month_range("2023-01", 15), revenue=revenue)
        add_assessment(store, client_id, "2023-11-11")
    as_of = date(2024, 2, 20)
    whole = client_features(store, as_of)
    pointwise = features_at(store, pd.DataFrame({"client_id": ["a", "b", "c"], "as_of": [as_of] * 3}))
    pd.testing.assert_frame_equal(whole, pointwise)


def test_nothing_after_the_grade_date_leaks_into_its_features(store):
    add_client(store, "c1")
    add_months(store, "c1", month_range("2023-01", 15))
    add_assessment(store, "c1", "2024-01-05", score=3)
    points = pd.DataFrame({"client_id": ["c1"], "as_of": [date(2024, 3, 20)]})
    before = features_at(store, points)

    # Everything below happens after the grade: the grade's own month, later months, a later assessment.
    add_months(store, "c1", month_range("2024-03", 4), revenue=99999.0, labor_hours=1.0, days_to_pay=120.0)
    add_assessment(store, "c1", "2024-03-21", score=1, caller_id="dread")
    after = features_at(store, points)

    pd.testing.assert_frame_equal(before, after)
    assert client_features(store, date(2024, 8, 1)).iloc[0]["revenue"] != before.iloc[0]["revenue"]


@pytest.mark.parametrize(
    "points",
    [
        pd.DataFrame({"client_id": ["a"]}),
        pd.DataFrame({"client_id": ["a"], "as_of": ["not a date"]}),
        pd.DataFrame({"client_id": [None], "as_of": ["2024-01-01"]}),
    ],
)
def test_points_without_a_client_or_a_readable_date_are_refused(store, points):
    with pytest.raises(ClientGradeError):
        features_at(store, points)


@pytest.mark.parametrize("window_months", [0, -3, 2.5])
def test_a_window_under_one_whole_month_is_refused(store, window_months):
    with pytest.raises(ClientGradeError, match="window"):
        client_features(store, date(2024, 1, 1), window_months=window_months)


def test_no_points_give_an_empty_frame_with_every_column(store):
    frame = features_at(store, pd.DataFrame({"client_id": [], "as_of": []}))
    assert frame.empty and list(frame.columns) == list(DESCRIPTIVE_COLUMNS) + list(FEATURE_COLUMNS)
