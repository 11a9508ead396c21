"""The Compare books chart: each book's D clients, their share of revenue beside their share of labor hours."""

from __future__ import annotations

import altair as alt
import pandas as pd

from grading.charts.palette import GRADE_COLORS

_MEASURES = (("d_revenue_share", "Share of revenue"), ("d_hours_share", "Share of labor hours"))


def d_shares_frame(view: pd.DataFrame) -> pd.DataFrame:
    """Return the D shares in long form: ``book``, ``measure``, ``share`` (0-1) and ``current``; books without
    current grades (no D shares) are left out.

    Parameters
    ----------
    view:
        :func:`grading.views.compare_books.comparison_view` (books already labelled as shown).
    """
    pieces = [
        pd.DataFrame({
            "book": view["book"].astype(str).to_numpy(),
            "measure": label,
            "share": pd.to_numeric(view[column], errors="coerce").to_numpy(dtype="float64"),
            "current": view["current"].astype(bool).to_numpy(),
        })
        for column, label in _MEASURES
    ]
    return pd.concat(pieces, ignore_index=True).dropna(subset="share")


def d_shares_chart(view: pd.DataFrame) -> alt.Chart:
    """Return bars per book: what the D clients bring (share of revenue) beside the time they take (share of hours).

    The current book's bars are drawn solid, the others lighter; books keep the order of ``view`` (current first).
    """
    data = d_shares_frame(view)
    order = list(dict.fromkeys(data["book"]))
    return (
        alt.Chart(data, title=alt.Title("The D clients in each book",
                                         subtitle="Their share of revenue beside their share of labor hours"))
        .mark_bar()
        .encode(
            y=alt.Y("book:N", title=None, sort=order),
            yOffset=alt.YOffset("measure:N", sort=[label for _, label in _MEASURES]),
            x=alt.X("share:Q", title="Share of the book (%)", axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=[label for _, label in _MEASURES], range=[GRADE_COLORS["D"], "#7f7f7f"]),
                legend=alt.Legend(orient="bottom"),
            ),
            opacity=alt.condition("datum.current", alt.value(1.0), alt.value(0.55)),
            tooltip=[
                alt.Tooltip("book:N", title="Book"),
                alt.Tooltip("measure:N", title="D clients'"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
        .properties(height=alt.Step(14))
    )
