"""The Compare books chart: D clients' share of revenue beside their share of hours, per book."""

from __future__ import annotations

import pandas as pd

from grading.charts.books import d_shares_chart, d_shares_frame


def view() -> pd.DataFrame:
    return pd.DataFrame({
        "book": ["beta (this book)", "Book 1", "Book 3"],
        "d_revenue_share": [0.25, 0.3, None],
        "d_hours_share": [0.4, 0.35, None],
        "current": [True, False, False],
    })


def test_each_graded_book_has_its_two_shares_and_a_book_without_grades_has_none():
    frame = d_shares_frame(view())
    assert sorted(frame["book"].unique()) == ["Book 1", "beta (this book)"]
    beta = frame[frame["book"] == "beta (this book)"].set_index("measure")["share"]
    assert beta.to_dict() == {"Share of revenue": 0.25, "Share of labor hours": 0.4}
    assert frame.loc[frame["book"] == "beta (this book)", "current"].all()


def test_the_chart_keeps_the_books_order_and_shows_shares_as_percentages():
    spec = d_shares_chart(view()).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["beta (this book)", "Book 1"]
    assert spec["encoding"]["x"]["axis"]["format"] == "%"
