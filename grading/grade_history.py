"""The manual grade history: appending a grade given in the app, and reading the history back.

Grades are events (STYLE.md 5): a new manual grade is appended with who gave it, when and why, and never
overwrites an earlier one; "the current grade" is the view ``current_grades`` over these events. Appends from two
sessions do not conflict, so two people grading at once both keep their grade.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd

from grading.errors import ClientGradeError
from grading.scoring.features import as_date
from grading.vocabulary import GRADES

if TYPE_CHECKING:
    from grading.db.store import Store


#: The columns :func:`grade_history` returns, in order.
HISTORY_COLUMNS: tuple[str, ...] = (
    "event_id",
    "client_id",
    "graded_on",
    "grade",
    "grader",
    "note",
    "source",
    "recorded_at",
)

_MAX_NOTE = 2000


def _as_date(value: date | datetime | str | None) -> date:
    return date.today() if value is None else as_date(value)


def record_grade(
    store: Store,
    client_id: str,
    grade: str,
    *,
    grader: str,
    note: str = "",
    graded_on: date | datetime | str | None = None,
    source: str = "app",
) -> int:
    """Append one manual grade to the grade history and return its event id.

    Parameters
    ----------
    store:
        The open store.
    client_id:
        The client graded; it must exist.
    grade:
        ``"A"`` to ``"D"`` (case and surrounding spaces are forgiven).
    grader:
        Who gave the grade (the owner's name or initials); may be empty.
    note:
        Why, in a sentence (kept with the grade; at most 2,000 characters).
    graded_on:
        The day of the grade; today when ``None``.
    source:
        Where the grade came from: ``"app"`` for a grade typed in, ``"accepted"`` for an accepted suggestion.

    Returns
    -------
    int
        The new event's id.

    Raises
    ------
    ClientGradeError
        The grade is not A-D, the client does not exist, the date is unreadable or lies in the future, or the
        note is too long; nothing is written then.
    """
    clean_grade = str(grade).strip().upper() if grade is not None else ""
    if clean_grade not in GRADES:
        raise ClientGradeError(f"A grade must be one of A, B, C or D; got '{grade}'.")
    day = _as_date(graded_on)
    if day > date.today():
        raise ClientGradeError(f"A grade cannot be dated in the future ({day.isoformat()}).")
    clean_note = (note or "").strip()
    if len(clean_note) > _MAX_NOTE:
        raise ClientGradeError(f"The note is {len(clean_note)} characters long; keep it under {_MAX_NOTE}.")
    with store.transaction() as tx:
        if not tx.scalar("SELECT count(*) FROM clients WHERE client_id = ?", [str(client_id)]):
            raise ClientGradeError(f"There is no client with id '{client_id}'.")
        return int(
            tx.scalar(
                "INSERT INTO grade_events (client_id, graded_on, grade, grader, note, source) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING event_id",
                [str(client_id), day, clean_grade, (grader or "").strip(), clean_note, str(source)],
            )
        )


# A client's grade as of a day is its latest event by then: the latest date, and on one date the event recorded
# last. The schema's ``current_grades`` view applies the same rule to every event (a test holds the two together).
_GRADES_AS_OF_SQL = """
SELECT e.client_id, e.grade, e.graded_on
FROM grade_events AS e {join}
WHERE e.graded_on <= ?
QUALIFY row_number() OVER (PARTITION BY e.client_id ORDER BY e.graded_on DESC, e.event_id DESC) = 1
"""


def grades_as_of(store: Store, as_of: date, *, known_clients_only: bool = False) -> pd.DataFrame:
    """Return each client's manual grade as it stood at the end of ``as_of``: its latest grade event by then.

    The one "grade as of a date" query: the graded portfolio, the revenue page's migration and this module's
    readers all use it.

    Parameters
    ----------
    store:
        The open store.
    as_of:
        The day to look at.
    known_clients_only:
        Leave out grades of client ids the ``clients`` table does not hold.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``grade`` and ``graded_on`` (as DuckDB returns dates), one row per client graded on or
        before ``as_of``, in no particular order. Clients never graded by then are absent.
    """
    join = "JOIN clients AS c ON c.client_id = e.client_id" if known_clients_only else ""
    return store.query(_GRADES_AS_OF_SQL.format(join=join), [as_of])


def grade_history(store: Store, client_id: str | None = None, *, as_of: date | None = None) -> pd.DataFrame:
    """Return the manual grade history, newest first, of one client or (``client_id=None``) of every client.

    With ``as_of``, only the grades given on or before that day: the history as it stood then, like every other
    figure of a page looked at as of a date.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`HISTORY_COLUMNS`; ``graded_on`` as dates. Empty (with those columns) when there is
        no grade.
    """
    columns = ", ".join(HISTORY_COLUMNS)
    conditions, parameters = [], []
    if client_id is not None:
        conditions.append("client_id = ?")
        parameters.append(str(client_id))
    if as_of is not None:
        conditions.append("graded_on <= ?")
        parameters.append(as_of)
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    frame = store.query(
        f"SELECT {columns} FROM grade_events {where}ORDER BY graded_on DESC, event_id DESC", parameters or None
    )
    frame["graded_on"] = pd.to_datetime(frame["graded_on"]).dt.date
    return frame[list(HISTORY_COLUMNS)].reset_index(drop=True)


def count_grade_events(store: Store) -> int:
    """Return how many manual grade events the history holds."""
    return int(store.scalar("SELECT count(*) FROM grade_events"))


def grades_still_needed(store: Store) -> str | None:
    """Return what the grade history lacks before a model can be trained, in words, or None when it has enough.

    For example "Not enough manual grades to train a model yet: it needs 3 more graded clients (at least 12 in
    all), and 2 more clients graded A ...", from :func:`grading.model.training.training_needs`.
    """
    from grading.model.dataset import grade_events
    from grading.model.training import cold_start_message, training_needs

    clients_needed, grades_needed = training_needs(grade_events(store))
    if not clients_needed and not grades_needed:
        return None
    return cold_start_message(clients_needed, grades_needed)
