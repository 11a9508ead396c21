"""The overview page: the portfolio's headline numbers (now and a year before) and the grade mix with its sentence
about the D clients.

Every function takes the graded portfolio (:func:`grading.scoring.portfolio.grade_portfolio`, one row per client) and
works on whole columns; none of them reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from grading.formatting import percent
from grading.views.shared import grade_column
from grading.vocabulary import GRADES, UNGRADED, grade_labels


@dataclass(frozen=True)
class Headline:
    """The portfolio's headline numbers; amounts per month are run rates over each client's months with data."""

    clients: int
    monthly_revenue: float
    monthly_hours: float
    effective_hourly_rate: float
    gross_margin: float
    gross_profit: float


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _monthly(frame: pd.DataFrame, total_column: str, average_column: str) -> pd.Series:
    """Each client's monthly figure: its own average where known, else the window total over the window."""
    if average_column in frame.columns:
        return _numeric(frame, average_column).fillna(0.0)
    months = _numeric(frame, "months_with_data").where(lambda value: value > 0)
    return (_numeric(frame, total_column) / months).fillna(0.0)


def headline_numbers(portfolio: pd.DataFrame) -> Headline:
    """Return the portfolio's headline numbers.

    Parameters
    ----------
    portfolio:
        The graded portfolio, one row per client, with ``revenue``, ``direct_costs``, ``labor_hours`` and
        ``gross_profit`` over the scoring window and ``avg_monthly_revenue`` / ``avg_monthly_hours``.

    Returns
    -------
    Headline
        Rates and margins are NaN where their denominator is zero (no hours, no revenue).
    """
    revenue = float(_numeric(portfolio, "revenue").sum())
    direct_costs = float(_numeric(portfolio, "direct_costs").fillna(0.0).sum())
    hours = float(_numeric(portfolio, "labor_hours").sum())
    gross_profit = float(_numeric(portfolio, "gross_profit").sum())
    return Headline(
        clients=int(len(portfolio)),
        monthly_revenue=float(_monthly(portfolio, "revenue", "avg_monthly_revenue").sum()),
        monthly_hours=float(_monthly(portfolio, "labor_hours", "avg_monthly_hours").sum()),
        effective_hourly_rate=(revenue - direct_costs) / hours if hours > 0 else float("nan"),
        gross_margin=gross_profit / revenue if revenue > 0 else float("nan"),
        gross_profit=gross_profit,
    )


def grade_mix(portfolio: pd.DataFrame, grade_source: str) -> pd.DataFrame:
    """Return clients, revenue, labor hours and gross profit per grade of ``grade_source``, with their shares.

    Returns
    -------
    pandas.DataFrame
        One row per grade A-D (always all four, with zeros) and a ``"not graded"`` row where some clients have
        no grade of that source: ``grade``, ``clients``, ``revenue``, ``labor_hours``, ``gross_profit``,
        ``client_share``, ``revenue_share``, ``hours_share`` (fractions of the portfolio's totals, 0 when the
        total is 0).
    """
    labels = grade_labels(portfolio[grade_column(grade_source)]) if len(portfolio) else pd.Series([], dtype=str)
    frame = pd.DataFrame(
        {
            "grade": labels.to_numpy(),
            "clients": 1,
            "revenue": _numeric(portfolio, "revenue").fillna(0.0).to_numpy(),
            "labor_hours": _numeric(portfolio, "labor_hours").fillna(0.0).to_numpy(),
            "gross_profit": _numeric(portfolio, "gross_profit").fillna(0.0).to_numpy(),
        }
    )
    order = [*GRADES, UNGRADED]
    mix = frame.groupby("grade").sum().reindex(order, fill_value=0)
    if mix.loc[UNGRADED, "clients"] == 0:
        mix = mix.drop(index=UNGRADED)
    for column, share in (("clients", "client_share"), ("revenue", "revenue_share"), ("labor_hours", "hours_share")):
        total = mix[column].sum()
        mix[share] = mix[column] / total if total > 0 else 0.0
    mix["clients"] = mix["clients"].astype(int)
    return mix.rename_axis("grade").reset_index()


def grade_story(mix: pd.DataFrame, grade: str = "D") -> str | None:
    """Return one sentence on what one grade's clients bring against the time they take, or None without any.

    For example ``"The 21 D clients bring 27% of revenue and take 45% of labor hours."``: the picture behind
    firing the D clients (a quarter of revenue, 40% of the time, in the coach's reference case).

    Parameters
    ----------
    mix:
        :func:`grade_mix`.
    grade:
        The grade to describe.
    """
    rows = mix.loc[mix["grade"] == grade]
    if rows.empty or int(rows["clients"].iat[0]) == 0:
        return None
    row = rows.iloc[0]
    clients = int(row["clients"])
    who = f"The {grade} client" if clients == 1 else f"The {clients} {grade} clients"
    verbs = ("brings", "takes") if clients == 1 else ("bring", "take")
    return (
        f"{who} {verbs[0]} {row['revenue_share']:.0%} of revenue and {verbs[1]} {row['hours_share']:.0%} "
        "of labor hours."
    )


def headline_now_and_a_year_before(portfolio: pd.DataFrame,
                                   year_before: pd.DataFrame) -> tuple[Headline, Headline | None]:
    """Return the headline numbers of ``portfolio`` and of ``year_before`` (the portfolio graded a year earlier).

    The second is ``None`` when the book had no revenue a year before: there is nothing to compare with.
    """
    return (
        headline_numbers(portfolio),
        headline_numbers(year_before) if _numeric(year_before, "revenue").sum() > 0 else None,
    )


def change(now: float, then: float | None) -> str | None:
    """Return the change of a headline number against a year before as a signed percentage (``"+12%"``), or None
    when there is nothing to compare with (no figures then, or zero)."""
    if then is None or not then:
        return None
    return percent(now / then - 1, signed=True)


def grade_mix_and_story(portfolio: pd.DataFrame, grade_source: str) -> tuple[pd.DataFrame, str | None]:
    """Return :func:`grade_mix` of ``grade_source`` and :func:`grade_story`'s sentence about its D clients."""
    mix = grade_mix(portfolio, grade_source)
    return mix, grade_story(mix, "D")
