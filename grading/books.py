"""A coach's folder of books: one DuckDB file per MSP, side by side in ``$CLIENTGRADE_BOOKS``.

Without ``$CLIENTGRADE_BOOKS`` the folder is the one holding the book the single-book start opens
(``$CLIENTGRADE_DB``, else ``data/portfolio.duckdb``), so by default ``data/``.

A book is ``<folder>/<name>.duckdb``; its name is the file name without ``.duckdb``. Each book keeps its own
settings and review sessions (they are tables in its file) and its own models, in a folder beside it:
``<folder>/<name>.models/``. The one exception is the book the single-book start opens (``$CLIENTGRADE_DB``, else
``data/portfolio.duckdb``): its models stay where they always were (``$CLIENTGRADE_MODELS``, else ``models/``), so
an existing set-up starts exactly as before and simply becomes the first book of the folder. The app and every CLI
command find a book's model folder with :func:`models_dir_for` (the CLI's ``--models`` overrides it).

Archiving a book moves its file (and its models folder) into ``<folder>/archive/``, where :func:`list_books` no
longer sees it; nothing is deleted. A book that is open in another program cannot be renamed or archived: the
change is refused with a sentence saying so, and nothing is moved.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grading.db import paths
from grading.errors import ClientGradeError
from grading.db.store import Store

if TYPE_CHECKING:  # the importer package is heavy; a command that only looks up a book's models never loads it
    from grading.importer.reading import FileSource

BOOKS_ENV = "CLIENTGRADE_BOOKS"
BOOK_SUFFIX = ".duckdb"
MODELS_SUFFIX = ".models"
ARCHIVE_FOLDER = "archive"
#: How a new book can start: empty, with the demo portfolio, or from import files.
BOOK_STARTS = ("empty", "demo", "files")

# Letters, digits, spaces, dots, dashes and underscores: a name that is a safe file name on every system and
# cannot climb out of the folder ("../x") or hide (".x").
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,59}$")


class BookError(ClientGradeError):
    """A book cannot be created, found, renamed or archived; the message says why and what to do."""


@dataclass(frozen=True)
class Book:
    """One book of clients: its name and its DuckDB file.

    Attributes
    ----------
    name:
        The file name without ``.duckdb``; what the picker and the comparison show.
    path:
        The DuckDB file.
    """

    name: str
    path: Path

    @property
    def models_dir(self) -> Path:
        """Where this book's models are saved (see :func:`models_dir_for`)."""
        return models_dir_for(self.path)


def books_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Return the books folder: ``explicit``, else ``$CLIENTGRADE_BOOKS``, else the folder of
    :func:`grading.db.paths.database_path` (``data/`` by default)."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(BOOKS_ENV, "").strip()
    return Path(from_env) if from_env else paths.database_path().parent


def _same_file(first: Path, second: Path) -> bool:
    return first.resolve() == second.resolve()


def is_start_book(book_path: str | os.PathLike) -> bool:
    """Whether ``book_path`` is the book the single-book start opens (:func:`grading.db.paths.database_path`)."""
    try:
        start = paths.database_path()
    except ClientGradeError:  # $CLIENTGRADE_DB names a missing folder: then no book in a folder is that one
        return False
    return _same_file(Path(book_path), start)


def models_dir_for(book_path: str | os.PathLike, explicit: str | os.PathLike | None = None) -> Path:
    """Return the model folder of the book at ``book_path``: the one place the app and every CLI command ask.

    Parameters
    ----------
    book_path:
        The book's DuckDB file (it need not exist yet: ``init`` asks before creating it).
    explicit:
        A folder the user named (the CLI's ``--models``); it wins over everything else.

    Returns
    -------
    Path
        ``explicit`` if given; else for the single-book start's database (:func:`grading.db.paths.database_path`)
        :func:`grading.db.paths.models_dir` (``$CLIENTGRADE_MODELS``, else ``models/``); else ``<name>.models/``
        beside the book's file, so ``grade --db books/acme.duckdb`` reads acme's own model.
    """
    if explicit:
        return Path(explicit)
    book_path = Path(book_path)
    if is_start_book(book_path):
        return paths.models_dir()
    return book_path.with_name(book_path.name.removesuffix(BOOK_SUFFIX) + MODELS_SUFFIX)


def check_name(name: str) -> str:
    """Return ``name`` stripped, or raise :class:`BookError` if it cannot name a book file.

    Raises
    ------
    BookError
        Empty, too long (over 60 characters), or holding characters other than letters, digits, spaces, dots,
        dashes and underscores (or starting with anything but a letter or digit).
    """
    cleaned = (name or "").strip().removesuffix(BOOK_SUFFIX)
    if not _NAME.match(cleaned):
        raise BookError(
            f"'{name}' cannot name a book: use 1 to 60 letters, digits, spaces, dots, dashes or underscores, "
            "starting with a letter or a digit."
        )
    return cleaned


def list_books(folder: str | os.PathLike | None = None) -> list[Book]:
    """Return the books in ``folder`` (default :func:`books_dir`), sorted by name; archived books are left out.

    A missing folder holds no books. Only ``*.duckdb`` files directly in the folder count (not DuckDB's ``.wal``
    files, and nothing in sub-folders).
    """
    root = books_dir(folder)
    if not root.is_dir():
        return []
    found = [
        Book(entry.name.removesuffix(BOOK_SUFFIX), entry)
        for entry in root.iterdir()
        if entry.is_file() and entry.name.endswith(BOOK_SUFFIX) and not entry.name.startswith(".")
    ]
    return sorted(found, key=lambda book: book.name.casefold())


def start_book() -> Book:
    """Return the book the single-book start opens (``$CLIENTGRADE_DB``, else ``data/portfolio.duckdb``)."""
    path = paths.database_path()
    return Book(path.name.removesuffix(BOOK_SUFFIX), path)


def books_to_pick(folder: str | os.PathLike | None = None) -> list[Book]:
    """Return the books a user can switch between: the start book first, then the folder's other books by name.

    The start book is listed even before its file exists (the app creates it on first start) and when it lives
    outside the folder.
    """
    first = start_book()
    others = [book for book in list_books(folder) if not is_start_book(book.path)]
    return [first, *others]


def find_book(name: str, folder: str | os.PathLike | None = None) -> Book:
    """Return the book called ``name`` in ``folder``.

    Raises
    ------
    BookError
        There is no such book (the message lists the books there are).
    """
    wanted = check_name(name)
    for book in list_books(folder):
        if book.name == wanted:
            return book
    names = ", ".join(book.name for book in list_books(folder)) or "none"
    raise BookError(f"There is no book '{wanted}' in {books_dir(folder)} (books there: {names}).")


def _free_path(root: Path, name: str) -> Path:
    target = root / f"{name}{BOOK_SUFFIX}"
    # Compared case-blind: on a case-insensitive file system "Acme" and "acme" are the same file.
    taken = {book.name.casefold() for book in list_books(root)}
    if name.casefold() in taken or target.exists() or target.with_name(name + MODELS_SUFFIX).exists():
        raise BookError(f"A book called '{name}' already exists in {root}; choose another name.")
    return target


def create_book(
    name: str,
    folder: str | os.PathLike | None = None,
    *,
    start: str = "empty",
    files: Mapping[str, FileSource] | None = None,
    demo_clients: int = 60,
    seed: int | None = None,
    train: bool = True,
) -> Book:
    """Create a new book in ``folder``: empty, with the demo portfolio, or from import files.

    Parameters
    ----------
    name:
        The new book's name (see :func:`check_name`).
    folder:
        The books folder (default :func:`books_dir`); created if missing.
    start:
        ``"empty"``, ``"demo"`` (the demo portfolio, and with ``train`` a first model) or ``"files"``.
    files:
        With ``start="files"``: kind (``clients``, ``monthly``, ``assessments``, ``grades``) to a path or a
        ``(file name, bytes)`` pair, as :func:`grading.importer.import_files` takes them.
    demo_clients, seed, train:
        With ``start="demo"``: the number of clients, the generator's seed, and whether to train a first model.

    Returns
    -------
    Book
        The new book.

    Raises
    ------
    BookError
        The name is not valid or taken, ``start`` is unknown, or files are missing for ``start="files"``.
    ImportValidationError
        The files were refused; the new book is removed again, so nothing is left behind.
    """
    if start not in BOOK_STARTS:
        raise BookError(f"A book starts {', '.join(BOOK_STARTS)}; not '{start}'.")
    if start == "files" and not files:
        raise BookError("A book made from files needs at least one import file (clients first).")
    root = books_dir(folder)
    cleaned = check_name(name)
    target = _free_path(root, cleaned)
    book = Book(cleaned, target)
    try:
        with Store(target) as store:
            if start == "demo":
                from grading.db import bootstrap

                bootstrap.fill_with_demo(store, book.models_dir, n_clients=demo_clients, seed=seed, train=train)
            elif start == "files":
                from grading.importer import import_files

                import_files(store, dict(files or {}))
            store.checkpoint()
    except BaseException:
        # All or nothing: a book whose import was refused is not left half made.
        for leftover in (target, target.with_name(target.name + ".wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(book.models_dir, ignore_errors=True)
        raise
    return book


def _check_not_open(book: Book) -> None:
    """Refuse to move a book another program has open: its file lock would be left on a file that moved."""
    # Opening it is the test DuckDB offers: a file held for writing elsewhere refuses the open.
    with Store(book.path, migrate=False) as store:
        store.checkpoint()


def _move_pair(book: Book, target: Path) -> Book:
    moved = Book(target.name.removesuffix(BOOK_SUFFIX), target)
    models = book.models_dir
    new_models = moved.models_dir
    book.path.rename(target)
    wal = book.path.with_name(book.path.name + ".wal")
    if wal.exists():
        wal.rename(target.with_name(target.name + ".wal"))
    if models.is_dir() and not _same_file(models, paths.models_dir()):
        models.rename(new_models)
    return moved


def rename_book(name: str, new_name: str, folder: str | os.PathLike | None = None) -> Book:
    """Rename the book ``name`` to ``new_name`` (its file and its models folder); return the renamed book.

    Raises
    ------
    BookError
        No such book, the new name is not valid or taken, or the book is the single-book start's database
        (``$CLIENTGRADE_DB``), which the app opens by that path.
    DatabaseLockedError
        Another program has the book open; nothing was moved.
    """
    book = find_book(name, folder)
    cleaned = check_name(new_name)
    if cleaned == book.name:
        return book
    _refuse_default(book, "renamed")
    target = _free_path(book.path.parent, cleaned)
    _check_not_open(book)
    return _move_pair(book, target)


def _refuse_default(book: Book, what: str) -> None:
    if is_start_book(book.path):
        raise BookError(
            f"'{book.name}' is the book ClientGrade opens first ({paths.DB_ENV} or data/portfolio.duckdb), so it "
            f"cannot be {what}; point {paths.DB_ENV} at another book first."
        )


def archive_book(name: str, folder: str | os.PathLike | None = None) -> Path:
    """Move the book ``name`` (and its models) into the folder's ``archive/`` sub-folder; return its new path.

    An archived book with the same name already there is kept: the newcomer gets a numbered name
    (``acme-2.duckdb``).

    Raises
    ------
    BookError
        No such book, or it is the single-book start's database.
    DatabaseLockedError
        Another program has the book open; nothing was moved.
    """
    book = find_book(name, folder)
    _refuse_default(book, "archived")
    archive = book.path.parent / ARCHIVE_FOLDER
    archive.mkdir(parents=True, exist_ok=True)
    candidate, number = book.name, 1
    while (archive / f"{candidate}{BOOK_SUFFIX}").exists() or (archive / f"{candidate}{MODELS_SUFFIX}").exists():
        number += 1
        candidate = f"{book.name}-{number}"
    _check_not_open(book)
    return _move_pair(book, archive / f"{candidate}{BOOK_SUFFIX}").path
