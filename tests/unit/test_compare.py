"""The comparison of books: one query over the books (or their Parquet exports) equals grading each book alone."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grading import books
from grading.cli import main
from grading.db.book_admin import archive_client
from grading.compare import COLUMNS, compare_books, compare_exports
from grading.db.export import export_parquet
from grading.scoring.portfolio import grade_portfolio
from grading.settings import save_settings
from grading.db.store import Store
from tests.held_database import held_by_another_process

AS_OF = date.today()


@pytest.fixture(scope="module")
def three_books_made(demo_database_template, tmp_path_factory):
    """Three books: the demo with its trained model, and two smaller demo books, one with settings of its own.

    Made once for the module, never graded; tests get a copy (:func:`three_books`).
    """
    folder = tmp_path_factory.mktemp("three-books") / "books"
    folder.mkdir()
    shutil.copy(demo_database_template / "portfolio.duckdb", folder / "alpha.duckdb")
    shutil.copytree(demo_database_template / "models", folder / "alpha.models")
    beta = books.create_book("beta", folder, start="demo", demo_clients=25, seed=7, train=False)
    with Store(beta.path) as store:
        # An archived client is graded no more, in the comparison as on the pages.
        archive_client(store, store.scalar("SELECT min(client_id) FROM clients"), on=date(2020, 1, 1))
    gamma = books.create_book("gamma", folder, start="demo", demo_clients=15, seed=9, train=False)
    with Store(gamma.path) as store:
        save_settings(store, {"labor_cost_rate": 60.0, "scoring_window_months": 6, "currency": "USD"})
    return folder


@pytest.fixture(scope="module")
def three_books_compared(three_books_made, tmp_path_factory):
    """The three books after a first comparison: each has its grades for ``AS_OF`` stored. Tests get a copy."""
    folder = tmp_path_factory.mktemp("three-books-compared") / "books"
    shutil.copytree(three_books_made, folder)
    assert len(compare_books(books.list_books(folder), AS_OF).notes) == 3
    return folder


@pytest.fixture
def three_books(three_books_made, tmp_path):
    """A private copy of the three books, none graded yet."""
    return Path(shutil.copytree(three_books_made, tmp_path / "books"))


@pytest.fixture
def compared_books(three_books_compared, tmp_path):
    """A private copy of the three books with their grades for ``AS_OF`` stored by a first comparison."""
    return Path(shutil.copytree(three_books_compared, tmp_path / "books"))


@pytest.fixture(scope="module")
def figures_of_the_three_books(three_books_made, tmp_path_factory) -> pd.DataFrame:
    """:func:`figures_one_book_at_a_time` of the three books as made, worked out once on a copy of its own.

    The expected figures of every test that compares the books unchanged; a copy for each test.
    """
    folder = tmp_path_factory.mktemp("three-books-one-at-a-time") / "books"
    return figures_one_book_at_a_time(Path(shutil.copytree(three_books_made, folder)))


@pytest.fixture
def expected_figures(figures_of_the_three_books) -> pd.DataFrame:
    """A copy of :func:`figures_of_the_three_books`."""
    return figures_of_the_three_books.copy()


def figures_one_book_at_a_time(folder: Path) -> pd.DataFrame:
    """Each book graded on its own, as ``python -m grading grade`` does, and summed up."""
    rows = []
    for book in books.list_books(folder):
        with Store(book.path) as store:
            graded = grade_portfolio(store, AS_OF, models_dir=book.models_dir, explain=False)
        is_d = graded["effective_grade"] == "D"
        counts = graded["effective_grade"].value_counts()
        rows.append({
            "book": book.name,
            "clients": len(graded),
            "revenue": graded["revenue"].sum(),
            "labor_hours": graded["labor_hours"].sum(),
            "gross_profit": graded["gross_profit"].sum(),
            "effective_hourly_rate": (graded["revenue"].sum() - graded["direct_costs"].sum())
            / graded["labor_hours"].sum(),
            "gross_margin": graded["gross_profit"].sum() / graded["revenue"].sum(),
            "d_revenue_share": graded.loc[is_d, "revenue"].sum() / graded["revenue"].sum(),
            "d_hours_share": graded.loc[is_d, "labor_hours"].sum() / graded["labor_hours"].sum(),
            **{f"grades_{grade.lower()}": int(counts.get(grade, 0)) for grade in "ABCD"},
            "largest_client_share": graded["revenue_share"].max(),
            "concentrated_clients": int(graded["concentration"].sum()),
            "sources": set(graded["effective_grade_source"].dropna()),
        })
    return pd.DataFrame(rows)


def assert_same_figures(compared: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(compared["book"]) == list(expected["book"])
    for column in expected.columns.drop(["book", "sources"]):
        np.testing.assert_allclose(
            compared[column].astype(float).to_numpy(), expected[column].astype(float).to_numpy(), rtol=1e-9,
            err_msg=column,
        )


def test_the_comparison_equals_each_book_graded_on_its_own(three_books, expected_figures):
    comparison = compare_books(books.list_books(three_books), AS_OF)
    expected = expected_figures
    assert list(comparison.table.columns) == list(COLUMNS)
    assert_same_figures(comparison.table, expected)
    # The demo book's effective grades include the model's suggestions, and the comparison counts them.
    assert "suggested" in expected.loc[expected["book"] == "alpha", "sources"].iloc[0]
    assert comparison.table["graded"].all()
    assert comparison.table.set_index("book").loc["beta", "clients"] == 24
    # Each book is read with its own settings.
    gamma = comparison.table.set_index("book").loc["gamma"]
    assert gamma["currency"] == "USD"
    assert (gamma["window_end"] - gamma["window_start"]).days < 200


def test_the_first_comparison_grades_the_books_and_the_second_reads_their_stored_grades(three_books):
    first = compare_books(books.list_books(three_books), AS_OF)
    assert sum("was graded" in note for note in first.notes) == 3
    second = compare_books(books.list_books(three_books), AS_OF)
    assert second.notes == []
    pd.testing.assert_frame_equal(first.table, second.table)


def test_a_write_to_a_book_makes_its_stored_grades_stale_and_it_is_graded_again(compared_books):
    three_books = compared_books
    assert compare_books(books.list_books(three_books), AS_OF).notes == [], "the copies' stored grades count"
    with Store(three_books / "beta.duckdb") as store:
        store.execute(
            "INSERT INTO grade_events (client_id, graded_on, grade, source) "
            "SELECT client_id, ?, 'D', 'manual' FROM clients ORDER BY client_id LIMIT 3",
            [AS_OF],
        )
    again = compare_books(books.list_books(three_books), AS_OF)
    assert again.notes == [f"Book 'beta' was graded as of {AS_OF.isoformat()} (its stored grades were out of date)."]
    assert_same_figures(again.table, figures_one_book_at_a_time(three_books))


def test_without_regrading_a_book_with_stale_grades_shows_no_grade_figures(three_books):
    comparison = compare_books(books.list_books(three_books), AS_OF, regrade=False)
    assert not comparison.table["graded"].any()
    assert comparison.table["grades_d"].isna().all() and comparison.table["d_revenue_share"].isna().all()
    assert comparison.table["revenue"].gt(0).all()
    assert len(comparison.notes) == 3


def test_a_book_held_by_another_program_is_left_out_with_a_note(compared_books):
    three_books = compared_books
    with held_by_another_process(three_books / "beta.duckdb"):
        comparison = compare_books(books.list_books(three_books), AS_OF)
    assert list(comparison.table["book"]) == ["alpha", "gamma"]
    assert len(comparison.notes) == 1
    assert "'beta' was left out" in comparison.notes[0] and "in use by another program" in comparison.notes[0]


def test_the_parquet_exports_give_the_same_comparison(compared_books, tmp_path):
    three_books = compared_books  # graded already: the comparison and the exports read the stored grades
    from_books = compare_books(books.list_books(three_books), AS_OF)
    exports = tmp_path / "exports"
    for book in books.list_books(three_books):
        with Store(book.path) as store:
            export_parquet(store, exports / book.name)
    from_exports = compare_exports(exports, AS_OF)
    assert from_exports.notes == []
    pd.testing.assert_frame_equal(from_exports.table, from_books.table, check_exact=False, rtol=1e-12)


def test_an_export_without_grades_for_the_date_shows_no_grade_figures_and_says_so(compared_books, tmp_path):
    three_books = compared_books
    with Store(three_books / "gamma.duckdb") as store:
        export_parquet(store, tmp_path / "exports" / "gamma")
    other_day = date(AS_OF.year - 1, AS_OF.month, 1)
    comparison = compare_exports(tmp_path / "exports", other_day)
    assert comparison.table["grades_d"].isna().all()
    assert comparison.table["revenue"].gt(0).all()
    assert "has no grades stored for" in comparison.notes[0]


def test_an_export_folder_without_books_is_refused(tmp_path):
    from grading.errors import ClientGradeError

    with pytest.raises(ClientGradeError, match="No book exports"):
        compare_exports(tmp_path, AS_OF)


def test_percentiles_appear_with_five_books_and_not_with_fewer(tmp_path):
    folder = tmp_path / "books"
    first = books.create_book("book0", folder, start="demo", demo_clients=8, seed=0, train=False)
    for number in range(1, 5):
        # Copies of the first book with every revenue a tenth higher per book: five books of five different
        # effective hourly rates, without making (and importing) a demo book five times over.
        copy = folder / f"book{number}.duckdb"
        shutil.copyfile(first.path, copy)
        with Store(copy) as store:
            store.execute("UPDATE monthly_metrics SET revenue = revenue * ?", [1 + number / 10])
    four = compare_books(books.list_books(folder)[:4], AS_OF)
    assert four.table["effective_hourly_rate_percentile"].isna().all()
    five = compare_books(books.list_books(folder), AS_OF)
    percentiles = five.table["effective_hourly_rate_percentile"]
    assert sorted(percentiles) == [0.0, 25.0, 50.0, 75.0, 100.0]
    best = five.table.loc[five.table["effective_hourly_rate"].idxmax(), "effective_hourly_rate_percentile"]
    assert best == 100.0


def test_the_cli_prints_one_row_per_book_with_the_issue_columns(three_books, expected_figures, capsys):
    # In this process (main() is what `python -m grading` runs): a new interpreter would cost seconds of imports.
    status = main(["compare", "--books", str(three_books), "--as-of", AS_OF.isoformat(), "--format", "json"])
    result = capsys.readouterr()
    assert status == 0, result.err
    rows = json.loads(result.out)
    assert [row["book"] for row in rows] == ["alpha", "beta", "gamma"]
    wanted = {"book", "clients", "revenue", "labor_hours", "effective_hourly_rate", "d_revenue_share",
              "d_hours_share", "grades_a", "grades_b", "grades_c", "grades_d"}
    assert wanted <= set(rows[0])
    expected = expected_figures
    assert [row["grades_d"] for row in rows] == list(expected["grades_d"])
    assert rows[0]["d_revenue_share"] == pytest.approx(expected["d_revenue_share"][0], rel=1e-9)
    assert "note: Book 'alpha' was graded" in result.err


def test_the_cli_says_so_when_the_folder_holds_no_books(tmp_path, capsys):
    assert main(["compare", "--books", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "There are no books" in err and "Traceback" not in err


def test_a_book_this_process_has_open_is_read_through_its_own_store_with_the_same_figures(compared_books):
    three_books = compared_books
    attached_only = compare_books(books.list_books(three_books), AS_OF)
    with Store(three_books / "beta.duckdb") as beta, Store(three_books / "alpha.duckdb") as alpha:
        mixed = compare_books(
            books.list_books(three_books), AS_OF,
            open_stores={three_books / "beta.duckdb": beta, three_books / "alpha.duckdb": alpha},
        )
    assert mixed.notes == []
    pd.testing.assert_frame_equal(mixed.table, attached_only.table, check_exact=False, rtol=1e-12)


def test_without_the_open_store_a_book_open_in_this_process_is_left_out_with_a_note(compared_books):
    three_books = compared_books
    with Store(three_books / "gamma.duckdb"):
        comparison = compare_books(books.list_books(three_books), AS_OF)
    assert list(comparison.table["book"]) == ["alpha", "beta"]
    assert "open in this program already" in comparison.notes[0]
