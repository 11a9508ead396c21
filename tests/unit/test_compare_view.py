"""The Compare books page's table: the current book first and marked, the others aliased on request."""

from __future__ import annotations

import pandas as pd

from grading.compare import COLUMNS
from grading.views.compare_books import comparison_view, notes_view


def table(names):
    frame = pd.DataFrame({column: [None] * len(names) for column in COLUMNS})
    frame["book"] = names
    frame["revenue"] = [100.0 * (position + 1) for position in range(len(names))]
    return frame


def test_the_current_book_comes_first_and_is_marked():
    shown = comparison_view(table(["alpha", "beta", "gamma"]), "beta")
    assert shown["book"].tolist() == ["beta (this book)", "alpha", "gamma"]
    assert shown["current"].tolist() == [True, False, False]
    assert shown["revenue"].tolist() == [200.0, 100.0, 300.0]


def test_other_books_are_shown_as_numbered_aliases_and_the_current_one_by_name():
    shown = comparison_view(table(["alpha", "beta", "gamma"]), "beta", anonymize_others=True)
    assert shown["book"].tolist() == ["beta (this book)", "Book 1", "Book 3"]
    assert not shown["book"].str.contains("alpha|gamma").any()


def test_percentile_columns_appear_only_when_there_are_percentiles():
    without = comparison_view(table(["a", "b"]), "a")
    assert not [column for column in without.columns if column.endswith("_percentile")]
    with_them = table(["a", "b"]).assign(revenue_percentile=[0.0, 100.0])
    assert "revenue_percentile" in comparison_view(with_them, "a").columns


def test_a_left_out_book_keeps_its_number_in_the_table_and_in_the_notes():
    names = ["alpha", "beta", "gamma"]
    shown = comparison_view(table(["alpha", "gamma"]), "gamma", anonymize_others=True, all_names=names)
    assert shown["book"].tolist() == ["gamma (this book)", "Book 1"]
    notes = notes_view(["Book 'beta' was left out: The database file /x/beta.duckdb is held."], names, "gamma",
                       anonymize_others=True)
    assert notes == ["Book 'Book 2' was left out: The database file (name hidden) is held."]
    assert notes_view(["Book 'beta' x"], names, "gamma") == ["Book 'beta' x"]
