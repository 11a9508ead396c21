"""Scatters of a large book draw a few thousand marks at most, and never hide a D client."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading.charts.density import MAX_MARKS, thin_scatter
from grading.charts.matrix import portfolio_matrix_chart
from grading.charts.revenue_time import revenue_hours_chart
from grading.settings import defaults
from grading.views.revenue_vs_time import client_points, rate_lines
from grading.views.portfolio_matrix import grade_boundaries


def _book(n_clients: int, seed: int = 8, d_share: float = 0.12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grades = rng.choice(np.array(["A", "B", "C", "D", None], dtype=object), n_clients,
                        p=[0.25, 0.35, 0.25 - d_share / 2, d_share, 0.15 - d_share / 2])
    revenue = rng.lognormal(10, 1, n_clients)
    hours = revenue / rng.lognormal(4, 0.4, n_clients)
    return pd.DataFrame(
        {
            "client_id": [f"c{i:05d}" for i in range(n_clients)],
            "name": [f"Client {i}" for i in range(n_clients)],
            "financial_score": np.clip(rng.normal(55, 18, n_clients), 0, 100),
            "relationship_score": np.clip(rng.normal(60, 15, n_clients), 0, 100),
            "revenue": revenue,
            "direct_costs": revenue * 0.1,
            "labor_hours": hours,
            "avg_monthly_revenue": revenue / 12,
            "effective_hourly_rate": revenue * 0.9 / hours,
            "gross_margin": rng.uniform(0, 0.6, n_clients),
            "rule_score": rng.uniform(0, 100, n_clients),
            "rule_grade": grades,
            "suggested_grade": grades,
            "manual_grade": grades,
            "effective_grade": grades,
        }
    )


def _client_marks(spec: dict) -> tuple[int, set[str]]:
    """How many marks the chart's client layers draw, and the client ids drawn as dots."""
    datasets = spec["datasets"]
    marks, dotted = 0, set()
    for layer in spec["layer"]:
        rows = datasets.get(layer.get("data", {}).get("name"), [])
        if layer["mark"]["type"] in ("circle", "rect"):
            marks += len(rows)
        if layer["mark"]["type"] == "circle":
            dotted |= {row["client_id"] for row in rows if "client_id" in row}
    return marks, dotted


def test_a_small_book_draws_every_client_as_a_dot():
    book = _book(MAX_MARKS)
    thinned = thin_scatter(book, "financial_score", "relationship_score", "effective_grade")
    assert not thinned.thinned and len(thinned.dots) == MAX_MARKS


@pytest.mark.parametrize("d_share", [0.02, 0.12])
def test_ten_thousand_clients_become_a_few_thousand_marks_with_every_d_client_a_dot(d_share):
    book = _book(10_000, d_share=d_share)
    thinned = thin_scatter(book, "financial_score", "relationship_score", "effective_grade",
                           x_range=(0, 100), y_range=(0, 100))
    assert thinned.thinned
    assert thinned.marks <= MAX_MARKS
    d_clients = set(book.loc[book["effective_grade"] == "D", "client_id"])
    assert d_clients <= set(thinned.dots["client_id"])
    # Nobody is lost: each client is a dot or counted in exactly one square.
    assert len(thinned.dots) + thinned.cells["clients"].sum() == len(book)
    grade_counts = thinned.cells.filter(like="grade_").sum(axis=1)
    assert (grade_counts == thinned.cells["clients"]).all()
    assert thinned.cells["grade_D"].sum() == 0


def test_more_d_clients_than_marks_are_all_still_dots():
    book = _book(10_000, d_share=0.3)
    thinned = thin_scatter(book, "financial_score", "relationship_score", "effective_grade", max_marks=2_000)
    assert (book["effective_grade"] == "D").sum() > 2_000
    assert set(book.loc[book["effective_grade"] == "D", "client_id"]) <= set(thinned.dots["client_id"])
    assert len(thinned.dots) + thinned.cells["clients"].sum() == len(book)


def test_an_outlier_alone_in_its_square_stays_a_dot():
    book = _book(10_000, d_share=0.02)
    book.loc[0, ["financial_score", "relationship_score", "effective_grade"]] = [99.5, 0.5, "A"]
    thinned = thin_scatter(book, "financial_score", "relationship_score", "effective_grade",
                           x_range=(0, 100), y_range=(0, 100))
    assert "c00000" in set(thinned.dots["client_id"])


def test_the_matrix_of_ten_thousand_clients_draws_squares_under_the_dots():
    book = _book(10_000)
    chart = portfolio_matrix_chart(book, grade_boundaries(defaults()))
    spec = chart.to_dict()
    marks, dotted = _client_marks(spec)
    assert marks <= MAX_MARKS
    assert set(book.loc[book["effective_grade"] == "D", "client_id"]) <= dotted
    assert spec["layer"][0]["mark"]["type"] == "rect"
    assert "every D client" in " ".join(spec["title"]["subtitle"])


def test_the_revenue_hours_chart_of_ten_thousand_clients_keeps_every_d_client():
    book = _book(10_000)
    points = client_points(book, "effective_grade")
    chart = revenue_hours_chart(points, rate_lines({"Labor cost": 45.0}, float(points["labor_hours"].max())))
    spec = chart.to_dict()
    marks, dotted = _client_marks(spec)
    assert marks <= MAX_MARKS
    assert set(book.loc[book["effective_grade"] == "D", "client_id"]) <= dotted


def test_the_matrix_of_a_small_book_is_unchanged_one_dot_per_client():
    book = _book(300)
    spec = portfolio_matrix_chart(book, grade_boundaries(defaults())).to_dict()
    assert not [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"]
    assert _client_marks(spec)[0] == 300


def test_the_matrix_sends_each_dot_once_without_its_row_number_or_a_second_copy_of_its_grade():
    # What the browser reads per dot is what it takes to draw 10,000 clients: no row numbers of the book (Streamlit
    # sends an index other than 0, 1, 2... as one more column) and the colouring grade only as shown_grade.
    book = _book(MAX_MARKS * 2)
    thinned = thin_scatter(book, "financial_score", "relationship_score", "effective_grade")
    assert thinned.thinned and thinned.dots.index.equals(pd.RangeIndex(len(thinned.dots)))
    spec = portfolio_matrix_chart(book, grade_boundaries(defaults())).to_dict()
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    columns = set(spec["datasets"][dots["data"]["name"]][0])
    assert "shown_grade" in columns and "effective_grade" not in columns
