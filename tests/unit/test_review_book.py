"""The review tests' book (:mod:`tests.review_book`) spans every rule grade and is the same for the same seed."""

from __future__ import annotations

import pandas as pd

from grading.db.store import Store
from grading.scoring.portfolio import grade_portfolio
from tests.review_book import AS_OF, write_review_book


def test_review_book_spans_every_rule_grade(store, tmp_path):
    write_review_book(store)
    portfolio = grade_portfolio(store, AS_OF, models_dir=tmp_path / "no-models")
    assert set(portfolio["rule_grade"].dropna()) == {"A", "B", "C", "D"}


def test_review_book_is_the_same_for_the_same_seed(tmp_path):
    frames = []
    for name in ("one", "two"):
        with Store(tmp_path / f"{name}.duckdb") as book:
            write_review_book(book, seed=5)
            frames.append(book.query("SELECT * FROM monthly_metrics ORDER BY client_id, month"))
    pd.testing.assert_frame_equal(frames[0], frames[1])
