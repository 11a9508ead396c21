"""Flags beside the grade: problem client, flight risk, concentration and data gaps, each from its own fixture."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from grading.scoring.features import client_features
from grading.scoring.flags import book_median_rate, flag_clients, flag_words
from grading.vocabulary import FLAG_COLUMNS
from grading.settings import defaults

AS_OF = date(2024, 7, 10)
WINDOW = [f"2023-{month:02d}" for month in range(7, 13)] + [f"2024-{month:02d}" for month in range(1, 7)]


def add_client(store, client_id, *, client_since="2020-01-01", months=WINDOW, **values):
    """A client with a steady month (1000 revenue, 100 costs, 10 hours) in each of ``months``; values override,
    as scalars or one per month."""
    store.execute("INSERT INTO clients VALUES (?, ?, 'managed', 10, ?)", [client_id, client_id.title(), client_since])
    frame = pd.DataFrame({"client_id": client_id, "month": pd.to_datetime([f"{month}-01" for month in months])})
    for column, value in ({"revenue": 1000.0, "direct_costs": 100.0, "labor_hours": 10.0} | values).items():
        frame[column] = value
    with store.transaction() as tx, tx.frame(frame) as name:
        tx.execute(f"INSERT INTO monthly_metrics BY NAME SELECT * FROM {name}")  # noqa: S608 - a frame name


def flags_of(store, **settings):
    features = client_features(store, AS_OF)
    return flag_clients(features, defaults() | settings).set_index(features["client_id"])


def test_a_steady_client_raises_no_flag(store):
    for client_id in ("steady", "other_1", "other_2", "other_3", "other_4", "other_5", "other_6", "other_7"):
        add_client(store, client_id)
    flags = flags_of(store)
    assert not flags.loc["steady", list(FLAG_COLUMNS)].any()
    assert flags.loc["steady", "flags"] == ""


def test_margin_under_20_percent_in_two_of_the_last_three_months_is_a_problem_client(store):
    # 1000 revenue, 100 costs and 18 hours at 45/h leave 9% margin; it happens in May and June only.
    add_client(store, "slipping", labor_hours=[10.0] * 10 + [18.0, 18.0])
    add_client(store, "one_bad_month", labor_hours=[10.0] * 11 + [18.0])
    flags = flags_of(store)
    assert flags.loc["slipping", "problem_client"] and flags.loc["slipping", "low_margin_months"] == 2
    assert "problem client (margin under 20% in 2 of the last 3 months)" in flags.loc["slipping", "flags"]
    assert not flags.loc["one_bad_month", "problem_client"]


def test_problem_months_setting_decides_how_many_bad_months_flag_a_client(store):
    add_client(store, "one_bad_month", labor_hours=[10.0] * 11 + [18.0])
    assert flags_of(store, problem_months=1).loc["one_bad_month", "problem_client"]


def test_a_client_paying_far_above_the_portfolios_rate_is_a_flight_risk(store):
    for client_id in ("a", "b", "c"):
        add_client(store, client_id)
    add_client(store, "overpays", labor_hours=3.0)  # (1000 - 100) / 3 = 300/h against a median of 90/h
    flags = flags_of(store)
    assert flags.loc["overpays", "flight_risk"] and not flags.loc["a", "flight_risk"]
    assert "flight risk (rate €300/h, 3.3x the median)" in flags.loc["overpays", "flags"]


def test_falling_revenue_is_a_flight_risk(store):
    add_client(store, "steady")
    add_client(store, "fading", revenue=[1000.0] * 6 + [600.0] * 6, direct_costs=0.0)
    flags = flags_of(store)
    assert flags.loc["fading", "flight_risk"] and not flags.loc["steady", "flight_risk"]
    assert "revenue down 40%" in flags.loc["fading", "flags"]


def test_a_client_over_15_percent_of_revenue_is_a_concentration_risk(store):
    for client_id in ("a", "b", "c", "d", "e", "f", "g"):
        add_client(store, client_id)
    add_client(store, "big", revenue=3000.0)  # 3000 of 10000 a month
    flags = flags_of(store)
    assert flags.loc["big", "concentration"] and not flags.loc["a", "concentration"]
    assert flags.loc["big", "revenue_share"] == pytest.approx(0.3)
    assert "concentration (30% of revenue)" in flags.loc["big", "flags"]


def test_concentration_threshold_follows_the_setting(store):
    for client_id in ("a", "b", "c", "d", "e", "f", "g", "h"):
        add_client(store, client_id)
    assert not flags_of(store).loc["a", "concentration"]
    assert flags_of(store, concentration_pct=10.0).loc["a", "concentration"]


@pytest.mark.parametrize(
    ("client", "words"),
    [
        (dict(labor_hours=[0.0] * 2 + [10.0] * 10), "2 months of revenue without hours"),
        (dict(revenue=[0.0] + [1000.0] * 11, direct_costs=0.0), "1 month of hours without revenue"),
        (dict(months=WINDOW[:4] + WINDOW[7:]), "3 missing months"),
        (dict(months=[]), "no figures in the window"),
    ],
)
def test_data_gaps_are_flagged_and_named(store, client, words):
    add_client(store, "gappy", **client)
    flags = flags_of(store)
    assert flags.loc["gappy", "data_gaps"]
    assert f"data gaps ({words})" in flags.loc["gappy", "flags"]


def test_a_client_that_joined_recently_has_no_missing_months(store):
    add_client(store, "newcomer", client_since="2024-03-15", months=["2024-03", "2024-04", "2024-05", "2024-06"])
    assert not flags_of(store).loc["newcomer", "data_gaps"]


def test_several_flags_are_listed_together(store):
    add_client(store, "steady")
    add_client(store, "trouble", revenue=[1000.0] * 9 + [500.0] * 3, labor_hours=[10.0] * 9 + [10.0, 0.0, 12.0])
    text = flags_of(store).loc["trouble", "flags"]
    assert text.startswith("problem client") and "; concentration (" in text and "; data gaps (" in text


def test_without_words_the_flags_are_the_same_and_flag_words_writes_them_for_one_row_later(store):
    for client_id in ("steady_1", "steady_2", "steady_3", "steady_4", "steady_5"):
        add_client(store, client_id)
    add_client(store, "overpays", labor_hours=1.0)
    features = client_features(store, AS_OF)
    full = flag_clients(features)
    bare = flag_clients(features, explain=False)
    assert "flags" not in bare.columns
    pd.testing.assert_frame_equal(bare, full.drop(columns="flags"))
    one = pd.concat([features, bare], axis=1).loc[features["client_id"] == "overpays"]
    said = flag_words(one, median_rate=book_median_rate(features))
    assert list(said) == list(full.loc[one.index, "flags"])
    assert "x the median" in said[0]
