"""The Revenue vs time page's figures, shaped from the graded portfolio: what each grade brings against the time it
takes, one point per client, the lines of constant effective hourly rate, and how clients moved between grades.

The coaches' reference case reads "the D clients brought 25% of the revenue and took 40% of the time":
:func:`grade_shares` computes that picture, :func:`grade_migration` and :func:`migration_sentences` say how clients
moved between two dates ("3 C clients became B"). None of them reads the database; the monthly figures and the
grade history they start from are read by :mod:`grading.trends`.

The effective hourly rate is (revenue - direct costs) / labor hours, as everywhere in ClientGrade; it is NaN where
there are no hours. A client without a (valid) grade is counted under :data:`~grading.vocabulary.UNGRADED`, never
dropped, so the shares always add up to the whole portfolio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grading.formatting import hourly_rate
from grading.trends import per_hour, require_columns
from grading.vocabulary import GRADES, GRADE_ORDER, UNGRADED, grade_labels


_AMOUNTS = ("revenue", "direct_costs", "labor_hours", "gross_profit")


def portfolio_hourly_rate(portfolio: pd.DataFrame) -> float:
    """Return the whole portfolio's effective hourly rate: (revenue - direct costs) / labor hours, over all clients.

    Returns NaN when nobody logged hours.

    Raises
    ------
    ClientGradeError
        A column ``revenue``, ``direct_costs`` or ``labor_hours`` is missing.
    """
    require_columns(portfolio, ("revenue", "direct_costs", "labor_hours"), "portfolio")
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
    require_columns(portfolio, ("revenue", "direct_costs", "labor_hours", grade_column), "portfolio")
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
    totals["effective_hourly_rate"] = per_hour(totals["revenue"] - totals["direct_costs"], totals["labor_hours"])
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
    require_columns(portfolio, ("client_id", "revenue", "direct_costs", "labor_hours", grade_column), "portfolio")
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
    points["effective_hourly_rate"] = per_hour(points["net_revenue"], hours)
    return points.reset_index(drop=True)


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
    require_columns(before, ("client_id", "grade"), "first grade list")
    require_columns(after, ("client_id", "grade"), "second grade list")
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


def reference_rates(labor_cost_rate: float, portfolio_rate: float, target_rate: float,
                    currency: str) -> dict[str, float]:
    """Return the lines of constant rate the revenue-against-hours chart draws, labelled with their rates.

    Parameters
    ----------
    labor_cost_rate, portfolio_rate, target_rate:
        What an hour of labor costs, the portfolio's effective hourly rate (:func:`portfolio_hourly_rate`) and the
        owner's target rate.
    currency:
        The currency code the labels are written in.

    Returns
    -------
    dict
        Label (e.g. ``"Labor cost (EUR 45/h)"``) to rate per hour, for :func:`rate_lines`.
    """
    return {
        f"Labor cost ({hourly_rate(labor_cost_rate, currency)})": labor_cost_rate,
        f"Your portfolio ({hourly_rate(portfolio_rate, currency)})": portfolio_rate,
        f"Target ({hourly_rate(target_rate, currency)})": target_rate,
    }


def grade_row(shares: pd.DataFrame, grade: str = "D") -> pd.Series:
    """Return one grade's row of :func:`grade_shares` (there is always one per grade A-D)."""
    return shares[shares["grade"] == grade].iloc[0]


@dataclass(frozen=True)
class Migration:
    """How clients moved between two dates: the moves, their counts, the owner's sentences and the table."""

    moves: pd.DataFrame
    summary: dict[str, int]
    sentences: list[str]
    matrix: pd.DataFrame


def migration_between(before: pd.DataFrame, after: pd.DataFrame, grade_column: str) -> Migration:
    """Return how clients moved from the graded portfolio ``before`` to the graded portfolio ``after``.

    Parameters
    ----------
    before, after:
        The graded portfolio at the first and the second date.
    grade_column:
        The grade compared, e.g. ``"effective_grade"``.
    """
    moves = grade_migration(client_points(before, grade_column), client_points(after, grade_column))
    return Migration(moves, migration_summary(moves), migration_sentences(moves), migration_matrix(moves))


#: "Near" the labor-cost line: an effective hourly rate at most this fraction above the labor cost rate.
NEAR_LABOR_COST = 0.10


def labor_cost_line_clients(points: pd.DataFrame, labor_cost_rate: float, *, near: float = NEAR_LABOR_COST,
                            window_months: int = 12) -> pd.DataFrame:
    """Return the clients below the labor-cost line and those just above it, lowest effective rate first.

    Parameters
    ----------
    points:
        :func:`client_points`.
    labor_cost_rate:
        What one technician hour costs.
    near:
        How far above the labor cost rate (a fraction of it) a client still counts as near the line.
    window_months:
        The scoring window, to say the shortfall per month.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``name``, ``grade``, ``where`` ("below" or "near"), ``effective_hourly_rate``,
        ``labor_hours``, ``net_revenue`` and ``short_per_month``: what the client's revenue less direct costs falls
        short of its hours at the labor cost rate, per month (negative: it pays for them, with that to spare).
        Clients without hours have no rate and are left out.
    """
    rate = points["effective_hourly_rate"].astype("float64")
    limit = float(labor_cost_rate) * (1 + near)
    chosen = points.loc[rate.notna() & (rate <= limit)].copy()
    chosen["where"] = (chosen["effective_hourly_rate"] < float(labor_cost_rate)).map({True: "below", False: "near"})
    months = max(int(window_months), 1)
    chosen["short_per_month"] = (chosen["labor_hours"] * float(labor_cost_rate) - chosen["net_revenue"]) / months
    columns = ["client_id", "name", "grade", "where", "effective_hourly_rate", "labor_hours", "net_revenue",
               "short_per_month"]
    return chosen.sort_values(["effective_hourly_rate", "client_id"])[columns].reset_index(drop=True)


def rate_lines_for(points: pd.DataFrame, rates: Mapping[str, float]) -> tuple[pd.DataFrame, bool]:
    """Return :func:`rate_lines` drawn as far as the busiest client of ``points`` (:func:`client_points`), and
    whether any client has hours at all (without any there is no rate to draw)."""
    return rate_lines(rates, points["labor_hours"].max()), bool(points["labor_hours"].sum() > 0)


def shares_and_the_d_row(portfolio: pd.DataFrame, grade_column: str) -> tuple[pd.DataFrame, pd.Series]:
    """Return each grade's share of revenue and of time (:func:`grade_shares`) and the D clients' row of it."""
    shares = grade_shares(portfolio, grade_column)
    return shares, grade_row(shares, "D")


#: The columns of the per-grade table beside the share chart.
SHARE_TABLE_COLUMNS = ("grade", "clients", "revenue", "revenue_share", "labor_hours", "hours_share",
                       "effective_hourly_rate")


def share_table(shares: pd.DataFrame) -> pd.DataFrame:
    """Return the per-grade table the page shows beside the share chart (:data:`SHARE_TABLE_COLUMNS`)."""
    return shares[list(SHARE_TABLE_COLUMNS)]
