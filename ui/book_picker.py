"""The sidebar's book picker: which book (one DuckDB file per MSP) this browser session works on.

Drawn only when there is more than one book to pick from (:func:`grading.books.books_to_pick`). Switching books
forgets what the pages remembered about the other book (filters, the selected client or session), so nothing of
one book is shown against another; the as-of date, the grade shown and the anonymize switch stay.
"""

from __future__ import annotations

import streamlit as st

from grading import books
from grading.errors import ClientGradeError
from ui.resources import BOOK_KEY
from ui.shared import KEEP_PREFIX

# What survives a switch of books: the login, the picker itself and the controls that mean the same in every book.
_KEPT_ON_SWITCH = {
    BOOK_KEY, f"{KEEP_PREFIX}as_of", f"{KEEP_PREFIX}grade_source", f"{KEEP_PREFIX}anonymize",
    f"{KEEP_PREFIX}data_settings_tab", "data_settings_flash",
}


def _forget_the_other_books_state() -> None:
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key not in _KEPT_ON_SWITCH and not key.startswith("clientgrade_"):
            del st.session_state[key]


_SWITCH_KEY = "clientgrade_switch_to_book"


def switch_to_book(path: str) -> None:
    """Have this session work on the book at ``path`` from the next rerun on (a page then calls ``st.rerun()``).

    The picker's own value cannot change once it is drawn in a run, so the wish waits for the next one.
    """
    st.session_state[_SWITCH_KEY] = str(path)


def book_picker() -> None:
    """Draw the book picker at the top of the sidebar when the books folder holds more than one book."""
    wanted = st.session_state.pop(_SWITCH_KEY, None)
    if wanted is not None:
        _forget_the_other_books_state()
        st.session_state[BOOK_KEY] = wanted
    try:
        choices = books.books_to_pick()
    except ClientGradeError:
        return  # the start book's folder is missing: opening the store says so in one sentence
    if len(choices) < 2:
        return
    options = [str(book.path) for book in choices]
    names = {str(book.path): book.name for book in choices}
    if st.session_state.get(BOOK_KEY) not in options:
        # First run, or the book was renamed or archived meanwhile: the start book.
        st.session_state[BOOK_KEY] = options[0]
    st.sidebar.selectbox(
        "Book",
        options,
        format_func=names.get,
        key=BOOK_KEY,
        on_change=_forget_the_other_books_state,
        help="Which MSP's book of clients to work on (one file each in the books folder). Every page shows this "
        "book; the others are compared on the Compare books page.",
    )
