"""The demo portfolio: reproducible, in the import contract's shape, believable, and telling the reference story."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from grading import demo
from grading.errors import ClientGradeError
from grading.importer import CONTRACTS

END_MONTH = dt.date(2025, 12, 1)
FRAME_KINDS = ("clients", "monthly", "assessments", "grades")


@pytest.fixture(scope="module")
def book() -> demo.DemoPortfolio:
    """The default demo book (60 clients, default seed), ending at a fixed month."""
    return demo.generate_demo(end_month=END_MONTH)


def latest_manual_grade(portfolio: demo.DemoPortfolio) -> pd.Series:
    """Each graded client's latest manual grade, by client_id."""
    ordered = portfolio.grades.sort_values(["client_id", "graded_on"], kind="stable")
    return ordered.groupby("client_id")["grade"].last()


def last_twelve_months(portfolio: demo.DemoPortfolio) -> pd.DataFrame:
    start = pd.Timestamp(portfolio.end_month) - pd.DateOffset(months=11)
    return portfolio.monthly[portfolio.monthly["month"] >= start]


def d_shares(portfolio: demo.DemoPortfolio) -> tuple[float, float]:
    """The D clients' share of revenue and of labor hours over the last twelve months, by the latest manual grade."""
    recent = last_twelve_months(portfolio)
    is_d = recent["client_id"].map(latest_manual_grade(portfolio)).eq("D")
    revenue_share = recent.loc[is_d, "revenue"].sum() / recent["revenue"].sum()
    hours_share = recent.loc[is_d, "labor_hours"].sum() / recent["labor_hours"].sum()
    return float(revenue_share), float(hours_share)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_the_same_seed_and_end_month_give_identical_frames(kind):
    first = demo.generate_demo(60, seed=7, end_month=END_MONTH)
    second = demo.generate_demo(60, seed=7, end_month=END_MONTH)
    pd.testing.assert_frame_equal(getattr(first, kind), getattr(second, kind))


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_different_seeds_give_different_books(kind):
    first = demo.generate_demo(60, seed=1, end_month=END_MONTH)
    second = demo.generate_demo(60, seed=2, end_month=END_MONTH)
    assert not getattr(first, kind).equals(getattr(second, kind))


def test_no_seed_means_the_default_seed():
    unseeded = demo.generate_demo(12, seed=None, end_month=END_MONTH)
    default = demo.generate_demo(12, seed=demo.DEFAULT_SEED, end_month=END_MONTH)
    assert unseeded.seed == demo.DEFAULT_SEED
    pd.testing.assert_frame_equal(unseeded.monthly, default.monthly)


@pytest.mark.parametrize("n_clients", [1, 2, 9, 10, 60, 500])
def test_the_book_has_exactly_the_clients_asked_for_each_with_metrics_and_an_assessment(n_clients):
    portfolio = demo.generate_demo(n_clients, end_month=END_MONTH)
    assert len(portfolio.clients) == n_clients
    assert portfolio.clients["client_id"].is_unique
    assert set(portfolio.monthly["client_id"]) == set(portfolio.clients["client_id"])
    assert set(portfolio.assessments["client_id"]) == set(portfolio.clients["client_id"])


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_frames_have_exactly_the_import_contracts_columns(book, kind):
    assert tuple(getattr(book, kind).columns) == CONTRACTS[kind].column_names


def test_frames_are_keyed_by_import_file_kind(book):
    assert list(book.frames()) == list(FRAME_KINDS)


@pytest.mark.parametrize("n_clients", [1, 60, 500])
def test_counts_and_amounts_stay_within_the_contracts_ranges(n_clients):
    portfolio = demo.generate_demo(n_clients, seed=11, end_month=END_MONTH)
    monthly = portfolio.monthly
    for column in ("revenue", "labor_hours", "tickets", "after_hours_tickets", "emergency_tickets", "days_to_pay",
                   "disputed_invoices"):
        assert (monthly[column] >= 0).all(), column
    assert (monthly["direct_costs"].dropna() >= 0).all()
    assert (monthly["after_hours_tickets"] <= monthly["tickets"]).all()
    assert (monthly["emergency_tickets"] <= monthly["tickets"]).all()
    assert np.isfinite(monthly.drop(columns=["client_id", "month", "direct_costs"]).to_numpy(float)).all()
    assert portfolio.clients["seats"].between(2, 200).all()
    assert portfolio.clients["service_model"].isin(["managed", "break_fix", "project", "hybrid"]).all()


@pytest.mark.parametrize("n_clients", [1, 60, 500])
def test_scores_grades_and_caller_ids_are_valid_values(n_clients):
    portfolio = demo.generate_demo(n_clients, seed=11, end_month=END_MONTH)
    scores = portfolio.assessments[list(CONTRACTS["assessments"].column_names[3:8])]
    assert scores.isin([1, 2, 3, 4, 5]).all().all()
    assert portfolio.assessments["caller_id"].isin(["happy", "neutral", "dread"]).all()
    assert portfolio.grades["grade"].isin(["A", "B", "C", "D"]).all()


@pytest.mark.parametrize("seed", [demo.DEFAULT_SEED, 1, 2, 3, 42])
def test_d_clients_bring_a_quarter_of_revenue_and_take_forty_percent_of_hours(seed):
    revenue_share, hours_share = d_shares(demo.generate_demo(60, seed=seed, end_month=END_MONTH))
    assert 0.20 <= revenue_share <= 0.30
    assert 0.35 <= hours_share <= 0.45


def test_d_clients_earn_far_less_per_hour_than_a_clients(book):
    recent = last_twelve_months(book).assign(grade=lambda f: f["client_id"].map(latest_manual_grade(book)))
    totals = recent.groupby("grade")[["revenue", "direct_costs", "labor_hours"]].sum()
    rate = (totals["revenue"] - totals["direct_costs"]) / totals["labor_hours"]
    assert rate["D"] < 0.6 * rate["A"]


def test_every_service_model_is_present_in_a_book_of_sixty(book):
    assert set(book.clients["service_model"]) == {"managed", "break_fix", "project", "hybrid"}


@pytest.mark.parametrize("seed", [demo.DEFAULT_SEED, 1, 2])
def test_one_large_well_graded_client_holds_12_to_16_percent_of_revenue(seed):
    portfolio = demo.generate_demo(60, seed=seed, end_month=END_MONTH)
    revenue = last_twelve_months(portfolio).groupby("client_id")["revenue"].sum()
    largest = revenue.idxmax()
    assert 0.12 <= revenue[largest] / revenue.sum() <= 0.16
    assert latest_manual_grade(portfolio)[largest] in {"A", "B"}


def test_managed_clients_pay_a_believable_amount_per_seat(book):
    managed = book.clients.loc[book.clients["service_model"] == "managed", ["client_id", "seats"]]
    revenue = last_twelve_months(book).groupby("client_id")["revenue"].mean()
    per_seat = revenue[managed["client_id"]].to_numpy() / managed["seats"].to_numpy()
    assert 50 <= np.median(per_seat) <= 200


def test_direct_costs_are_mostly_15_to_35_percent_of_revenue(book):
    recent = last_twelve_months(book).dropna(subset=["direct_costs"])
    share = recent.groupby("client_id")[["direct_costs", "revenue"]].sum().eval("direct_costs / revenue")
    assert 0.10 <= share.median() <= 0.35


def test_good_clients_pay_fast_and_bad_clients_pay_slowly_and_call_late(book):
    recent = last_twelve_months(book).assign(grade=lambda f: f["client_id"].map(latest_manual_grade(book)))
    by_grade = recent.groupby("grade").agg(
        days_to_pay=("days_to_pay", "mean"),
        after_hours=("after_hours_tickets", "sum"),
        tickets=("tickets", "sum"),
        disputes=("disputed_invoices", "mean"),
    )
    assert 8 <= by_grade.loc["A", "days_to_pay"] <= 25
    assert 55 <= by_grade.loc["D", "days_to_pay"] <= 100
    after_hours_share = by_grade["after_hours"] / by_grade["tickets"]
    assert after_hours_share["D"] > 3 * after_hours_share["A"]
    assert by_grade.loc["D", "disputes"] > by_grade.loc["A", "disputes"]


def test_client_names_are_unique_in_a_large_book():
    names = demo.generate_demo(5000, seed=3, months=1, end_month=END_MONTH).clients["name"]
    assert names.is_unique
    assert names.str.len().between(10, 60).all()


def test_metrics_cover_24_months_ending_at_end_month(book):
    months = book.monthly["month"]
    assert months.max() == pd.Timestamp(END_MONTH)
    assert months.min() == pd.Timestamp(2024, 1, 1)
    assert (months.dt.day == 1).all()
    per_client = book.monthly.groupby("client_id").size()
    assert per_client.max() == 24
    assert per_client.median() == 24
    assert per_client.min() >= 12


def test_no_client_has_metrics_before_it_became_a_client(book):
    since = book.monthly["client_id"].map(book.clients.set_index("client_id")["client_since"])
    assert (book.monthly["month"] >= since.dt.to_period("M").dt.start_time).all()


def test_the_book_is_a_little_messy_like_a_real_psa_export(book):
    monthly = book.monthly
    clients_without_costs = monthly.groupby("client_id")["direct_costs"].apply(lambda costs: costs.isna().all())
    assert clients_without_costs.sum() == 1
    assert ((monthly["labor_hours"] == 0) & (monthly["revenue"] > 0)).any()
    joined_before_window = book.clients.loc[book.clients["client_since"] < pd.Timestamp(2024, 1, 1), "client_id"]
    rows_of_old_clients = monthly["client_id"].isin(joined_before_window).sum()
    assert 0 < len(joined_before_window) * 24 - rows_of_old_clients <= 10


def test_assessments_and_grades_fall_in_the_last_twelve_months(book):
    year_start, year_end = pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 12, 31)
    assert book.assessments["assessed_on"].between(year_start, year_end).all()
    assert book.grades["graded_on"].between(year_start, year_end).all()


def test_about_a_quarter_of_clients_have_a_second_assessor(book):
    assessors = book.assessments.groupby("client_id")["assessor"].nunique()
    assert (assessors <= 2).all()
    assert 0.12 <= (assessors == 2).mean() <= 0.40


def test_fifteen_percent_of_clients_are_never_graded(book):
    graded = book.grades["client_id"].nunique()
    assert len(book.clients) - graded == 9


def test_two_graders_grade_some_clients_several_times_and_some_together(book):
    assert set(book.grades["grader"]) == {"Owner", "Service manager"}
    events_per_client = book.grades.groupby("client_id").size()
    assert (events_per_client >= 2).sum() >= 10
    graders_per_client = book.grades.groupby("client_id")["grader"].nunique()
    assert (graders_per_client == 2).sum() >= 5


def test_no_client_is_graded_twice_on_one_day(book):
    assert not book.grades.duplicated(["client_id", "graded_on"]).any()


def test_the_two_graders_mostly_agree_on_a_client():
    portfolio = demo.generate_demo(500, seed=5, end_month=END_MONTH)
    ordered = portfolio.grades.sort_values(["client_id", "graded_on"], kind="stable")
    latest_by_grader = ordered.groupby(["client_id", "grader"])["grade"].last().unstack().dropna()
    points = latest_by_grader.apply(lambda column: column.map({"A": 0, "B": 1, "C": 2, "D": 3}))
    apart = (points["Owner"] - points["Service manager"]).abs()
    assert len(apart) >= 50
    assert (apart == 0).mean() >= 0.5
    assert (apart <= 1).mean() >= 0.9


def test_the_owners_grades_follow_payment_behaviour():
    portfolio = demo.generate_demo(2000, seed=5, end_month=END_MONTH)
    days_to_pay = last_twelve_months(portfolio).groupby("client_id")["days_to_pay"].mean()
    grade = latest_manual_grade(portfolio).map({"A": 0, "B": 1, "C": 2, "D": 3})
    joined = pd.concat([days_to_pay, grade], axis=1, join="inner")
    assert joined.corr(method="spearman").iloc[0, 1] > 0.6


def test_grades_mostly_but_not_always_match_the_clients_survey(book):
    survey = book.assessments[book.assessments["assessor"] == "Owner"].set_index("client_id")
    mean_score = survey[list(CONTRACTS["assessments"].column_names[3:8])].mean(axis=1)
    grade = latest_manual_grade(book)
    by_grade = {letter: mean_score[grade.index[grade == letter]] for letter in "ABCD"}
    assert by_grade["A"].mean() > by_grade["D"].mean() + 1.5
    # Owners are human and see more than the survey: neighbouring grades overlap.
    assert by_grade["C"].max() > by_grade["B"].min()


@pytest.mark.parametrize(
    "end_month, expected",
    [
        (dt.date(2025, 12, 1), dt.date(2025, 12, 1)),
        (dt.date(2025, 12, 17), dt.date(2025, 12, 1)),
        ("2025-06", dt.date(2025, 6, 1)),
        (pd.Timestamp("2024-02-29"), dt.date(2024, 2, 1)),
    ],
)
def test_end_month_is_the_month_of_the_date_given(end_month, expected):
    portfolio = demo.generate_demo(3, end_month=end_month)
    assert portfolio.end_month == expected
    assert portfolio.monthly["month"].max() == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 1, 15), dt.date(2025, 12, 1)),
        (dt.date(2026, 3, 1), dt.date(2026, 2, 1)),
        (dt.date(2024, 3, 31), dt.date(2024, 2, 1)),
    ],
)
def test_the_default_end_month_is_the_last_complete_month(today, expected):
    assert demo.last_complete_month(today) == expected


def test_without_an_end_month_the_book_ends_last_month():
    assert demo.generate_demo(2).end_month == demo.last_complete_month()


@pytest.mark.parametrize(
    "arguments, named",
    [
        ({"n_clients": 0}, "n_clients"),
        ({"n_clients": -5}, "n_clients"),
        ({"n_clients": 2.5}, "n_clients"),
        ({"n_clients": True}, "n_clients"),
        ({"months": 0}, "months"),
        ({"months": 1000}, "months"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"end_month": "soon"}, "end_month"),
        ({"end_month": 202512}, "end_month"),
    ],
)
def test_bad_arguments_raise_a_clear_error(arguments, named):
    with pytest.raises(ClientGradeError, match=named):
        demo.generate_demo(**arguments)


def test_any_number_of_months_can_be_generated():
    portfolio = demo.generate_demo(20, months=36, end_month=END_MONTH)
    assert portfolio.monthly["month"].nunique() == 36


def test_writing_the_demo_into_an_empty_store_gives_sixty_clients_with_about_24_months(store):
    written = demo.write_demo_portfolio(store, end_month=END_MONTH)
    assert store.scalar("SELECT count(*) FROM clients") == 60
    months = store.query("SELECT client_id, count(*) AS months FROM monthly_metrics GROUP BY client_id")
    assert len(months) == 60
    assert months["months"].median() == 24
    assert months["months"].max() == 24
    assert store.scalar("SELECT count(*) FROM assessments") == len(written.assessments)
    assert store.scalar("SELECT count(*) FROM grade_events WHERE source = 'demo'") == len(written.grades)
    assert store.scalar("SELECT count(*) FROM current_grades") == 51


def test_stored_demo_keeps_the_reference_story(store):
    demo.write_demo_portfolio(store, end_month=END_MONTH)
    shares = store.query(
        """
        SELECT sum(m.revenue) FILTER (WHERE g.grade = 'D') / sum(m.revenue) AS revenue_share,
               sum(m.labor_hours) FILTER (WHERE g.grade = 'D') / sum(m.labor_hours) AS hours_share
        FROM monthly_metrics AS m LEFT JOIN current_grades AS g USING (client_id)
        WHERE m.month >= ?
        """,
        [dt.date(2025, 1, 1)],
    )
    assert 0.20 <= shares.loc[0, "revenue_share"] <= 0.30
    assert 0.35 <= shares.loc[0, "hours_share"] <= 0.45


STORED_BOOK = {
    "clients": "SELECT * FROM clients ORDER BY client_id",
    "monthly_metrics": "SELECT * FROM monthly_metrics ORDER BY client_id, month",
    "assessments": "SELECT * FROM assessments ORDER BY client_id, assessed_on, assessor",
    "grade_events": "SELECT * EXCLUDE (event_id, recorded_at) FROM grade_events ORDER BY client_id, graded_on",
}


def test_writing_the_same_demo_twice_changes_nothing(store):
    demo.write_demo_portfolio(store, n_clients=15, seed=4, end_month=END_MONTH)
    before = {table: store.query(sql) for table, sql in STORED_BOOK.items()}
    demo.write_demo_portfolio(store, n_clients=15, seed=4, end_month=END_MONTH)
    for table, sql in STORED_BOOK.items():
        pd.testing.assert_frame_equal(store.query(sql), before[table], obj=table)
