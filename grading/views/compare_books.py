"""The "Compare books" page's view: the comparison shaped for the table, the current book marked, others aliased."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from grading.compare import Comparison, compare_books

if TYPE_CHECKING:
    from grading.books import Book
    from grading.db.store import Store

#: The columns the page shows, in order (all from :data:`grading.compare.COLUMNS`, ``book`` relabelled).
SHOWN_COLUMNS = (
    "book",
    "clients",
    "revenue",
    "labor_hours",
    "effective_hourly_rate",
    "gross_margin",
    "d_revenue_share",
    "d_hours_share",
    "grades_a",
    "grades_b",
    "grades_c",
    "grades_d",
    "largest_client_share",
    "concentrated_clients",
    "currency",
)
CURRENT_MARK = " (this book)"


def book_aliases(names: Sequence[str], current: str) -> dict[str, str]:
    """Return each book's alias for showing on screen: ``"Book 3"`` by its place in ``names``, the current book
    under its own name (the owner in the room sees only their own)."""
    return {name: (name if name == current else f"Book {position}") for position, name in enumerate(names, 1)}


def comparison_view(
    table: pd.DataFrame, current: str, *, anonymize_others: bool = False, all_names: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return the comparison as the page shows it.

    Parameters
    ----------
    table:
        :attr:`grading.compare.Comparison.table`.
    current:
        The name of the book open in this session; its row is marked "(this book)" and listed first.
    anonymize_others:
        Show the other books as "Book 2", "Book 3"... (numbered in folder order) instead of their names.
    all_names:
        Every book of the folder in order, left-out ones included, so a book keeps its number in the notes too
        (default: the books of ``table``).

    Returns
    -------
    pandas.DataFrame
        :data:`SHOWN_COLUMNS`, then ``current`` (True on the current book's row) and the percentile columns when
        there are any; shares stay fractions (0-1).
    """
    names = table["book"].astype(str).tolist()
    numbered = list(all_names) if all_names is not None else names
    labels = book_aliases(numbered, current) if anonymize_others else {name: name for name in names}
    shown = table.assign(
        current=table["book"].eq(current),
        book=[labels[name] + (CURRENT_MARK if name == current else "") for name in names],
    )
    percentiles = [column for column in table.columns if column.endswith("_percentile") and table[column].notna().any()]
    shown = shown.sort_values("current", ascending=False, kind="stable")
    return shown[[*SHOWN_COLUMNS, "current", *percentiles]].reset_index(drop=True)


def notes_view(notes: Sequence[str], names: Sequence[str], current: str, *, anonymize_others: bool = False) -> list[str]:
    """Return the comparison's notes as the page shows them: with the other books' names replaced by their aliases
    (:func:`book_aliases`) when they are hidden. ``names`` are all the books compared or left out, in folder order."""
    if not anonymize_others:
        return list(notes)
    aliases = book_aliases(names, current)
    shown = []
    for note in notes:
        for name, alias in aliases.items():
            note = note.replace(f"'{name}'", f"'{alias}'")
        # A file's path names its book: the reason keeps its words, the path goes.
        shown.append(re.sub(r"\S+\.duckdb\b", "(name hidden)", note))
    return shown


def comparison_of(books: Sequence[Book], as_of: date, files_signature: tuple,
                  open_stores: Callable[[], Mapping[Path, Store]]) -> Comparison:
    """Return :func:`grading.compare.compare_books` of ``books`` as of ``as_of``.

    Parameters
    ----------
    books, as_of:
        As for :func:`~grading.compare.compare_books`.
    files_signature:
        Each book file's size and time. Not read here: it is an argument so that a comparison kept for these
        arguments is kept for the files as they are, and a book another process wrote is compared again.
    open_stores:
        Returns the books this process has open, by path; called only when the comparison is made (which books
        are open changes how they are read, not the result).
    """
    return compare_books(books, as_of, open_stores=open_stores())
