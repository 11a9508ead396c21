"""The process-wide resources: one Store per book (database file), created (with the demo portfolio) on first start.

Each browser session works on one book: the start book (``$CLIENTGRADE_DB``, else ``data/portfolio.duckdb``) until
the sidebar's book picker chooses another (:data:`BOOK_KEY` in the session's state holds its path). Every session
gets the store of its own book, so two sessions can work on two books at once; the stores are shared between the
sessions on the same book.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path

import streamlit as st

from grading import books
from grading.books import Book
from grading.db import backup, bootstrap
from grading.db.store import Store

#: The session-state key holding the path of the book this session works on (the book picker's widget key).
BOOK_KEY = "keep_book"

# The stores this process has open, by resolved path, for the comparison of books: DuckDB opens a file once per
# process, so a book open here is read through its own store rather than attached. Weak: a store the cache drops
# (st.cache_resource.clear()) leaves with it.
_OPEN_STORES: weakref.WeakValueDictionary[Path, Store] = weakref.WeakValueDictionary()
_OPEN_STORES_LOCK = threading.Lock()


@st.cache_resource(show_spinner="First start: creating the demo portfolio and training a first model...")
def _open_store(db_path: str, models_dir: str) -> Store:
    """Open (and on first start create and fill) the database at ``db_path``; one per process and file."""
    is_new_file = not Path(db_path).exists()
    store = Store(db_path)
    # A backup or restore killed in the middle left a hidden scratch file beside the backups: the app's start is
    # the next moment this process alone holds the database, so nothing else can be writing one.
    backup.remove_leftovers(db_path)
    if is_new_file and bootstrap.is_empty(store):
        bootstrap.fill_with_demo(store, Path(models_dir))
    with _OPEN_STORES_LOCK:
        _OPEN_STORES[Path(db_path).resolve()] = store
    return store


def open_stores() -> dict[Path, Store]:
    """Return the books this process has open (every session's), by resolved path, for the comparison of books."""
    with _OPEN_STORES_LOCK:
        return dict(_OPEN_STORES.items())


def current_book() -> Book:
    """Return the book this session works on: the one picked in the sidebar, else the start book.

    A picked book whose file is gone (renamed or archived by another session) gives way to the start book.
    """
    chosen = st.session_state.get(BOOK_KEY)
    if chosen and Path(chosen).is_file():
        path = Path(chosen)
        return Book(path.name.removesuffix(books.BOOK_SUFFIX), path)
    return books.start_book()


def get_store() -> Store:
    """Return the store of this session's book (:func:`current_book`), shared by every session on that book."""
    book = current_book()
    return _open_store(str(book.path), str(book.models_dir))


def open_start_book() -> Store:
    """Open the start book's store (``$CLIENTGRADE_DB``, else ``data/portfolio.duckdb``) outside any session: the
    same cached store :func:`get_store` gives the sessions on that book.

    Called at server start (:mod:`ui.startup_check`, :mod:`ui.warmup`), so the process holds its database before
    anyone opens a page.
    """
    book = books.start_book()
    return _open_store(str(book.path), str(book.models_dir))


def get_models_dir() -> Path:
    """Return the folder of this session's book's models (:attr:`grading.books.Book.models_dir`)."""
    return current_book().models_dir


def close_book(path: str | Path) -> None:
    """Close this process's store of the book at ``path`` (before it is renamed or archived), if one is open.

    Sessions still on that book find its file gone and fall back to the start book on their next rerun.
    """
    book = Book(Path(path).name.removesuffix(books.BOOK_SUFFIX), Path(path))
    arguments = (str(book.path), str(book.models_dir))
    try:
        store = _open_store(*arguments) if book.path.is_file() else None
    except Exception:  # noqa: BLE001 - a store that cannot be opened has nothing to close
        store = None
    _open_store.clear(*arguments)
    with _OPEN_STORES_LOCK:
        _OPEN_STORES.pop(book.path.resolve(), None)
    if store is not None:
        store.close()
