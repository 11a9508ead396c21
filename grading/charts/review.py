"""Charts of the live review: a client's revenue against hours month by month, and the decisions by kind."""

from __future__ import annotations

import altair as alt
import pandas as pd

from grading.charts.palette import grade_color
from grading.vocabulary import UNGRADED
from grading.formatting import currency_symbol

DECISION_ORDER = ["Keep", "Lift one grade", "Raise price", "Fire", "No decision yet"]


def client_trend_chart(monthly: pd.DataFrame, currency: str = "EUR") -> alt.LayerChart:
    """Return revenue (bars, left axis) and labor hours (line, right axis) per month for one client.

    Parameters
    ----------
    monthly:
        ``month``, ``revenue``, ``labor_hours`` (:func:`grading.views.client_card.monthly_series`).
    currency:
        The currency of the revenue axis.
    """
    symbol = currency_symbol(currency).strip()
    base = alt.Chart(monthly).encode(x=alt.X("yearmonth(month):T", title="Month"))
    revenue = base.mark_bar(color="#4575b4", opacity=0.55).encode(
        y=alt.Y("revenue:Q", title=f"Revenue ({symbol} per month)"),
        tooltip=[alt.Tooltip("yearmonth(month):T", title="Month"),
                 alt.Tooltip("revenue:Q", title=f"Revenue ({symbol})", format=",.0f"),
                 alt.Tooltip("labor_hours:Q", title="Labor hours", format=",.1f")],
    )
    labor = base.mark_line(color="#d73027", point=True, strokeWidth=3).encode(
        y=alt.Y("labor_hours:Q", title="Labor hours per month", axis=alt.Axis(titleColor="#d73027")),
    )
    return (
        alt.layer(revenue, labor)
        .resolve_scale(y="independent")
        .properties(title="Revenue (bars) against labor hours (line), month by month", height=260)
    )


def decisions_chart(clients: pd.DataFrame) -> alt.Chart:
    """Return a bar per kind of decision, stacked by the clients' grades in the house colours.

    Parameters
    ----------
    clients:
        :attr:`grading.review.summary.ReviewSummary.clients`: ``detail``-independent columns ``decision`` and
        ``grade`` are read; ``decision`` is mapped to its label.
    """
    from grading.review.sessions import DECISIONS

    labels = {**DECISIONS, "undecided": "No decision yet"}
    frame = pd.DataFrame(
        {
            "decision": clients["decision"].map(labels).fillna("No decision yet"),
            "grade": clients["grade"].astype("string").fillna(UNGRADED),
        }
    )
    counted = frame.groupby(["decision", "grade"], as_index=False).size().rename(columns={"size": "clients"})
    return (
        alt.Chart(counted)
        .mark_bar()
        .encode(
            y=alt.Y("decision:N", title="Decision", sort=DECISION_ORDER),
            x=alt.X("clients:Q", title="Clients", axis=alt.Axis(tickMinStep=1)),
            color=grade_color("grade"),
            tooltip=[alt.Tooltip("decision:N", title="Decision"), alt.Tooltip("grade:N", title="Grade"),
                     alt.Tooltip("clients:Q", title="Clients")],
        )
        .properties(title="Decisions by kind, by grade", height=200)
    )
