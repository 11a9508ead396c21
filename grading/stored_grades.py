"""A book's effective grades, stored in the book so that many books can be compared in one query.

The effective grade (manual, else the model's suggestion, else the scorecard's rule grade) takes Python to work
out: the scorecard, the flags and a scikit-learn model. The comparison of books (:mod:`grading.compare`) runs as
one DuckDB query over many files, so it reads each book's grades from the table ``graded_clients``, which
:func:`save_grades` fills from :func:`grading.scoring.portfolio.grade_portfolio`: exactly what
``python -m grading grade`` prints for that date.

Stored grades belong to one store revision. Any later write to the book (an import, a manual grade, a new model,
a changed setting) raises the revision, and the stored grades of the older revision no longer count: the
comparison says such a book is "not graded" for that date until it is graded again (:func:`grade_and_save`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from grading.scoring.features import as_date
from grading.db.store import Store

_SAVED_COLUMNS = ("client_id", "effective_grade", "effective_grade_source")


def grades_are_current(store: Store, as_of: date | str) -> bool:
    """Return True when ``store`` holds grades for ``as_of`` made at its current revision (or has no clients)."""
    return bool(
        store.scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM clients) OR EXISTS (SELECT 1 FROM graded_clients AS g, store_revision "
            "AS r WHERE g.as_of = ? AND g.revision = r.revision)",
            [as_date(as_of)],
        )
    )


def save_grades(store: Store, graded: pd.DataFrame, as_of: date | str) -> int:
    """Store the effective grades of ``graded`` (a :func:`~grading.scoring.portfolio.grade_portfolio` frame) for
    ``as_of``.

    Grades of the same date, and every grade of an older revision, are replaced in the same transaction.

    Returns
    -------
    int
        The revision the stored grades belong to (the store's revision after this write).
    """
    day = as_date(as_of)
    rows = pd.DataFrame({column: graded[column].astype("object") for column in _SAVED_COLUMNS})
    rows = rows.where(rows.notna(), None)
    with store.transaction() as tx, tx.frame(rows) as incoming:
        # This transaction raises the revision by one when it commits (grading.db.store), and no other write can
        # come between: the store holds its write lock, and DuckDB's file lock keeps other processes out.
        revision = int(tx.scalar("SELECT revision FROM store_revision")) + 1
        tx.execute("DELETE FROM graded_clients WHERE as_of = ? OR revision < ?", [day, revision])
        tx.execute(
            f"INSERT INTO graded_clients (as_of, client_id, effective_grade, effective_grade_source, revision) "
            f"SELECT ?, client_id, effective_grade, effective_grade_source, ? FROM {incoming}",
            [day, revision],
        )
    return revision


def grade_and_save(store: Store, as_of: date | str, models_dir: str | Path) -> pd.DataFrame:
    """Grade ``store`` as of ``as_of`` with the models in ``models_dir``, store the grades, return the graded frame."""
    from grading.scoring.portfolio import grade_portfolio

    graded = grade_portfolio(store, as_of, models_dir=models_dir, explain=False)
    save_grades(store, graded, as_of)
    return graded
