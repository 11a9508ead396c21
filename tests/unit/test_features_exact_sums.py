"""The window's amounts are summed exactly, so the order DuckDB reads the months in cannot change a digit.

A double sum depends on the order of its terms ((0.1 + 0.2) + 0.3 is 0.6000000000000001, (0.3 + 0.2) + 0.1 is
0.6), and DuckDB's threads hand a big table's rows over in a different order from run to run: the same book graded
twice differed in the last digits of revenue, margins and scores. The months here are written in two orders into
two databases; every feature must come out bit for bit the same, and equal to the exact sum.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from grading.db.store import Store
from grading.scoring.features import client_features

# Amounts whose double sum depends on the order they are added in.
REVENUES = [0.1, 0.2, 0.3, 0.7, 1e-3, 123456.789, 0.1, 0.2, 0.3, 9.99, 0.01, 5.55]
HOURS = [0.1, 0.7, 0.2, 0.3, 1.1, 2.2, 3.3, 0.1, 0.2, 0.3, 0.4, 0.5]
DAYS = [30.1, 12.7, 45.3, 0.1, 0.2, 0.3, 60.6, 7.7, 8.8, 9.9, 1.1, 2.2]


def _book(path, order):
    store = Store(path)
    store.execute("INSERT INTO clients VALUES ('c1', 'Client c1', 'managed', 10, DATE '2020-01-01')")
    months = pd.period_range("2024-01", periods=12, freq="M")
    for index in order:
        store.execute(
            "INSERT INTO monthly_metrics (client_id, month, revenue, labor_hours, direct_costs, days_to_pay) "
            "VALUES ('c1', ?, ?, ?, ?, ?)",
            [months[index].to_timestamp().date(), REVENUES[index], HOURS[index], REVENUES[11 - index],
             DAYS[index]],
        )
    return store


@pytest.fixture
def two_books(tmp_path):
    forward = _book(tmp_path / "forward.duckdb", range(12))
    backward = _book(tmp_path / "backward.duckdb", reversed(range(12)))
    yield forward, backward
    forward.close()
    backward.close()


def test_the_order_of_the_months_changes_no_digit_of_any_feature(two_books):
    forward, backward = (client_features(store, date(2025, 1, 15)) for store in two_books)
    # The sums really are order-sensitive as doubles, so the test could fail.
    assert sum(REVENUES) != sum(reversed(REVENUES))
    pd.testing.assert_frame_equal(forward, backward, check_exact=True)


def test_the_window_sums_are_the_exact_sums_rounded_once(two_books):
    row = client_features(two_books[0], date(2025, 1, 15)).iloc[0]
    exact = {name: float(sum(Decimal(repr(value)) for value in values))
             for name, values in (("revenue", REVENUES), ("labor_hours", HOURS), ("direct_costs", REVENUES))}
    for name, value in exact.items():
        assert row[name] == value, name
    assert row["avg_days_to_pay"] == float(sum(Decimal(repr(value)) for value in DAYS) / 12)
