"""Words on demand: grade_portfolio(explain=False) leaves the texts out, explain_portfolio writes them for any rows."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pandas as pd
import pytest

from grading.errors import ClientGradeError
from grading.scoring.portfolio import LEADING_COLUMNS, TEXT_COLUMNS, explain_portfolio, grade_portfolio
from grading.db.store import Store

AS_OF = "2026-01-15"


@pytest.fixture(scope="module")
def graded_once(demo_database_template, tmp_path_factory):
    """The demo book (a copy of the session's, with its model) graded both ways, once for the module."""
    folder = Path(shutil.copytree(demo_database_template, tmp_path_factory.mktemp("explain") / "demo"))
    with Store(folder / "portfolio.duckdb") as store:
        full = grade_portfolio(store, AS_OF, models_dir=folder / "models")
        bare = grade_portfolio(store, AS_OF, models_dir=folder / "models", explain=False)
    return full, bare


@pytest.fixture
def graded(graded_once):
    """The demo book graded both ways: with every word, and without words (private copies for each test)."""
    full, bare = graded_once
    return full.copy(deep=True), bare.copy(deep=True)


def test_without_words_every_text_column_is_left_out_and_the_rest_keeps_its_order(graded):
    full, bare = graded
    assert not set(TEXT_COLUMNS) & set(bare.columns)
    assert list(bare.columns) == [column for column in full.columns if column not in TEXT_COLUMNS]


def test_without_words_the_numbers_grades_and_flags_are_the_same(graded):
    full, bare = graded
    pd.testing.assert_frame_equal(bare, full.drop(columns=list(TEXT_COLUMNS)), check_exact=True)


def test_the_demo_book_has_every_kind_of_word_to_compare(graded):
    full, _ = graded
    for column in ("reasons", "suggestion_reasons", "flags", "small_client_note", "incomplete"):
        assert (full[column].fillna("") != "").any(), column
    assert full["suggestion_reasons"].isna().any() or full["suggested_grade"].notna().all()


def test_explaining_the_whole_book_gives_what_grading_with_words_gives(graded):
    full, bare = graded
    pd.testing.assert_frame_equal(explain_portfolio(bare), full, check_exact=True)


def test_explaining_some_rows_gives_the_words_the_whole_book_has_for_them(graded):
    full, bare = graded
    flagged = bare.loc[bare["data_gaps"] | bare["flight_risk"] | bare["problem_client"]]
    shown = pd.concat([flagged.head(3), bare.iloc[[0, 7, 11]], bare.tail(2)]).drop_duplicates("client_id")
    shown = shown.sort_values("rule_score")
    explained = explain_portfolio(shown)
    assert list(explained.index) == list(shown.index)
    pd.testing.assert_frame_equal(explained, full.loc[shown.index], check_exact=True)


def test_one_row_alone_gets_its_words_from_the_whole_books_context(graded):
    full, bare = graded
    # A flight risk's words quote the book's median rate, which one row alone cannot know.
    risky = bare.index[bare["flight_risk"]][0]
    explained = explain_portfolio(bare.loc[[risky]])
    assert explained.loc[risky, "flags"] == full.loc[risky, "flags"]
    assert "the median" in explained.loc[risky, "flags"] or "revenue down" in explained.loc[risky, "flags"]


def test_a_copied_or_pickled_frame_can_still_be_explained(graded):
    full, bare = graded
    for kept in (bare.copy(deep=False), pickle.loads(pickle.dumps(bare))):
        pd.testing.assert_frame_equal(explain_portfolio(kept.head(4)), full.head(4), check_exact=True)


def test_rows_that_lost_the_grading_context_in_a_merge_are_refused(graded):
    _, bare = graded
    notes = pd.DataFrame({"client_id": bare["client_id"].to_numpy(), "note": "call back"})
    merged = bare.merge(notes, on="client_id")
    with pytest.raises(ClientGradeError, match="merge"):
        explain_portfolio(merged)


def test_the_words_go_back_in_their_leading_place(graded):
    _, bare = graded
    explained = explain_portfolio(bare.iloc[:5])
    assert list(explained.columns[: len(LEADING_COLUMNS)]) == list(LEADING_COLUMNS)


def test_without_a_model_the_suggestion_reasons_stay_missing(store):
    store.execute("INSERT INTO clients VALUES ('alpha', 'Alpha', 'managed', 10, '2020-01-01')")
    bare = grade_portfolio(store, AS_OF, explain=False)
    explained = explain_portfolio(bare)
    assert explained["suggestion_reasons"].isna().all()
    pd.testing.assert_frame_equal(explained, grade_portfolio(store, AS_OF), check_exact=True)
