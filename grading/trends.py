"""Revenue and grades over the months: the reads behind the "Revenue vs time" page.

Revenue, hours and the effective hourly rate month by month for each grade (:func:`monthly_by_grade`), and the
manual grade history (:func:`manual_grades_on`, :func:`grade_counts_by_month`, :func:`grade_events_between`). What
the page makes of them and of the graded portfolio (shares per grade, rate lines, migration sentences) is in
:mod:`grading.views.revenue_vs_time`.

The effective hourly rate is (revenue - direct costs) / labor hours, as everywhere in ClientGrade; it is NaN where
there are no hours. A client without a (valid) grade is counted under :data:`~grading.vocabulary.UNGRADED`, never
dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from grading.errors import ClientGradeError
from grading.grade_history import grades_as_of
from grading.vocabulary import grade_labels

if TYPE_CHECKING:
    from grading.db.store import Store


def _first_of_month(value: date | datetime | str | pd.Timestamp) -> date:
    """Return the first day of the month that contains ``value``.

    Raises
    ------
    ClientGradeError
        The value is not a date.
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise ClientGradeError(f"'{value}' is not a date; write it as YYYY-MM-DD.") from error
    if pd.isna(stamp):
        raise ClientGradeError("A date is missing; write it as YYYY-MM-DD.")
    return date(stamp.year, stamp.month, 1)


def _as_day(value: date | datetime | str | pd.Timestamp) -> date:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise ClientGradeError(f"'{value}' is not a date; write it as YYYY-MM-DD.") from error
    if pd.isna(stamp):
        raise ClientGradeError("A date is missing; write it as YYYY-MM-DD.")
    return stamp.date()


def months_before(month: date | str, count: int) -> date:
    """Return the first day of the month ``count`` months before the month that contains ``month``.

    Raises
    ------
    ClientGradeError
        ``month`` is not a date, or ``count`` is negative.
    """
    if count < 0:
        raise ClientGradeError(f"A number of months back must be 0 or more; got {count}.")
    first = _first_of_month(month)
    index = first.year * 12 + first.month - 1 - int(count)
    return date(index // 12, index % 12 + 1, 1)


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Raise :class:`ClientGradeError` naming the columns of ``columns`` that ``frame`` (the ``what``) lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ClientGradeError(f"The {what} has no column {', '.join(missing)}.")


def per_hour(numerator: pd.Series | float, hours: pd.Series | float):
    """Divide, giving NaN (not an error or infinity) where there are no hours."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(hours) > 0, np.asarray(numerator, dtype=float) / np.asarray(hours, dtype=float),
                        np.nan)


_MONTHLY_SQL = """
WITH graded AS (
    SELECT unnest(CAST(? AS VARCHAR[])) AS client_id, unnest(CAST(? AS VARCHAR[])) AS grade
)
SELECT m.month, g.grade,
       count(*) AS clients,
       sum(m.revenue) AS revenue,
       sum(coalesce(m.direct_costs, 0)) AS direct_costs,
       sum(m.labor_hours) AS labor_hours
FROM monthly_metrics AS m
JOIN graded AS g ON g.client_id = m.client_id
WHERE m.month >= ? AND m.month < ?
GROUP BY m.month, g.grade
ORDER BY m.month, g.grade
"""


def monthly_by_grade(
    store: Store,
    grades: pd.DataFrame,
    start: date | str,
    end: date | str,
    *,
    labor_cost_rate: float | None = None,
) -> pd.DataFrame:
    """Return revenue, hours and effective hourly rate per month for each grade.

    Each client counts under the grade it has in ``grades`` (today's grade, usually) in every month, so the chart
    answers "what have today's D clients brought and cost, month by month?".

    Parameters
    ----------
    store:
        The open store.
    grades:
        One row per client: ``client_id`` and ``grade`` (missing or unknown grades count as
        :data:`~grading.vocabulary.UNGRADED`).
        Clients not listed are left out.
    start, end:
        The first month shown and the first month no longer shown (dates in those months).
    labor_cost_rate:
        When given, a ``gross_profit`` column (revenue - direct costs - hours x this rate) is added.

    Returns
    -------
    pandas.DataFrame
        One row per month and grade that has figures, ordered by month then grade: ``month`` (a date, the first
        of the month), ``grade``, ``clients`` (with figures that month), ``revenue``, ``direct_costs``,
        ``labor_hours``, ``effective_hourly_rate`` (NaN without hours) and, with ``labor_cost_rate``,
        ``gross_profit``.

    Raises
    ------
    ClientGradeError
        ``grades`` lacks a column, or ``start`` / ``end`` is not a date.
    """
    require_columns(grades, ("client_id", "grade"), "grade list")
    first, stop = _first_of_month(start), _first_of_month(end)
    labels = grade_labels(grades["grade"]).astype(str)
    frame = store.query(
        _MONTHLY_SQL,
        [grades["client_id"].astype(str).tolist(), labels.tolist(), first, stop],
    )
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["grade"] = frame["grade"].astype(str)
    frame["clients"] = frame["clients"].astype(int)
    for column in ("revenue", "direct_costs", "labor_hours"):
        frame[column] = frame[column].astype(float)
    frame["effective_hourly_rate"] = per_hour(frame["revenue"] - frame["direct_costs"], frame["labor_hours"])
    if labor_cost_rate is not None:
        frame["gross_profit"] = frame["revenue"] - frame["direct_costs"] - frame["labor_hours"] * float(labor_cost_rate)
    return frame.reset_index(drop=True)


def manual_grades_on(store: Store, day: date | str) -> pd.DataFrame:
    """Return each client's manual grade as it stood at the end of ``day`` (its latest grade event by then).

    Parameters
    ----------
    store:
        The open store.
    day:
        The date to look at.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``grade`` and ``graded_on`` for every client graded on or before ``day``, ordered by id.
        Clients never graded by then are not listed.

    Raises
    ------
    ClientGradeError
        ``day`` is not a date.
    """
    frame = grades_as_of(store, _as_day(day), known_clients_only=True).sort_values("client_id")
    frame["graded_on"] = pd.to_datetime(frame["graded_on"]).dt.date
    return frame.reset_index(drop=True)


# Each grade event moves its client into the new grade and out of the one it held before, in the event's month;
# summing these moves up to a month gives the grades held at its end, without pairing every client with every
# month (two events in one month cancel out in between, leaving the month's last grade, as current_grades does).
_COUNTS_BY_MONTH_SQL = """
WITH events AS (
    SELECT e.grade,
           CAST(date_trunc('month', e.graded_on) AS DATE) AS event_month,
           lag(e.grade) OVER (PARTITION BY e.client_id ORDER BY e.graded_on, e.event_id) AS previous_grade
    FROM grade_events AS e
    JOIN clients AS c ON c.client_id = e.client_id
),
moves AS (
    SELECT event_month, grade, 1 AS move FROM events
    UNION ALL
    SELECT event_month, previous_grade AS grade, -1 AS move FROM events WHERE previous_grade IS NOT NULL
),
moves_per_month AS (
    SELECT event_month, grade, sum(move) AS moved FROM moves GROUP BY event_month, grade
),
months AS (
    SELECT CAST(generate_series AS DATE) AS month
    FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 MONTH)
)
SELECT m.month, p.grade, CAST(sum(p.moved) AS BIGINT) AS clients
FROM months AS m
JOIN moves_per_month AS p ON p.event_month <= m.month
GROUP BY m.month, p.grade
HAVING sum(p.moved) > 0
ORDER BY m.month, p.grade
"""


def grade_counts_by_month(store: Store, start: date | str, end: date | str) -> pd.DataFrame:
    """Return how many clients held each manual grade at the end of every month from ``start`` to ``end``.

    Parameters
    ----------
    store:
        The open store.
    start, end:
        The first and the last month shown (dates in those months; both included).

    Returns
    -------
    pandas.DataFrame
        ``month`` (first of the month), ``grade`` and ``clients``, one row per month and grade held by at least
        one client; empty when no client had been graded by ``end``.

    Raises
    ------
    ClientGradeError
        A date is not a date, or ``start`` is after ``end``.
    """
    first, last = _first_of_month(start), _first_of_month(end)
    if first > last:
        raise ClientGradeError(f"The history starts ({first:%Y-%m}) after it ends ({last:%Y-%m}); swap the dates.")
    frame = store.query(_COUNTS_BY_MONTH_SQL, [first, last])
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["grade"] = frame["grade"].astype(str)
    frame["clients"] = frame["clients"].astype(int)
    return frame.reset_index(drop=True)


_EVENTS_BETWEEN_SQL = """
WITH ordered AS (
    SELECT e.*, lag(e.grade) OVER (PARTITION BY e.client_id ORDER BY e.graded_on, e.event_id) AS previous_grade
    FROM grade_events AS e
)
SELECT o.client_id, c.name, o.graded_on, o.previous_grade, o.grade, o.grader, o.note, o.source
FROM ordered AS o
JOIN clients AS c ON c.client_id = o.client_id
WHERE o.graded_on >= ? AND o.graded_on <= ?
ORDER BY o.graded_on DESC, o.event_id DESC
"""


def grade_events_between(store: Store, start: date | str, end: date | str) -> pd.DataFrame:
    """Return the manual grade events recorded from ``start`` to ``end`` (both included), latest first.

    Parameters
    ----------
    store:
        The open store.
    start, end:
        The first and the last day.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``name``, ``graded_on``, ``previous_grade`` (the grade before this event, missing for a
        first grade, even when that earlier event lies before ``start``), ``grade``, ``grader``, ``note`` and
        ``source``.

    Raises
    ------
    ClientGradeError
        A date is not a date.
    """
    frame = store.query(_EVENTS_BETWEEN_SQL, [_as_day(start), _as_day(end)])
    frame["graded_on"] = pd.to_datetime(frame["graded_on"]).dt.date
    return frame.reset_index(drop=True)
