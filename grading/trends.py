"""Revenue against time, per grade and over the months: the numbers behind the "Revenue vs time" page.

The coaches' reference case reads "the D clients brought 25% of the revenue and took 40% of the time". The
functions here compute that picture from a graded portfolio (:func:`grade_shares`), follow revenue, hours and the
effective hourly rate month by month for each grade (:func:`monthly_by_grade`), and read the manual grade history
(:func:`manual_grades_on`, :func:`grade_counts_by_month`) to say how clients moved between two dates
(:func:`grade_migration`, :func:`migration_sentences`: "3 C clients became B").

The effective hourly rate is (revenue - direct costs) / labor hours, as everywhere in ClientGrade; it is NaN where
there are no hours. A client without a (valid) grade is counted under :data:`UNGRADED`, never dropped, so the
shares always add up to the whole portfolio.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from grading.errors import ClientGradeError

if TYPE_CHECKING:
    from grading.db.store import Store

GRADES = ("A", "B", "C", "D")
#: The label of clients that have no grade in the chosen source (the same words as the charts' legend).
UNGRADED = "not graded"
GRADE_ORDER = (*GRADES, UNGRADED)
_AMOUNTS = ("revenue", "direct_costs", "labor_hours", "gross_profit")


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


def grade_labels(grades: pd.Series) -> pd.Series:
    """Return ``grades`` as ordered categories A, B, C, D and :data:`UNGRADED` (for missing or unknown grades).

    Parameters
    ----------
    grades:
        Grades as text; case and surrounding spaces are ignored.

    Returns
    -------
    pandas.Series
        A categorical series with the categories of :data:`GRADE_ORDER`, on the index of ``grades``.
    """
    text = grades.astype("string").str.strip().str.upper()
    labelled = text.where(text.isin(GRADES), UNGRADED).fillna(UNGRADED)
    return pd.Series(pd.Categorical(labelled, categories=GRADE_ORDER, ordered=True), index=grades.index)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ClientGradeError(f"The {what} has no column {', '.join(missing)}.")


def _rate(numerator: pd.Series | float, hours: pd.Series | float):
    """Divide, giving NaN (not an error or infinity) where there are no hours."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(hours) > 0, np.asarray(numerator, dtype=float) / np.asarray(hours, dtype=float),
                        np.nan)


def portfolio_hourly_rate(portfolio: pd.DataFrame) -> float:
    """Return the whole portfolio's effective hourly rate: (revenue - direct costs) / labor hours, over all clients.

    Returns NaN when nobody logged hours.

    Raises
    ------
    ClientGradeError
        A column ``revenue``, ``direct_costs`` or ``labor_hours`` is missing.
    """
    _require(portfolio, ("revenue", "direct_costs", "labor_hours"), "portfolio")
    hours = float(pd.to_numeric(portfolio["labor_hours"], errors="coerce").fillna(0).sum())
    margin = float(
        pd.to_numeric(portfolio["revenue"], errors="coerce").fillna(0).sum()
        - pd.to_numeric(portfolio["direct_costs"], errors="coerce").fillna(0).sum()
    )
    return margin / hours if hours > 0 else float("nan")


def grade_shares(portfolio: pd.DataFrame, grade_column: str) -> pd.DataFrame:
    """Return each grade's clients, revenue, hours and gross profit, and its share of the portfolio's totals.

    Parameters
    ----------
    portfolio:
        One row per client with ``revenue``, ``direct_costs``, ``labor_hours`` (window totals), ``gross_profit``
        (optional) and ``grade_column``.
    grade_column:
        The column holding the grade to group by, e.g. ``"effective_grade"``.

    Returns
    -------
    pandas.DataFrame
        One row per grade A-D (always, with zeros where a grade has no client) and one for :data:`UNGRADED` when
        some client has no grade, in that order. Columns: ``grade``, ``clients``, ``revenue``, ``direct_costs``,
        ``labor_hours``, ``gross_profit``, ``revenue_share``, ``hours_share``, ``gross_profit_share`` (fractions of
        the portfolio's totals, NaN where the total is 0) and ``effective_hourly_rate``.

    Raises
    ------
    ClientGradeError
        A needed column is missing.
    """
    _require(portfolio, ("revenue", "direct_costs", "labor_hours", grade_column), "portfolio")
    amounts = pd.DataFrame(
        {
            column: pd.to_numeric(portfolio[column], errors="coerce").fillna(0.0).astype(float)
            if column in portfolio.columns
            else 0.0
            for column in _AMOUNTS
        },
        index=portfolio.index,
    )
    if "gross_profit" not in portfolio.columns:
        amounts["gross_profit"] = np.nan
    amounts["grade"] = grade_labels(portfolio[grade_column])
    amounts["clients"] = 1
    totals = amounts.groupby("grade", observed=False)[["clients", *_AMOUNTS]].sum(min_count=0)
    if "gross_profit" not in portfolio.columns:
        totals["gross_profit"] = np.nan
    if totals.loc[UNGRADED, "clients"] == 0:
        totals = totals.drop(index=UNGRADED)
    totals["clients"] = totals["clients"].astype(int)
    for share, column in (("revenue_share", "revenue"), ("hours_share", "labor_hours"),
                          ("gross_profit_share", "gross_profit")):
        whole = totals[column].sum()
        totals[share] = totals[column] / whole if whole else np.nan
    totals["effective_hourly_rate"] = _rate(totals["revenue"] - totals["direct_costs"], totals["labor_hours"])
    result = totals.reset_index()
    result["grade"] = result["grade"].astype(str)
    return result[["grade", "clients", *_AMOUNTS, "revenue_share", "hours_share", "gross_profit_share",
                   "effective_hourly_rate"]]


def rate_lines(rates: Mapping[str, float], max_hours: float) -> pd.DataFrame:
    """Return the end points of lines of constant effective hourly rate, for the revenue-against-hours chart.

    Parameters
    ----------
    rates:
        Label to rate per hour, e.g. ``{"labor cost": 45, "portfolio": 92, "target": 120}``. Rates that are not
        finite numbers of at least 0 are left out (a portfolio without hours has no rate).
    max_hours:
        Where the lines end, in hours (the widest client's hours).

    Returns
    -------
    pandas.DataFrame
        Two rows per line (0 hours and ``max_hours``), columns ``line`` (the label with its rate), ``rate``,
        ``labor_hours`` and ``net_revenue`` (rate x hours: revenue less direct costs on that line).
    """
    usable = {
        label: float(rate)
        for label, rate in rates.items()
        if rate is not None and np.isfinite(float(rate)) and float(rate) >= 0
    }
    end = float(max_hours) if np.isfinite(max_hours) and max_hours > 0 else 1.0
    labels = np.repeat(list(usable), 2)
    values = np.repeat(list(usable.values()), 2)
    hours_at = np.tile([0.0, end], len(usable))
    return pd.DataFrame(
        {"line": labels.astype(object), "rate": values.astype(float), "labor_hours": hours_at,
         "net_revenue": values.astype(float) * hours_at}
    )


def client_points(portfolio: pd.DataFrame, grade_column: str) -> pd.DataFrame:
    """Return one point per client for the revenue-against-hours chart.

    Parameters
    ----------
    portfolio:
        One row per client with ``client_id``, ``revenue``, ``direct_costs``, ``labor_hours`` and
        ``grade_column``; ``name`` and ``gross_profit`` are carried over when present.
    grade_column:
        The grade to colour by, e.g. ``"effective_grade"``.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``name``, ``grade`` (A-D or :data:`UNGRADED`), ``revenue``, ``direct_costs``,
        ``net_revenue`` (revenue less direct costs: on a line of constant effective hourly rate, net revenue is
        rate x hours), ``labor_hours``, ``gross_profit`` and ``effective_hourly_rate``.

    Raises
    ------
    ClientGradeError
        A needed column is missing.
    """
    _require(portfolio, ("client_id", "revenue", "direct_costs", "labor_hours", grade_column), "portfolio")
    revenue = pd.to_numeric(portfolio["revenue"], errors="coerce").fillna(0.0).astype(float)
    costs = pd.to_numeric(portfolio["direct_costs"], errors="coerce").fillna(0.0).astype(float)
    hours = pd.to_numeric(portfolio["labor_hours"], errors="coerce").fillna(0.0).astype(float)
    points = pd.DataFrame(
        {
            "client_id": portfolio["client_id"].astype(str),
            "name": portfolio["name"].astype(str) if "name" in portfolio.columns else portfolio["client_id"].astype(str),
            "grade": grade_labels(portfolio[grade_column]).astype(str),
            "revenue": revenue,
            "direct_costs": costs,
            "net_revenue": revenue - costs,
            "labor_hours": hours,
            "gross_profit": pd.to_numeric(portfolio["gross_profit"], errors="coerce").astype(float)
            if "gross_profit" in portfolio.columns
            else np.nan,
        }
    )
    points["effective_hourly_rate"] = _rate(points["net_revenue"], hours)
    return points.reset_index(drop=True)


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
        One row per client: ``client_id`` and ``grade`` (missing or unknown grades count as :data:`UNGRADED`).
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
    _require(grades, ("client_id", "grade"), "grade list")
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
    frame["effective_hourly_rate"] = _rate(frame["revenue"] - frame["direct_costs"], frame["labor_hours"])
    if labor_cost_rate is not None:
        frame["gross_profit"] = frame["revenue"] - frame["direct_costs"] - frame["labor_hours"] * float(labor_cost_rate)
    return frame.reset_index(drop=True)


_GRADES_ON_SQL = """
SELECT e.client_id, e.grade, e.graded_on
FROM grade_events AS e
JOIN clients AS c ON c.client_id = e.client_id
WHERE e.graded_on <= ?
QUALIFY row_number() OVER (PARTITION BY e.client_id ORDER BY e.graded_on DESC, e.event_id DESC) = 1
ORDER BY e.client_id
"""


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
    frame = store.query(_GRADES_ON_SQL, [_as_day(day)])
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


def grade_migration(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Count how clients moved between grades from one point in time to another.

    Parameters
    ----------
    before, after:
        ``client_id`` and ``grade`` at the first and the second date. A client in only one of them counts as
        :data:`UNGRADED` in the other, so "newly graded" shows as a move from :data:`UNGRADED`.

    Returns
    -------
    pandas.DataFrame
        One row per (``from_grade``, ``to_grade``) pair that at least one client made, with ``clients``, and
        ``change``: ``"up"`` (a better grade, e.g. C to B), ``"down"``, ``"same"``, ``"graded"`` (from
        :data:`UNGRADED`) or ``"ungraded"`` (to it). Ordered by from-grade, then to-grade.

    Raises
    ------
    ClientGradeError
        A frame lacks ``client_id`` or ``grade``.
    """
    _require(before, ("client_id", "grade"), "first grade list")
    _require(after, ("client_id", "grade"), "second grade list")
    left = pd.DataFrame({"client_id": before["client_id"].astype(str),
                         "from_grade": grade_labels(before["grade"]).astype(str)})
    right = pd.DataFrame({"client_id": after["client_id"].astype(str),
                          "to_grade": grade_labels(after["grade"]).astype(str)})
    moves = left.drop_duplicates("client_id", keep="last").merge(
        right.drop_duplicates("client_id", keep="last"), on="client_id", how="outer"
    )
    moves = moves.fillna({"from_grade": UNGRADED, "to_grade": UNGRADED})
    moves = moves[(moves["from_grade"] != UNGRADED) | (moves["to_grade"] != UNGRADED)]
    counts = moves.groupby(["from_grade", "to_grade"]).size().rename("clients").reset_index()
    rank = {grade: position for position, grade in enumerate(GRADE_ORDER)}
    from_rank = counts["from_grade"].map(rank)
    to_rank = counts["to_grade"].map(rank)
    counts["change"] = np.select(
        [counts["from_grade"] == UNGRADED, counts["to_grade"] == UNGRADED, to_rank < from_rank, to_rank > from_rank],
        ["graded", "ungraded", "up", "down"],
        default="same",
    )
    counts["clients"] = counts["clients"].astype(int)
    counts = counts.assign(_from=from_rank, _to=to_rank).sort_values(["_from", "_to"]).drop(columns=["_from", "_to"])
    return counts.reset_index(drop=True)[["from_grade", "to_grade", "clients", "change"]]


def migration_matrix(migration: pd.DataFrame) -> pd.DataFrame:
    """Return the migration as a table: one row per grade before, one column per grade after, client counts.

    Parameters
    ----------
    migration:
        The result of :func:`grade_migration`.

    Returns
    -------
    pandas.DataFrame
        Index ``from`` (grades A-D, then :data:`UNGRADED` where used), columns the grades after; zero where no
        client made that move.
    """
    used = set(migration["from_grade"]) | set(migration["to_grade"])
    order = [grade for grade in GRADE_ORDER if grade in GRADES or grade in used]
    table = migration.pivot_table(index="from_grade", columns="to_grade", values="clients", aggfunc="sum",
                                  fill_value=0)
    table = table.reindex(index=order, columns=order, fill_value=0).astype(int)
    table.index.name = "from"
    table.columns.name = "to"
    return table


def _clients(count: int) -> str:
    return "client" if count == 1 else "clients"


def migration_sentences(migration: pd.DataFrame) -> list[str]:
    """Describe every change in a migration in the owner's words, largest first: "3 C clients became B".

    Parameters
    ----------
    migration:
        The result of :func:`grade_migration`.

    Returns
    -------
    list of str
        One sentence per (from, to) pair that changed; clients that kept their grade are left out. Empty when
        nobody moved.
    """
    changed = migration[migration["change"] != "same"].sort_values("clients", ascending=False, kind="stable")
    sentences = []
    for from_grade, to_grade, count in zip(changed["from_grade"], changed["to_grade"], changed["clients"],
                                            strict=True):
        count = int(count)
        if from_grade == UNGRADED:
            sentences.append(f"{count} {_clients(count)} got a first grade: {to_grade}")
        elif to_grade == UNGRADED:
            sentences.append(f"{count} {from_grade} {_clients(count)} no longer have a grade"
                             if count != 1 else f"1 {from_grade} client no longer has a grade")
        else:
            sentences.append(f"{count} {from_grade} {_clients(count)} became {to_grade}")
    return sentences


def migration_summary(migration: pd.DataFrame) -> dict[str, int]:
    """Return how many clients moved up, down, kept their grade, got a first grade or lost their grade.

    Returns
    -------
    dict
        Keys ``up``, ``down``, ``same``, ``graded`` and ``ungraded``, each a number of clients (0 when none).
    """
    counts = migration.groupby("change")["clients"].sum()
    return {key: int(counts.get(key, 0)) for key in ("up", "down", "same", "graded", "ungraded")}


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
