"""The overview's grade mix: how clients, revenue and labor hours split over the grades A-D."""

from __future__ import annotations

import altair as alt
import pandas as pd

from grading.charts.palette import grade_color
from grading.vocabulary import GRADES, UNGRADED
from grading.formatting import currency_symbol

_MEASURES = (
    ("clients", "client_share", "Clients"),
    ("revenue", "revenue_share", "Revenue"),
    ("labor_hours", "hours_share", "Labor hours"),
)


def grade_mix_frame(mix: pd.DataFrame) -> pd.DataFrame:
    """Return the grade mix in long form for the chart: one row per measure and grade.

    Parameters
    ----------
    mix:
        :func:`grading.views.overview.grade_mix`.

    Returns
    -------
    pandas.DataFrame
        ``measure`` (Clients, Revenue, Labor hours), ``grade``, ``amount`` and ``share`` (a fraction).
    """
    pieces = [
        pd.DataFrame(
            {
                "measure": label,
                "grade": mix["grade"].astype(str).to_numpy(),
                "amount": mix[amount].astype("float64").to_numpy(),
                "share": mix[share].astype("float64").to_numpy(),
            }
        )
        for amount, share, label in _MEASURES
    ]
    return pd.concat(pieces, ignore_index=True)


def grade_mix_chart(mix: pd.DataFrame, *, currency: str = "EUR", grade_title: str = "Grade") -> alt.Chart:
    """Return a 100% stacked bar per measure (clients, revenue, labor hours) split by grade.

    The picture an owner knows from the coach: the D clients' share of revenue beside their share of the time.

    Parameters
    ----------
    mix:
        :func:`grading.views.overview.grade_mix`.
    currency:
        For the revenue in the tooltip.
    grade_title:
        The legend's title (which grade source colours the bars).
    """
    data = grade_mix_frame(mix)
    order = [*GRADES, UNGRADED]
    data["grade_order"] = data["grade"].map({grade: position for position, grade in enumerate(order)})
    symbol = currency_symbol(currency).strip()
    return (
        alt.Chart(data, title=alt.Title("Grade mix", subtitle="Share of clients, revenue and labor hours per grade"))
        .mark_bar()
        .encode(
            y=alt.Y("measure:N", title=None, sort=[label for _, _, label in _MEASURES]),
            x=alt.X("share:Q", title="Share of the portfolio (%)", axis=alt.Axis(format="%"), stack="normalize"),
            color=grade_color("grade", grade_title),
            order=alt.Order("grade_order:Q"),
            tooltip=[
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("grade:N", title="Grade"),
                alt.Tooltip("amount:Q", title=f"Amount (clients, {symbol} or hours)", format=",.0f"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
        .properties(height=alt.Step(38))
    )
