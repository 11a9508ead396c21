"""The browser benchmark says how many marks the matrix chart draws (issue 14: a few thousand at most)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.bench_browser import chart_marks
from grading.charts.density import MAX_MARKS
from grading.charts.matrix import portfolio_matrix_chart
from grading.settings import defaults
from grading.views.portfolio_matrix import grade_boundaries


def _book(n_clients: int, d_share: float) -> pd.DataFrame:
    rng = np.random.default_rng(14)
    grades = rng.choice(np.array(["A", "B", "C", "D"], dtype=object), n_clients,
                        p=[0.3, 0.3, 0.4 - d_share, d_share])
    return pd.DataFrame({
        "client_id": [f"c{i:05d}" for i in range(n_clients)],
        "name": [f"Client {i}" for i in range(n_clients)],
        "financial_score": rng.uniform(0, 100, n_clients),
        "relationship_score": rng.uniform(0, 100, n_clients),
        "revenue": rng.uniform(1_000, 50_000, n_clients),
        "effective_grade": grades,
    })


def test_a_small_book_counts_one_dot_per_client_and_no_squares():
    spec = portfolio_matrix_chart(_book(300, 0.2), grade_boundaries(defaults())).to_dict()
    assert chart_marks(spec) == (300, 0)


def test_a_large_book_counts_every_d_client_among_the_dots_and_the_others_in_squares():
    book = _book(MAX_MARKS * 4, 0.3)
    dots, squares = chart_marks(portfolio_matrix_chart(book, grade_boundaries(defaults())).to_dict())
    assert dots >= int((book["effective_grade"] == "D").sum())
    assert 0 < squares < len(book) - dots
