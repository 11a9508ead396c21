"""The folder of books: listing, creating (empty, demo, from files), renaming and archiving, with clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from grading import books
from grading.db import paths
from grading.errors import DatabaseLockedError, ImportValidationError
from grading.db.store import Store
from grading.templates import template_csv
from tests.held_database import held_by_another_process


def test_a_missing_folder_holds_no_books(tmp_path):
    assert books.list_books(tmp_path / "nowhere") == []


def test_the_folder_comes_from_the_environment_else_beside_the_first_book(monkeypatch, tmp_path):
    monkeypatch.delenv(books.BOOKS_ENV, raising=False)
    monkeypatch.delenv(paths.DB_ENV, raising=False)
    assert books.books_dir() == Path("data")
    (tmp_path / "start").mkdir()
    monkeypatch.setenv(paths.DB_ENV, str(tmp_path / "start" / "portfolio.duckdb"))
    assert books.books_dir() == tmp_path / "start"
    monkeypatch.setenv(books.BOOKS_ENV, str(tmp_path / "coach"))
    assert books.books_dir() == tmp_path / "coach"


def test_an_empty_book_is_created_with_the_schema_and_listed_by_name(tmp_path):
    book = books.create_book("Acme IT", tmp_path)
    assert book.path == tmp_path / "Acme IT.duckdb"
    with Store(book.path) as store:
        assert store.scalar("SELECT count(*) FROM clients") == 0
    assert [listed.name for listed in books.list_books(tmp_path)] == ["Acme IT"]


def test_a_demo_book_has_clients_and_keeps_its_models_beside_it(tmp_path):
    book = books.create_book("demo-book", tmp_path, start="demo", demo_clients=12, seed=5, train=False)
    with Store(book.path) as store:
        assert store.scalar("SELECT count(*) FROM clients") == 12
    assert book.models_dir == tmp_path / "demo-book.models"


def test_the_single_book_start_keeps_its_models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DB_ENV, str(tmp_path / "portfolio.duckdb"))
    monkeypatch.setenv(paths.MODELS_ENV, str(tmp_path / "models"))
    assert books.models_dir_for(tmp_path / "portfolio.duckdb") == tmp_path / "models"
    assert books.models_dir_for(tmp_path / "other.duckdb") == tmp_path / "other.models"


def test_a_book_from_files_holds_what_the_files_hold(tmp_path):
    source = tmp_path / "clients.csv"
    source.write_bytes(template_csv("clients"))
    book = books.create_book("from-files", tmp_path / "books", start="files", files={"clients": source})
    with Store(book.path) as store:
        assert store.scalar("SELECT count(*) FROM clients") == 2


def test_a_refused_import_leaves_no_book_behind(tmp_path):
    bad = tmp_path / "clients.csv"
    bad.write_text("client_id,name\n,nameless\n", encoding="utf-8")
    with pytest.raises(ImportValidationError):
        books.create_book("broken", tmp_path / "books", start="files", files={"clients": bad})
    assert books.list_books(tmp_path / "books") == []
    assert not (tmp_path / "books" / "broken.duckdb").exists()


@pytest.mark.parametrize("name", ["", "   ", "../escape", ".hidden", "a/b", "x" * 61, "semi;colon"])
def test_a_name_that_cannot_be_a_file_name_is_refused(tmp_path, name):
    with pytest.raises(books.BookError, match="cannot name a book"):
        books.create_book(name, tmp_path)


def test_a_taken_name_is_refused_whatever_its_case(tmp_path):
    books.create_book("acme", tmp_path)
    with pytest.raises(books.BookError, match="already exists"):
        books.create_book("ACME", tmp_path)


def test_rename_moves_the_file_and_its_models(tmp_path):
    book = books.create_book("old", tmp_path)
    book.models_dir.mkdir()
    (book.models_dir / "model.skops").write_bytes(b"x")
    renamed = books.rename_book("old", "new", tmp_path)
    assert renamed.path == tmp_path / "new.duckdb" and renamed.path.exists()
    assert (tmp_path / "new.models" / "model.skops").exists()
    assert not book.path.exists() and not book.models_dir.exists()
    assert [listed.name for listed in books.list_books(tmp_path)] == ["new"]


def test_rename_of_an_unknown_book_names_the_books_there_are(tmp_path):
    books.create_book("acme", tmp_path)
    with pytest.raises(books.BookError, match="books there: acme"):
        books.rename_book("nope", "other", tmp_path)


def test_archive_moves_the_book_out_of_the_list_and_keeps_a_second_one_of_the_same_name(tmp_path):
    books.create_book("gone", tmp_path)
    first = books.archive_book("gone", tmp_path)
    books.create_book("gone", tmp_path)
    second = books.archive_book("gone", tmp_path)
    assert first == tmp_path / "archive" / "gone.duckdb" and first.exists()
    assert second == tmp_path / "archive" / "gone-2.duckdb" and second.exists()
    assert books.list_books(tmp_path) == []


def test_a_book_held_by_another_program_is_neither_renamed_nor_archived(tmp_path):
    book = books.create_book("busy", tmp_path)
    with held_by_another_process(book.path):
        with pytest.raises(DatabaseLockedError):
            books.rename_book("busy", "idle", tmp_path)
        with pytest.raises(DatabaseLockedError):
            books.archive_book("busy", tmp_path)
    assert book.path.exists()


def test_the_book_the_app_opens_first_cannot_be_renamed_or_archived(tmp_path, monkeypatch):
    book = books.create_book("portfolio", tmp_path)
    monkeypatch.setenv(paths.DB_ENV, str(book.path))
    with pytest.raises(books.BookError, match="opens first"):
        books.rename_book("portfolio", "other", tmp_path)
    with pytest.raises(books.BookError, match="opens first"):
        books.archive_book("portfolio", tmp_path)
