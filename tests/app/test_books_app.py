"""Books in the app (AppTest): a session switched to another book shows that book on every page, exactly as a
session started on it does; Data & settings makes books; Compare books marks the current one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from grading import books
from grading.db import paths
from grading.db.store import Store
from ui.resources import BOOK_KEY

REPO = Path(__file__).resolve().parents[2]
PAGES = re.findall(r'st\.Page\(\s*"(pages/[^"]+\.py)"', (REPO / "app.py").read_text(encoding="utf-8"))


@pytest.fixture
def two_books(demo_database_template, tmp_path, monkeypatch):
    """alpha (the demo, 60 clients, with its model) is the start book; beta (25 other clients) sits beside it."""
    folder = tmp_path / "books"
    folder.mkdir()
    shutil.copy(demo_database_template / "portfolio.duckdb", folder / "alpha.duckdb")
    shutil.copytree(demo_database_template / "models", tmp_path / "models")
    beta = books.create_book("beta", folder, start="demo", demo_clients=25, seed=7, train=False)
    monkeypatch.setenv(paths.DB_ENV, str(folder / "alpha.duckdb"))
    monkeypatch.setenv(paths.MODELS_ENV, str(tmp_path / "models"))
    monkeypatch.delenv(books.BOOKS_ENV, raising=False)
    return folder / "alpha.duckdb", beta.path


def what_the_page_shows(at: AppTest) -> str:
    """The page's numbers and tables as text: metrics, tables and data frames (charts left out)."""
    parts = [f"{metric.label}={metric.value}" for metric in at.metric]
    for frame in [*at.dataframe, *at.table]:
        parts.append(pd.DataFrame(frame.value).to_csv())
    return "\n".join(parts)


def names_in(path: Path) -> set[str]:
    with Store(path) as store:
        return set(store.query("SELECT name FROM clients")["name"])


def run_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, (page, at.exception)
    return at


def session(book: Path | None = None) -> AppTest:
    """A new browser session of the app, switched to ``book`` in the sidebar when one is named."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    if book is not None:
        at.sidebar.selectbox(key=BOOK_KEY).set_value(str(book)).run()
        assert not at.exception
    return at


def books_tab(at: AppTest) -> AppTest:
    """Open Data & settings on its Books tab."""
    run_page(at, "pages/data_settings.py")
    at.session_state["keep_data_settings_tab"] = "Books"
    at.run()
    return at


def test_a_book_switch_shows_the_other_books_numbers_on_every_page(two_books, monkeypatch):
    alpha, beta = two_books
    alpha_only = names_in(alpha) - names_in(beta)
    switched = session()
    assert {metric.label: metric.value for metric in switched.metric}["Clients"] == "60"
    switched.sidebar.selectbox(key=BOOK_KEY).set_value(str(beta)).run()
    assert not switched.exception
    assert {metric.label: metric.value for metric in switched.metric}["Clients"] == "25"
    seen_switched = {page: what_the_page_shows(run_page(switched, page)) for page in PAGES}

    # A session started on beta itself (beta is the start book, with an empty models folder as beta has none).
    monkeypatch.setenv(paths.DB_ENV, str(beta))
    monkeypatch.setenv(paths.MODELS_ENV, str(beta.with_name("beta.models")))
    started = session()
    for page in PAGES:
        shown = what_the_page_shows(run_page(started, page))
        if page == "pages/compare_books.py":
            continue  # the start book is listed first there, so the rows' order differs by design
        assert seen_switched[page] == shown, page
        assert not [name for name in alpha_only if name in seen_switched[page]], page


def test_the_picker_appears_only_with_more_than_one_book(demo_db):
    at = session()
    assert not at.exception
    assert not [box for box in at.sidebar.selectbox if box.key == BOOK_KEY]


def test_compare_books_lists_every_book_with_the_current_one_first_and_others_hidden_on_request(two_books):
    alpha, beta = two_books
    at = run_page(session(beta), "pages/compare_books.py")
    table = at.dataframe[0].value
    assert table["book"].tolist() == ["beta (this book)", "alpha"]
    assert table["clients"].tolist() == [25, 60]
    at.toggle(key="keep_compare_hide_others").set_value(True).run()
    assert at.dataframe[0].value["book"].tolist() == ["beta (this book)", "Book 1"]


def test_data_and_settings_creates_an_empty_book_and_switches_to_it(two_books):
    alpha, beta = two_books
    at = books_tab(session())
    at.text_input(key="books-new-name").set_value("gamma")
    at.button(key="books-create").click().run()
    assert not at.exception
    assert (alpha.parent / "gamma.duckdb").exists()
    assert at.session_state[BOOK_KEY] == str(alpha.parent / "gamma.duckdb")
    run_page(at, "pages/overview.py")
    assert any("No clients yet" in header.value for header in at.subheader)


def test_renaming_the_open_book_keeps_the_session_on_it_and_archiving_moves_it_out(two_books):
    alpha, beta = two_books
    at = books_tab(session(beta))
    at.selectbox(key="books-chosen").set_value(str(beta))
    at.text_input(key="books-rename-to").set_value("delta")
    at.button(key="books-rename-button").click().run()
    assert not at.exception
    delta = alpha.parent / "delta.duckdb"
    assert delta.exists() and not beta.exists()
    assert at.session_state[BOOK_KEY] == str(delta)
    run_page(at, "pages/overview.py")
    assert {metric.label: metric.value for metric in at.metric}["Clients"] == "25"
    run_page(at, "pages/data_settings.py")
    at.selectbox(key="books-chosen").set_value(str(delta))
    at.button(key="books-archive-button").click().run()
    assert not at.exception
    assert (alpha.parent / "archive" / "delta.duckdb").exists() and not delta.exists()
    run_page(at, "pages/overview.py")
    assert {metric.label: metric.value for metric in at.metric}["Clients"] == "60", "back on the start book"
